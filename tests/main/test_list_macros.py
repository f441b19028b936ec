"""The pager every list page shares (templates/_list.html)."""

from __future__ import annotations

from flask import Flask

from bio_register.paging import Page


def _pager(app: Flask, page: Page) -> str:
    with app.test_request_context():
        template = app.jinja_env.from_string(
            '{% from "_list.html" import pagination %}{% macro u(n) %}/lijst?page={{ n }}{% endmacro %}'
            "{{ pagination(page, u) }}")
        return " ".join(template.render(page=page).split())


def test_the_pager_links_previous_and_next_and_says_where_you_are(app: Flask) -> None:
    middle = _pager(app, Page(items=[], page=2, per_page=50, total=120))
    assert 'href="/lijst?page=1" rel="prev"' in middle and 'href="/lijst?page=3" rel="next"' in middle
    assert "Pagina 2 van 3" in middle
    last = _pager(app, Page(items=[], page=3, per_page=50, total=120))
    assert 'rel="next"' not in last and 'rel="prev"' in last
    assert _pager(app, Page(items=[], page=1, per_page=50, total=20)) == ""  # one page: no pager
    bounded = _pager(app, Page(items=[], page=1, per_page=50, total=1000, more=True))
    assert "Pagina 1 van meer dan 20" in bounded and 'rel="next"' in bounded
