"""Where the one-time links in e-mails point: the application's BASE_URL before the path of the
page that takes the token, built from the URL map (no request needed: the CLI uses it too)."""

from __future__ import annotations

from flask import Flask

from bio_register.accounts.services import LinkMail

#: the page a one-time link opens, and the login page
SET_PASSWORD_PAGE = "accounts.set_password_link"  # noqa: S105  # nosec B105 # an endpoint name
LOGIN_PAGE = "accounts.login"


def for_app(app: Flask) -> LinkMail:
    adapter = app.url_map.bind("localhost")  # only paths are built: the host is never used
    base = app.config["BASE_URL"].rstrip("/")

    def url_for_token(token: str) -> str:
        return base + adapter.build(SET_PASSWORD_PAGE, {"token": token})

    return LinkMail(url_for_token=url_for_token, login_url=base + adapter.build(LOGIN_PAGE))
