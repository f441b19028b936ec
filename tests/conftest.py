from __future__ import annotations

import contextvars
import re
from collections.abc import Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from bio_register import create_app, permissions
from bio_register.accounts import services as accounts_services
from bio_register.extensions import db, limiter
from tests import dbutil

TEST_SECRET = "test-secret-key-0123456789abcdef"

dbutil.use_worker_database()  # under pytest-xdist: this worker's own PostgreSQL database

# Cheap password hashing in tests only: the production parameters cost ~50 ms a hash.
accounts_services._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production.

    Flask reuses an already pushed app context (the test's) for test requests, which
    would share ``g`` and the database session between requests; running each request in
    an empty ``contextvars.Context`` gives it its own app context, ``g`` and session.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        return contextvars.Context().run(FlaskClient.open, self, *args, **kwargs)


def make_app(database_url: str, instance_path: str, **extra: Any) -> Flask:
    application = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": TEST_SECRET,
        "INSTANCE_PATH": instance_path,
        **extra,
    })
    application.test_client_class = IsolatedClient
    return application


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on the test database, its schema built with ``upgrade head``."""
    folder = tmp_path_factory.mktemp("instance")
    url = dbutil.configured_url()
    if url and url.startswith("postgresql"):
        dbutil.reset_postgresql_schema(url)
    else:
        url = f"sqlite:///{folder / 'test.sqlite3'}"
    application = make_app(url, str(folder))
    with application.app_context():
        upgrade(directory=application.extensions["migrate"].directory)
        db.engine.dispose()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _rollback(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Every test runs inside one outer transaction that is rolled back afterwards.

    The application's commits become savepoint releases, so requests behave as in
    production while nothing outlives the test. Tests marked ``committed`` (real
    concurrency) opt out and use a fresh database of their own.
    """
    limiter.reset()  # login attempts counted in one test must not spill into the next
    # nor the organisation tree a process keeps for token requests (permissions.adopt_tree): whether a
    # test's first request reads it must not depend on which test ran before it in this worker
    permissions.forget_process_tree()
    if request.node.get_closest_marker("committed"):
        yield
        return
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        session = scoped_session(sessionmaker(
            bind=connection, class_=Session, join_transaction_mode="create_savepoint",
            expire_on_commit=False,
        ), scopefunc=_app_ctx_id)
        original = db.session
        db.session = session
        try:
            yield
        finally:
            session.remove()
            db.session = original
            outer.rollback()
            connection.close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(client: FlaskClient, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str, *, totp: bool = True) -> Any:
    """Log in through the form; a user with TOTP also passes the code step (unless ``totp=False``).

    Returns the last response: the password form's, or the code form's for a TOTP user.
    """
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if totp and response.status_code == 302 and response.headers["Location"].startswith("/login/totp") \
            and not response.headers["Location"].startswith("/login/totp/"):
        response = client.post("/login/totp", data={"code": totp_code(email),
                                                     "csrf_token": csrf_token(client, "/login/totp")})
    return response


def session_login(client: FlaskClient, user: Any) -> None:
    """Sign ``user`` in without the login form: the session holds what ``accounts.login.complete_login``
    leaves in it (a session row on the server, Flask-Login's keys, the timeout stamps, the second
    factor passed for a TOTP user). For tests about what a signed-in user may do; the form login
    itself is tested in tests/accounts."""
    import time

    from bio_register.accounts.login import SESSION_KEY

    key = accounts_services.start_session(user)
    db.session.commit()
    application = client.application
    with application.test_request_context(environ_base=client.environ_base):  # the client's address and agent
        identifier = application.login_manager._session_identifier_generator()  # type: ignore[attr-defined]
    now = time.time()
    with client.session_transaction() as sess:
        sess.clear()
        sess.update({SESSION_KEY: key, "_user_id": user.get_id(), "_fresh": True, "_id": identifier,
                     "started_at": now, "seen_at": now})
        if user.totp_enabled:
            sess["mfa"] = True


def totp_code(email: str) -> str:
    """The current code of a user with TOTP; tests log in again within one 30-second step, and a
    code is accepted only once, so the next unused step of the accepted window is used."""
    import pyotp

    from bio_register.accounts import two_factor
    from bio_register.accounts.services import find_user_by_email

    user = find_user_by_email(email)
    assert user is not None and user.totp_secret, f"{email} has no TOTP secret"
    db.session.refresh(user)
    step = two_factor.current_step()
    if user.totp_last_step is not None and user.totp_last_step >= step - 1:
        step = user.totp_last_step + 1
    if step > two_factor.current_step() + two_factor.VALID_WINDOW:
        user.totp_last_step = None  # a test logging in many times a minute: forget the used steps
        db.session.commit()
        step = two_factor.current_step()
    return pyotp.TOTP(user.totp_secret).generate_otp(step)


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):
            self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Iterator[Any]:
    """``with count_queries() as counter: …`` counts the SQL statements issued inside."""
    import contextlib

    from sqlalchemy import event

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    yield counting
