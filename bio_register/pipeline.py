"""The request pipeline: load → authorise → act → commit → side effects.

Every HTML view and every API operation is declared with exactly one of

* ``@requires(permission, load=LOADER)`` — a signed-in user (or API token) holding
  ``permission``: in the loaded object's organisation when the route acts on an object, else in
  at least one organisation;
* ``@signed_in`` — any signed-in user, for their own things (account, notices);
* ``@public`` — anyone (the login pages, ``/health``).

The one rule for authorisation, the same in HTML and API:

* an object the caller **cannot read** (absent, or outside their organisations) → **404**;
* an object they can read but **may not do this to** → **403**;
* a route without an object (a list, a "new" form) whose permission they hold nowhere → **403**.

The decorator also draws the transaction boundary. When the view returns, the unit of work is
committed (:func:`bio_register.unit_of_work.commit`) before the response leaves, and only then run
the side effects registered on the session: queued e-mail, and messages to the user registered
with :func:`flash_committed`. A view whose action failed says so explicitly by returning
:class:`Rejected`: the pipeline rolls back and only then renders the answer. An exception rolls
back. Nothing else in the application commits or rolls back a request's work.

Put the decorator directly above the function, below ``@bp.route`` and flask-smorest's
``@blp.arguments``/``@blp.response``, so that the commit comes before the response is serialised.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, TypeVar

import flask_smorest
from flask import current_app, flash, g, request
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from bio_register import unit_of_work
from bio_register.accounts.models import User
from bio_register.accounts.services import ApiCaller, caller_for_token
from bio_register.api.base import Blueprint, is_api_request
from bio_register.errors import Conflict, NotFound
from bio_register.extensions import db, login_manager
from bio_register.i18n import gettext
from bio_register.notifications import delivery
from bio_register.permissions import Permission, Principal, authorise

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

#: the attribute every pipelined view function carries (checked for every route by the tests)
MARK = "_pipeline"


@dataclass(frozen=True)
class Loader:
    """How a route finds the object it acts on, and who may see it.

    ``fetch`` takes URL values (its parameter names are the URL's) and returns the object or None,
    without any scope check; the pipeline checks ``read`` in ``organisation(object)`` (404 when the
    caller lacks it). The view receives the object as the keyword ``name`` instead of those values.
    A fetch that already limits the object to the caller (their own token, a user they manage)
    has no organisation (``organisation`` returns None) and may have no ``read``.
    """

    name: str
    read: Permission | None
    fetch: Callable[..., Any]
    organisation: Callable[[Any], int | None] = attrgetter("organisation_id")
    params: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.params:
            object.__setattr__(self, "params", tuple(inspect.signature(self.fetch).parameters))

    def __call__(self, view_args: dict[str, Any]) -> Any:
        values = {name: view_args.pop(name) for name in self.params}
        obj = self.fetch(**values)
        if obj is None:
            raise NotFound()
        return obj


@dataclass
class Rejected:
    """What a view returns when its action failed (a service refused it): the pipeline rolls the
    unit of work back, then calls ``render`` — after the rollback, so the page shows what is stored —
    and answers with ``status``."""

    render: Callable[[], Any]
    status: int = 422


@dataclass(frozen=True)
class Guard:
    """What a route declared: read by the permission-matrix test and the docs."""

    permission: Permission | None
    loader: Loader | None
    sign_in: bool


def principal() -> Principal | None:
    """Who is asking: the API token's caller under ``/api/``, else the signed-in user (or None)."""
    if is_api_request():
        caller: ApiCaller | None = g.get("api_caller")
        return caller
    return current_user if current_user.is_authenticated else None


def actor() -> User:
    """The signed-in user (or the API token's user) as an ORM object: for recording who acted."""
    if is_api_request():
        return api_user()
    user: User = current_user._get_current_object()
    return user


def flash_committed(message: str, category: str = "success") -> None:
    """Show ``message`` on the next page, but only once the unit of work has committed."""
    unit_of_work.after_commit(db.session, lambda: flash(message, category))


def _unauthenticated() -> Any:
    if is_api_request():
        flask_smorest.abort(401, message="Geef een geldig API-token mee: Authorization: Bearer <token>.")
    return login_manager.unauthorized()


def _run(view: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Act, then commit (or roll back) and run the side effects: the boundary of every request."""
    session = db.session
    try:
        result = view(*args, **kwargs)
    except IntegrityError:
        unit_of_work.rollback(session)
        raise _concurrent() from None
    except BaseException:
        unit_of_work.rollback(session)
        raise
    if isinstance(result, Rejected):
        unit_of_work.rollback(session)
        rendered = result.render()
        if isinstance(rendered, tuple):  # (body, status) from a page helper: the rejection's status wins
            rendered = rendered[0]
        return rendered, result.status
    try:
        commit(keep_loaded=is_api_request())
    except IntegrityError:
        unit_of_work.rollback(session)
        raise _concurrent() from None
    return result


def _concurrent() -> Conflict:
    """A unique key refused the unit of work: someone else saved the same thing a moment earlier
    (two invitations to one address, two imports of one file). Nothing of this request was kept;
    the user gets 409 with a message, not a server error."""
    return Conflict(gettext("Iemand anders legde zojuist hetzelfde vast; er is niets opgeslagen. "
                            "Bekijk de actuele stand en probeer het zo nodig opnieuw."))


def commit(*, keep_loaded: bool = False) -> None:
    """Commit the request's unit of work, run its side effects, then send the e-mail it queued.
    Called by the pipeline only (and by the few views that must commit before they go on, such as
    a login that starts a new session).

    ``keep_loaded`` (API operations): the objects the view returns stay loaded through the commit.
    flask-smorest serialises them only after it; expired, every object and collection would be
    selected again, one query each (a page of 50 users: 100 queries, 50 ms). They hold what this
    transaction wrote, which is what the response must show."""
    session = db.session
    if keep_loaded:
        with unit_of_work.keeping_loaded(session):
            unit_of_work.commit(session)
    else:
        unit_of_work.commit(session)
    try:
        delivery.deliver_committed(current_app.config)
    except Exception:  # never turn a saved change into an error page because of e-mail
        unit_of_work.rollback(session)
        log.exception("sending queued e-mail failed; it stays in the outbox for retry")


def _pipelined(view: F, guard: Guard) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if guard.sign_in:
            who = principal()
            if who is None:
                return _unauthenticated()
            if guard.loader is not None:
                obj = guard.loader(kwargs)
                g.organisation_id = organisation = guard.loader.organisation(obj)  # also for the log lines
                authorise(who, guard.permission, organisation, read=guard.loader.read)
                kwargs[guard.loader.name] = obj
            else:
                authorise(who, guard.permission)
        return _run(view, args, kwargs)

    setattr(wrapper, MARK, guard)
    return wrapper  # type: ignore[return-value]


def requires(permission: Permission | None, *, load: Loader | None = None) -> Callable[[F], F]:
    """A route for signed-in callers holding ``permission`` (see the module's rule)."""
    return lambda view: _pipelined(view, Guard(permission, load, sign_in=True))


def signed_in(view: F) -> F:
    """A route for any signed-in user, about their own things."""
    return _pipelined(view, Guard(None, None, sign_in=True))


def signed_in_with(load: Loader) -> Callable[[F], F]:
    """A route for any signed-in user that acts on an object of their own (``load`` raises
    NotFound for anyone else's)."""
    return lambda view: _pipelined(view, Guard(None, load, sign_in=True))


def public(view: F) -> F:
    """A route anyone may open (still one unit of work: a login attempt is audited)."""
    return _pipelined(view, Guard(None, None, sign_in=False))


# --- the API's token authentication ------------------------------------------------------------------

def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> Blueprint:
    """A blueprint under ``/api/v1`` whose every route requires a valid personal API token."""
    blp = Blueprint(name, import_name, url_prefix="/api/v1" + url_prefix, description=description)

    @blp.before_request
    def _authenticate() -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, secret = header.partition(" ")
        caller = caller_for_token(secret.strip()) if scheme.lower() == "bearer" and secret else None
        if caller is None:
            _unauthenticated()
        g.api_caller = caller

    return blp


def api_caller() -> ApiCaller:
    """Who this request's API token speaks for: enough for permission checks (no ORM object)."""
    caller: ApiCaller = g.api_caller
    return caller


def api_user() -> User:
    """The user of this request's API token, as an ORM object (loaded on first use): for routes
    that record who did something. Routes that only read need no more than :func:`api_caller`."""
    user: User | None = g.get("api_user")
    if user is None:
        user = g.api_user = db.session.get_one(User, api_caller().user_id)
    return user
