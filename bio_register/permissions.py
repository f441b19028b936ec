"""Roles, named permissions, the role → permission table and the scoped getters.

A role is held *in* an organisation (a :class:`~bio_register.accounts.models.Membership`) and
covers that organisation **and every organisation below it** (``Organisation.parent_id``, at any
depth), nowhere else — for every role, the functioneel beheerder and concern control included.
``ROLE_PERMISSIONS`` says what a role may do in the organisations it covers. Every lookup of an
organisation's data goes through :func:`organisation_scope`, :func:`get_organisation` or
:func:`get_scoped`, so that another organisation's object answers 404, exactly like one that does
not exist.

The organisation tree is small (a few hundred rows at most): :func:`organisation_tree` reads
(id, parent_id) once per transaction of a database session — in a request, which commits once at
its end, once per request — and keeps it in ``Session.info``; :func:`invalidate_tree_on_change`
(connected in :mod:`bio_register.wiring`) drops it when an organisation is added, removed or moved,
and when the transaction ends.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    ScalarSelect,
    SQLColumnExpression,
    String,
    cast,
    event,
    false,
    func,
    inspect,
    literal_column,
    select,
    true,
)
from sqlalchemy.orm import Session

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
    #: link a datalek to the verwerkingen it affected (those who handle datalekken)
    BREACH_LINK = "breach:link"
    #: keep the templates of recurring datalekken and log a datalek from one
    BREACH_TEMPLATE = "breach:template"
    CBW_REPORT = "cbw:report"
    MEASURE_READ = "measure:read"
    MEASURE_WRITE = "measure:write"
    COMPLIANCE_READ = "compliance:read"
    COMPLIANCE_WRITE = "compliance:write"
    #: the organisation's default life of compliance evidence (the beheerder and the CISO)
    EVIDENCE_PERIOD = "evidence:period"
    CATALOG_MANAGE = "catalog:manage"
    REPORT_READ = "report:read"
    REPORT_GENERATE = "report:generate"
    SCHEDULE_MANAGE = "schedule:manage"
    #: the verwerkingsregister and the verwerkers (AVG art. 30, 28)
    PROCESSING_READ = "processing:read"
    PROCESSING_WRITE = "processing:write"
    #: findings (bevindingen) of auditors, tests and evaluations: the CISO keeps them, others read
    FINDING_READ = "finding:read"
    FINDING_WRITE = "finding:write"
    #: keep the organisation's playbooks (draaiboeken) per category of incident
    PLAYBOOK_MANAGE = "playbook:manage"
    #: apply a playbook to an incident and tick its steps (the FG: on datalekken only, see
    #: ``playbooks.services.may_handle``)
    INCIDENT_TASKS = "incident:tasks"


P = Permission

_READ_ALL = frozenset({
    P.ORGANISATION_READ, P.INCIDENT_READ, P.BREACH_READ, P.MEASURE_READ, P.COMPLIANCE_READ,
    P.REPORT_READ, P.PROCESSING_READ, P.FINDING_READ,
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
        P.PROCESSING_READ, P.BREACH_LINK, P.BREACH_TEMPLATE, P.FINDING_READ, P.INCIDENT_TASKS,
    }),
    Role.FG: frozenset({
        P.ORGANISATION_READ, P.INCIDENT_READ, P.TIMELINE_WRITE, P.BREACH_READ,
        P.BREACH_ASSESS, P.BREACH_DECIDE, P.MEASURE_READ, P.COMPLIANCE_READ, P.INCIDENT_REPORT,
        P.PROCESSING_READ, P.PROCESSING_WRITE, P.BREACH_LINK, P.BREACH_TEMPLATE, P.FINDING_READ,
        P.INCIDENT_TASKS,
    }),
    Role.CISO: frozenset({
        P.ORGANISATION_READ, P.INCIDENT_READ, P.TIMELINE_WRITE, P.BREACH_READ, P.CBW_REPORT,
        P.MEASURE_READ, P.MEASURE_WRITE, P.COMPLIANCE_READ, P.COMPLIANCE_WRITE, P.REPORT_READ,
        P.INCIDENT_REPORT, P.PROCESSING_READ, P.PROCESSING_WRITE, P.FINDING_READ, P.FINDING_WRITE,
        P.PLAYBOOK_MANAGE,
        P.EVIDENCE_PERIOD,
    }),
    Role.CONCERN_CONTROL: _READ_ALL | {P.REPORT_GENERATE},
    Role.BEHEERDER: _READ_ALL | {
        P.ORGANISATION_MANAGE, P.USER_MANAGE, P.AUDIT_READ, P.CATALOG_MANAGE, P.SCHEDULE_MANAGE,
        P.PLAYBOOK_MANAGE,
        P.EVIDENCE_PERIOD,
    },
}

class AllOrganisations:
    """Marker: the permission holds in every organisation there is (the caller's roles cover every
    top-level organisation). Lets a query skip its organisation filter instead of listing every id,
    and tells the start page the caller reads everything."""

    def __repr__(self) -> str:
        return "ALL"


ALL = AllOrganisations()


class OrganisationTree:
    """Every organisation's id and parent id: what a role held somewhere covers."""

    def __init__(self, rows: Iterable[Any]) -> None:
        self.children: dict[int, list[int]] = {}
        self.parents: dict[int, int | None] = {}
        ids = set()
        for org_id, parent_id in rows:
            ids.add(org_id)
            self.parents[org_id] = parent_id
            if parent_id is not None:
                self.children.setdefault(parent_id, []).append(org_id)
        self.ids: frozenset[int] = frozenset(ids)
        self._covered: dict[frozenset[int], frozenset[int]] = {}

    def covered(self, held: frozenset[int]) -> frozenset[int]:
        """The organisations in ``held`` and every organisation below them (memoised)."""
        found = self._covered.get(held)
        if found is None:
            seen: set[int] = set()
            stack = [org_id for org_id in held if org_id in self.ids]
            while stack:
                org_id = stack.pop()
                if org_id not in seen:
                    seen.add(org_id)
                    stack.extend(self.children.get(org_id, ()))
            if len(self._covered) >= 1024:  # kept by the process (adopt_tree): bounded whatever the callers
                self._covered.clear()
            found = self._covered[held] = frozenset(seen)
        return found

    def lineage(self, org_id: int) -> list[int]:
        """The organisation and those above it, nearest first."""
        chain: list[int] = []
        current: int | None = org_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parents.get(current)
        return chain


