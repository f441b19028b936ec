"""Roles, named permissions, the role → permission table and the scoped getters.

A role is held *in* an organisation (a :class:`~bio_register.accounts.models.Membership`).
``ROLE_PERMISSIONS`` says what a role may do in the organisations where it is held;
``GLOBAL_PERMISSIONS`` says what a role may do in *every* organisation (concern control and
the functioneel beheerder read across all of them). Every lookup of an organisation's data
goes through :func:`organisation_scope`, :func:`get_organisation` or :func:`get_scoped`, so
that another organisation's object answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import ColumnElement, SQLColumnExpression, false, select, true

from bio_register.errors import NotFound, NotPermitted
from bio_register.extensions import db
from bio_register.i18n import gettext
from bio_register.organisations.models import Organisation

if TYPE_CHECKING:
    from bio_register.accounts.models import User


class Role(enum.StrEnum):
    #: any employee: reports a suspected incident and follows its own reports, nothing else
    MEDEWERKER = "medewerker"
    VERBINDINGSOFFICIER = "verbindingsofficier"
    FG = "fg"
    CISO = "ciso"
    CONCERN_CONTROL = "concern_control"
    BEHEERDER = "beheerder"


class Permission(enum.StrEnum):
    ORGANISATION_READ = "organisation:read"
    ORGANISATION_MANAGE = "organisation:manage"
    USER_MANAGE = "user:manage"
    AUDIT_READ = "audit:read"
    INCIDENT_READ = "incident:read"
    #: report a suspected incident at the reporting point and follow one's own reports
    INCIDENT_REPORT = "incident:report"
    INCIDENT_WRITE = "incident:write"
    TIMELINE_WRITE = "timeline:write"
    BREACH_READ = "breach:read"
    BREACH_ASSESS = "breach:assess"
    BREACH_DECIDE = "breach:decide"
    CBW_REPORT = "cbw:report"
    MEASURE_READ = "measure:read"
    MEASURE_WRITE = "measure:write"
    COMPLIANCE_READ = "compliance:read"
    COMPLIANCE_WRITE = "compliance:write"
    CATALOG_MANAGE = "catalog:manage"
    REPORT_READ = "report:read"
    REPORT_GENERATE = "report:generate"
    SCHEDULE_MANAGE = "schedule:manage"


P = Permission

_READ_ALL = frozenset({
    P.ORGANISATION_READ, P.INCIDENT_READ, P.BREACH_READ, P.MEASURE_READ, P.COMPLIANCE_READ,
    P.REPORT_READ,
})

#: What a role may do in the organisations in which it is held.
# Every employee may report at the reporting point (BIO2 5.24/6.08): the medewerker, and the
# roles held by employees of the organisation itself. Not concern control (writes nothing) nor the
# functioneel beheerder (reads every organisation): a person in those roles who works for an
# organisation holds ``medewerker`` there as well.
ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEDEWERKER: frozenset({P.INCIDENT_REPORT}),
    Role.VERBINDINGSOFFICIER: frozenset({
        P.ORGANISATION_READ, P.INCIDENT_READ, P.INCIDENT_WRITE, P.TIMELINE_WRITE,
        P.BREACH_READ, P.MEASURE_READ, P.MEASURE_WRITE, P.COMPLIANCE_READ, P.INCIDENT_REPORT,
    }),
    Role.FG: frozenset({
        P.ORGANISATION_READ, P.INCIDENT_READ, P.TIMELINE_WRITE, P.BREACH_READ,
        P.BREACH_ASSESS, P.BREACH_DECIDE, P.MEASURE_READ, P.COMPLIANCE_READ, P.INCIDENT_REPORT,
    }),
    Role.CISO: frozenset({
        P.ORGANISATION_READ, P.INCIDENT_READ, P.TIMELINE_WRITE, P.BREACH_READ, P.CBW_REPORT,
        P.MEASURE_READ, P.MEASURE_WRITE, P.COMPLIANCE_READ, P.COMPLIANCE_WRITE, P.REPORT_READ,
        P.INCIDENT_REPORT,
    }),
    Role.CONCERN_CONTROL: _READ_ALL | {P.REPORT_GENERATE},
    Role.BEHEERDER: _READ_ALL | {
        P.ORGANISATION_MANAGE, P.USER_MANAGE, P.AUDIT_READ, P.CATALOG_MANAGE, P.SCHEDULE_MANAGE,
    },
}

#: What a role may do in every organisation, wherever it is held.
GLOBAL_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.MEDEWERKER: frozenset(),
    Role.VERBINDINGSOFFICIER: frozenset(),
    Role.FG: frozenset(),
    Role.CISO: frozenset(),
    Role.CONCERN_CONTROL: ROLE_PERMISSIONS[Role.CONCERN_CONTROL],
    Role.BEHEERDER: ROLE_PERMISSIONS[Role.BEHEERDER],
}


class AllOrganisations:
    """Marker: the permission holds in every organisation."""

    def __repr__(self) -> str:
        return "ALL"


ALL = AllOrganisations()


class HeldRole(Protocol):
    """A role held in an organisation: a :class:`~bio_register.accounts.models.Membership` row."""

    @property
    def organisation_id(self) -> int: ...

    @property
    def role(self) -> Role | str: ...


class Principal(Protocol):
    """Whoever asks: a logged-in :class:`~bio_register.accounts.models.User`, or the caller of an
    API token (:class:`~bio_register.accounts.services.ApiCaller`). Permissions follow from
    ``memberships`` alone."""

    @property
    def is_authenticated(self) -> bool: ...

    @property
    def active(self) -> bool: ...

    @property
    def memberships(self) -> Iterable[HeldRole]: ...


def organisation_ids_with(user: Principal | None, permission: Permission) -> set[int] | AllOrganisations:
    """The ids of the organisations in which ``user`` holds ``permission`` (or ``ALL``)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return set()
    ids: set[int] = set()
    for membership in user.memberships:
        role = Role(membership.role)
        if permission in GLOBAL_PERMISSIONS[role]:
            return ALL
        if permission in ROLE_PERMISSIONS[role]:
            ids.add(membership.organisation_id)
    return ids


