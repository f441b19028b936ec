"""Organisations. Never commits."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager

from bio_register.accounts.models import Membership, User
from bio_register.audit import services as audit
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.permissions import Permission, Principal, authorise, organisation_scope

CODE_RE = re.compile(r"^[A-Z0-9]+$")
MIN_CODE, MAX_CODE = 2, 10
MAX_NAME = 200
#: "all" names every organisation together (a report's scope), so no organisation may be called that
RESERVED_CODES = frozenset({"ALL"})


def list_organisations(who: Principal | None, page: int, per_page: int) -> Page[Organisation]:
    """The organisations ``who`` may read, ordered by code: one page and the total."""
    where = organisation_scope(who, Permission.ORGANISATION_READ, Organisation.id)
    total = db.session.scalar(select(func.count()).select_from(Organisation).where(where)) or 0
    items = list(db.session.scalars(select(Organisation).where(where).order_by(Organisation.code)
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def find_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code.upper()))


def _check_code(value: str, field: str) -> str:
    """A code or reference prefix: 2–10 letters (A–Z) and digits, stored in capitals."""
    code = (value or "").strip().upper()
    what = _("Een code") if field == "code" else _("Een voorvoegsel")
    if not code:
        raise ValidationFailed(_("Vul een code in.") if field == "code" else _("Vul een voorvoegsel in."),
                               field=field)
    if not CODE_RE.match(code):
        raise ValidationFailed(_("%(what)s bestaat alleen uit letters (A–Z) en cijfers, zonder spaties of "
                                 "leestekens.", what=what), field=field)
    if not MIN_CODE <= len(code) <= MAX_CODE:
        raise ValidationFailed(_("%(what)s is 2 tot 10 tekens lang (nu %(n)d).", what=what, n=len(code)),
                               field=field)
    return code


def _check_name(value: str) -> str:
    name = (value or "").strip()
    if not name:
        raise ValidationFailed(_("Vul een naam in."), field="name")
    if len(name) > MAX_NAME:
        raise ValidationFailed(_("Een naam is hoogstens %(max)d tekens lang (nu %(n)d).", max=MAX_NAME,
                                 n=len(name)), field="name")
    return name


def create_organisation(
    actor: User | None, code: str, name: str, *, reference_prefix: str | None = None,
    parent: Organisation | None = None, actor_label: str | None = None,
) -> Organisation:
    """A new organisation, below ``parent`` (top-level without one: the CLI only).

    ``actor`` None is whoever runs the installation (the CLI, the demo); a user creates organisations
    only below one they manage (``organisation:manage`` there; outside their scope the parent does
    not exist for them). Code and prefix: 2–10 letters and digits, each unique.
    """
    code = _check_code(code, "code")
    name = _check_name(name)
    prefix = _check_code(reference_prefix if reference_prefix and reference_prefix.strip() else code,
                         "reference_prefix")
    if actor is not None:
        if parent is None:
            raise ValidationFailed(_("Kies de organisatie waaronder de nieuwe valt."), field="parent")
        authorise(actor, Permission.ORGANISATION_MANAGE, parent.id, read=Permission.ORGANISATION_READ)
    if code in RESERVED_CODES:
        raise ValidationFailed(_("De code %(code)s is gereserveerd; kies een andere.", code=code), field="code")
    if find_by_code(code) is not None:
        raise ValidationFailed(_("Er bestaat al een organisatie met code %(code)s.", code=code), field="code")
    if db.session.scalar(select(Organisation.id).where(Organisation.reference_prefix == prefix).limit(1)):
        raise ValidationFailed(_("Het voorvoegsel %(prefix)s is al in gebruik bij een andere organisatie: "
                                 "incidentnummers moeten uniek blijven.", prefix=prefix), field="reference_prefix")
    org = Organisation(code=code, name=name, reference_prefix=prefix, parent=parent)
    db.session.add(org)
    db.session.flush()
    audit.record(
        actor, "organisation", org.id, "create",
        audit.created({"code": code, "name": name, "reference_prefix": prefix,
                       "parent": parent.code if parent else None}),
        organisation_id=org.id, actor_label=actor_label,
    )
    return org


def update_organisation(actor: User, organisation: Organisation, *, name: str | None = None,
                        two_factor_required: bool | None = None) -> Organisation:
    """Change an organisation's name and settings (the fields given); audited with before and after.
    (Who may is the route's check: ``organisation:manage`` in the organisation.)"""
    before = {"name": organisation.name, "two_factor_required": organisation.two_factor_required}
    if name is not None:
        organisation.name = _check_name(name)
    if two_factor_required is not None:
        organisation.two_factor_required = bool(two_factor_required)
    after = {"name": organisation.name, "two_factor_required": organisation.two_factor_required}
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor, "organisation", organisation.id, "update", changes, organisation_id=organisation.id)
    return organisation


def managed_organisations(who: Principal | None) -> list[Organisation]:
    """The organisations ``who`` manages (where a new one may go), by code."""
    where = organisation_scope(who, Permission.ORGANISATION_MANAGE, Organisation.id)
    return list(db.session.scalars(select(Organisation).where(where).order_by(Organisation.code)))


def members_of(organisation: Organisation) -> list[Membership]:
    """Everyone holding a role in the organisation, by role then name."""
    stmt = (
        select(Membership)
        .join(Membership.user)
        .where(Membership.organisation_id == organisation.id)
        .options(contains_eager(Membership.user))
        .order_by(Membership.role, User.name)
    )
    return list(db.session.scalars(stmt))
