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
from bio_register.permissions import Permission, Principal, organisation_scope

CODE_RE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")


def list_organisations(who: Principal | None, page: int, per_page: int) -> Page[Organisation]:
    """The organisations ``who`` may read, ordered by code: one page and the total."""
    where = organisation_scope(who, Permission.ORGANISATION_READ, Organisation.id)
    total = db.session.scalar(select(func.count()).select_from(Organisation).where(where)) or 0
    items = list(db.session.scalars(select(Organisation).where(where).order_by(Organisation.code)
                                    .limit(per_page).offset((page - 1) * per_page)))
    return Page(items, page, per_page, total)


def find_by_code(code: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.code == code.upper()))


def create_organisation(
    actor: User | None, code: str, name: str, *, reference_prefix: str | None = None,
    parent: Organisation | None = None, actor_label: str | None = None,
) -> Organisation:
    code = code.strip().upper()
    if not CODE_RE.match(code):
        raise ValidationFailed(
            _("Een code is 2 tot 10 hoofdletters of cijfers en begint met een letter."), field="code")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Vul een naam in van hoogstens 200 tekens."), field="name")
    prefix = (reference_prefix or code).strip().upper()
    if not CODE_RE.match(prefix):
        raise ValidationFailed(
            _("Een referentievoorvoegsel is 2 tot 10 hoofdletters of cijfers."), field="reference_prefix")
    if find_by_code(code) is not None:
        raise ValidationFailed(_("Er bestaat al een organisatie met code %(code)s.", code=code), field="code")
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


def set_two_factor_required(actor: User, organisation: Organisation, required: bool) -> None:
    """Require (or stop requiring) a second login factor for every member of the organisation."""
    if organisation.two_factor_required == required:
        return
    audit.record(actor, "organisation", organisation.id, "update",
                 {"two_factor_required": {"before": organisation.two_factor_required, "after": required}},
                 organisation_id=organisation.id)
    organisation.two_factor_required = required