_TREE_KEY = "bio_register.organisation_tree"
_ORGANISATIONS = Organisation.__table__


def organisation_tree(session: Session | None = None) -> OrganisationTree:
    """The organisation tree, read once per transaction (a request commits once, at its end)
    unless the request already confirmed the process's copy (:func:`adopt_tree`)."""
    session = session if session is not None else db.session()
    tree: OrganisationTree | None = session.info.get(_TREE_KEY)
    if tree is None:
        connection = session.connection()  # plain rows: no ORM execution layer
        rows = connection.execute(_tree_rows(connection.dialect.name)).all()
        tree = session.info[_TREE_KEY] = OrganisationTree(row[:2] for row in rows)
        if rows:
            _remember_tree(rows[0][2], tree)
    return tree


# --- the process's copy of the tree, confirmed per request --------------------------------------------
#
# A request that authenticates with an API token reads, in the same statement as its token, a
# signature of the tree as it is now (:func:`tree_signature`). When it equals the signature read
# with the tree this process holds, that tree is the request's (:func:`adopt_tree`): the same ids
# and parents, so the same scopes, without reading 350 rows and building the tree again. Any
# change to the organisations (added, removed, moved, by any process) changes the signature, and
# the request reads the tree itself as before.

_known_tree: tuple[str, OrganisationTree] | None = None
_TREE_STATEMENTS: dict[str, Any] = {}


def _remember_tree(signature: str | None, tree: OrganisationTree) -> None:
    global _known_tree
    if signature is not None:
        _known_tree = (signature, tree)