def has_permission(user: Principal | None, permission: Permission, organisation_id: int | None = None) -> bool:
    """Whether ``user`` holds ``permission`` in the organisation (or in any, when None)."""
    scope = organisation_ids_with(user, permission)
    if isinstance(scope, AllOrganisations):
        return True
    return bool(scope) if organisation_id is None else organisation_id in scope


def permissions_of(user: Principal | None) -> set[Permission]:
    """Every permission the user holds in at least one organisation (for navigation)."""
    return {p for p in Permission if has_permission(user, p)}


def organisation_scope(user: Principal | None, permission: Permission,
                       column: SQLColumnExpression[int | None]) -> ColumnElement[bool]:
    """A WHERE clause restricting ``column`` (an organisation id) to the user's scope."""
    scope = organisation_ids_with(user, permission)
    if isinstance(scope, AllOrganisations):
        return true()
    if not scope:
        return false()
    return column.in_(sorted(scope))


def scoped_organisations(user: Principal | None, permission: Permission) -> list[Organisation]:
    """The organisations in which the user holds ``permission``, ordered by code."""
    stmt = (
        select(Organisation)
        .where(organisation_scope(user, permission, Organisation.id))
        .order_by(Organisation.code)
    )
    return list(db.session.scalars(stmt))


def authorise(who: Principal | None, permission: Permission | None, organisation_id: int | None = None,
              read: Permission | None = None) -> None:
    """The one rule of authorisation, the same for pages and the API.

    With an organisation (the object's): ``read`` not held there → :class:`NotFound` (404, as if
    it did not exist); ``permission`` not held there → :class:`NotPermitted` (403). Without one (a
    list, a "new" form): ``permission`` held in no organisation → :class:`NotPermitted`.
    """
    if organisation_id is not None:
        if read is not None and not has_permission(who, read, organisation_id):
            raise NotFound()
        if permission is not None and not has_permission(who, permission, organisation_id):
            raise NotPermitted(gettext("U mag dit niet doen bij deze organisatie."))
    elif permission is not None and not has_permission(who, permission):
        raise NotPermitted(gettext("U hebt geen rol die dit toestaat."))


def find_organisation(code: str) -> Organisation | None:
    """The organisation with ``code`` (any case), without a scope check: for loaders."""
    if not code or len(code) > 20:
        return None
    return db.session.scalar(select(Organisation).where(Organisation.code == code.upper()))


def get_organisation(user: Principal | None, code: str, read: Permission,
                     act: Permission | None = None) -> Organisation:
    """The organisation with ``code`` if the user holds ``read`` in it (else NotFound), and ``act``
    when given (else NotPermitted)."""
    org = find_organisation(code)
    if org is None:
        raise NotFound()
    authorise(user, act, org.id, read=read)
    return org


class Scoped(Protocol):
    """An object that belongs to an organisation: a model with an ``organisation_id`` column."""

    @property
    def organisation_id(self) -> int: ...


M = TypeVar("M", bound=Scoped)


def get_scoped(model: type[M], object_id: Any, user: Principal | None, permission: Permission) -> M:
    """Load an object that belongs to an organisation, or NotFound when outside the user's scope.

    Absent and forbidden look the same.
    """
    obj = db.session.get(model, object_id)
    if obj is None or not has_permission(user, permission, obj.organisation_id):
        raise NotFound()
    return obj


def roles_in(user: User, organisation_id: int) -> Iterable[Role]:
    return (Role(m.role) for m in user.memberships if m.organisation_id == organisation_id)
