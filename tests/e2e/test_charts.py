"""Charts on screen (issue 19, item 4), in Chromium: each chart is drawn inline under the strict
CSP (no refused style), fits the screen at phone and laptop width, and opens its table of numbers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.helpers import CONCERN_CONTROL, VO, assert_accessible, login, screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("width", [390, 1366])
@pytest.mark.parametrize(("email", "path", "charts", "shot"), [
    (VO, "/", 1, "chart-start"),
    (CONCERN_CONTROL, "/compliance", 1, "chart-compliance-overview"),
    (CONCERN_CONTROL, "/compliance/DIE/BIO2-1.3", 2, "chart-compliance-organisation"),
])
def test_charts_fit_and_have_their_numbers(page: Any, live_server: Any, email: str, path: str, charts: int,
                                           shot: str, width: int) -> None:
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, email)
    page.goto(path)
    svgs = page.locator("figure.chart-figure svg[role=img]")
    assert svgs.count() == charts
    for index in range(charts):
        svg = svgs.nth(index)
        svg.scroll_into_view_if_needed()
        box = svg.bounding_box()
        assert box is not None and box["width"] >= min(600, width - 40) and box["height"] > 100
        figure = page.locator("figure.chart-figure").nth(index).bounding_box()
        assert figure is not None and figure["x"] + figure["width"] <= width + 1, (path, figure)
        assert svg.locator("text").count() > 5
    details = page.locator("figure.chart-figure details").first
    details.locator("summary").click()
    assert details.locator("table tbody tr").count() >= 5
    # nothing of the charts or their tables reaches past the screen's edge (the rest of each page's
    # width is the layout's, tested for every page there)
    # (on a phone a chart keeps a readable size and scrolls inside its figure, as a wide table does)
    overflowing = page.evaluate("""(width) => [...document.querySelectorAll('figure.chart-figure, '
        + 'figure.chart-figure .chart-scroll')]
        .filter(e => e.getBoundingClientRect().right > width + 1).map(e => e.tagName)""", width)
    assert not overflowing, overflowing
    assert not refused, refused
    assert_accessible(page)
    if width == 1366:  # the README shows the laptop width; the phone width is checked above
        screenshot(page, shot, full_page=True)