def tree_signature(dialect: str) -> ScalarSelect[Any]:
    """A scalar subquery whose value identifies the organisation tree as it is at that moment (see
    above); to be selected along with a statement the request makes anyway.

    PostgreSQL: the number of organisations and two sums of 64-bit hashes (two seeds) of each
    (id, parent id) pair, packed into one bigint (both are 32-bit): a change to any pair changes
    the sums but for a chance of 2^-128, and it costs what reading the pairs costs (building and
    hashing the pairs as text took five times that). Elsewhere (SQLite: small) the pairs themselves
    in id order."""
    o = _ORGANISATIONS.c
    if dialect == "postgresql":
        pair = cast(o.id, BigInteger).op("<<")(literal_column("32")).op("|")(func.coalesce(o.parent_id, 0))
        seeds = [func.sum(func.hashint8extended(pair, literal_column(seed))) for seed in ("0", "1")]
        return select(func.concat(func.count(), ":", seeds[0], ":", seeds[1])).scalar_subquery()
    text = cast(o.id, String) + ":" + func.coalesce(cast(o.parent_id, String), "")
    ordered = select(text.label("pair")).order_by(o.id).subquery()
    return select(func.group_concat(ordered.c.pair, ",")).scalar_subquery()


def _tree_rows(dialect: str) -> Any:
    """Every (id, parent id), each row with the signature of the tree they make (one snapshot)."""
    statement = _TREE_STATEMENTS.get(dialect)
    if statement is None:
        statement = _TREE_STATEMENTS[dialect] = select(
            _ORGANISATIONS.c.id, _ORGANISATIONS.c.parent_id, tree_signature(dialect).label("signature"))
    return statement


def forget_process_tree() -> None:
    """Drop the process's copy of the tree: the next request reads it (tests start from here)."""
    global _known_tree
    _known_tree = None


def adopt_tree(session: Session, signature: str | None) -> None:
    """Use the process's tree in this transaction when ``signature`` (read from the database by
    this request) says it is the tree as it is now; otherwise the tree is read when needed."""
    known = _known_tree
    if known is not None and signature is not None and known[0] == signature:
        session.info[_TREE_KEY] = known[1]


def forget_tree(session: Session) -> None:
    session.info.pop(_TREE_KEY, None)


def _moves_an_organisation(session: Session) -> bool:
    if any(isinstance(obj, Organisation) for obj in (*session.new, *session.deleted)):
        return True
    return any(isinstance(obj, Organisation) and inspect(obj).attrs.parent_id.history.has_changes()
               for obj in session.dirty)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if _TREE_KEY in session.info and _moves_an_organisation(session):
        forget_tree(session)


def _transaction_ended(session: Session, *_args: Any) -> None:
    forget_tree(session)


def invalidate_tree_on_change() -> None:
    """Forget a session's cached tree when it adds, removes or moves an organisation, and when its
    transaction ends (rolled back: an organisation added in it is gone again; committed: a session
    that lives on, such as a batch's, reads what others changed since). Idempotent."""
    for name, listener in (("before_flush", _before_flush), ("after_rollback", _transaction_ended),
                           ("after_soft_rollback", _transaction_ended), ("after_commit", _transaction_ended)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)


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
    """The ids of the organisations in which ``user`` holds ``permission``: those where a role
    granting it is held and every organisation below them; ``ALL`` when that is every organisation."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return set()
    held = frozenset(m.organisation_id for m in user.memberships
                     if permission in ROLE_PERMISSIONS[Role(m.role)])
    if not held:
        return set()
    tree = organisation_tree()
    covered = tree.covered(held)
    if covered == tree.ids:
        return ALL
    return set(covered)


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
    """The roles that cover the organisation: held in it or in an organisation above it."""
    lineage = set(organisation_tree().lineage(organisation_id))
    return sorted({Role(m.role) for m in user.memberships if m.organisation_id in lineage},
                  key=list(Role).index)
