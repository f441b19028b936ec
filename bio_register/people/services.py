"""People managed by the functioneel beheerder: the users in scope, invitations, roles given and
taken, deactivation and a password reset. Never commits.

Scope: a beheerder manages the users holding at least one role in an organisation where the
beheerder holds ``user:manage`` (:func:`bio_register.permissions.organisation_ids_with`), and gives
or takes roles only in those organisations; anything else does not exist for them (404). The rule
for *which* organisations that is lives in :mod:`bio_register.permissions` alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, true

from bio_register.accounts import services as accounts
from bio_register.accounts import two_factor
from bio_register.accounts.models import LinkPurpose, Membership, User
from bio_register.audit import services as audit
from bio_register.errors import NotFound, ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.paging import Page
from bio_register.people.labels import role_label
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    Principal,
    Role,
    get_organisation,
    organisation_ids_with,
    organisation_scope,
)

MAX_SEARCH = 200


def in_scope(who: Principal | None) -> ColumnElement[bool]:
    """A WHERE clause on :class:`User`: the users ``who`` manages — every role of theirs lies where
    ``who`` holds ``user:manage`` (the rule of ``accounts.find_managed_user``, so the list shows
    exactly the users that open): a beheerder of Diemen does not manage the FG of Duo+, even though
    that FG also holds a role in Diemen."""
    if isinstance(organisation_ids_with(who, Permission.USER_MANAGE), AllOrganisations):
        return true()
    managed = organisation_scope(who, Permission.USER_MANAGE, Membership.organisation_id)
    return and_(exists().where(Membership.user_id == User.id, managed),
                ~exists().where(Membership.user_id == User.id, ~managed))


def managed_memberships(who: Principal | None, user: User) -> list[Membership]:
    """The user's roles in organisations ``who`` manages (roles elsewhere are not shown)."""
    scope = organisation_ids_with(who, Permission.USER_MANAGE)
    return [m for m in user.memberships if isinstance(scope, AllOrganisations) or m.organisation_id in scope]


@dataclass(frozen=True)
class UserRow:
    """A user as the beheerder sees it: only the roles within the beheerder's scope."""

    user: User
    memberships: list[Membership]

    @property
    def sso(self) -> bool:
        return self.user.oidc_subject is not None

    @property
    def invitation_open(self) -> bool:
        """Invited, but no password chosen yet (and no SSO login either)."""
        return self.user.password_hash is None and not self.sso


def row(who: Principal | None, user: User) -> UserRow:
    return UserRow(user, managed_memberships(who, user))


def list_users(who: Principal | None, query: str | None, page: int, per_page: int) -> Page[UserRow]:
    """The users ``who`` manages, by name, optionally those whose name or e-mail contains ``query``."""
    where = [in_scope(who)]
    query = (query or "").strip()[:MAX_SEARCH]
    if query:
        pattern = "%" + query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where.append(or_(func.lower(User.name).like(pattern, escape="\\"), User.email.like(pattern, escape="\\")))
    total = db.session.scalar(select(func.count()).select_from(User).where(*where)) or 0
    users = db.session.scalars(select(User).where(*where).order_by(func.lower(User.name), User.id)
                               .limit(per_page).offset((page - 1) * per_page)).all()
    return Page([row(who, u) for u in users], page, per_page, total)


def find_user(who: Principal | None, user_id: int) -> User | None:
    """The user ``who`` manages, or None (outside the scope it does not exist)."""
    return accounts.find_managed_user(who, user_id)


# --- input --------------------------------------------------------------------------------------------

def parse_role(value: str, field_name: str = "role") -> Role:
    try:
        return Role(value)
    except ValueError:
        raise ValidationFailed(_("Onbekende rol: %(role)s", role=str(value)[:40]), field=field_name) from None


def organisation_in_scope(who: Principal | None, code: str) -> Organisation:
    """The organisation with ``code`` if ``who`` manages its users; else NotFound (404)."""
    return get_organisation(who, code, read=Permission.USER_MANAGE)


# --- mail -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mail:
    """Links for the e-mails (built by the boundary from BASE_URL), and whether passwords are used."""

    links: accounts.LinkMail
    local_login: bool = True


def _invitation_body(user: User, inviter: User, roles: Sequence[Membership], mail: Mail, url: str | None) -> str:
    lines = [_("Beste %(name)s,", name=user.name),
             _("%(inviter)s nodigt u uit voor het BIO-register, het register van informatiebeveiligingsincidenten "
               "en datalekken.", inviter=inviter.name),
             _("Uw rollen:"),
             *(f"- {role_text(m)}" for m in roles)]
    if url is not None:
        lines += [_("Kies uw wachtwoord via deze link. De link werkt één keer en is zeven dagen geldig:"), url]
    else:
        lines += [_("U logt in met het account van uw organisatie (single sign-on):"), mail.links.login_url]
    if any(m.role in two_factor.REQUIRED_ROLES for m in roles) or any(
            m.organisation.two_factor_required for m in roles):
        lines.append(_("Bij de eerste keer inloggen stelt u tweestapsverificatie in met een authenticator-app."))
    return "\n\n".join(lines) + "\n"


def role_text(membership: Membership) -> str:
    return f"{role_label(membership.role)} — {membership.organisation.name} ({membership.organisation.code})"


def _send_invitation(actor: User, user: User, roles: Sequence[Membership], mail: Mail) -> bool:
    """E-mail the invitation: with a one-time link to choose a password when passwords are used."""
    url = None
    if mail.local_login:
        issued = accounts.issue_link(actor, user, LinkPurpose.INVITATION)
        url = mail.links.url_for_token(issued.token)
    notifications.queue_email(user.email, _("Uitnodiging voor het BIO-register"),
                              _invitation_body(user, actor, roles, mail, url), scrub_after_send=url is not None)
    return url is not None


# --- invitation ------------------------------------------------------------------------------------------

@dataclass
class Invited:
    user: User
    created: bool
    added: list[Membership] = field(default_factory=list)
    link_sent: bool = False


def invite(actor: User, email: str, name: str, roles: Iterable[tuple[str, str]], mail: Mail) -> Invited:
    """Invite a person by e-mail with roles ``(organisation code, role)`` in organisations the actor
    manages. An address that already has an account gets the roles it lacks (and a message);
    an invitation that adds nothing is refused with a clear message."""
    wanted: list[tuple[Organisation, Role]] = []
    for index, (code, role) in enumerate(roles):
        pair = organisation_in_scope(actor, code), parse_role(role, f"memberships.{index}.role")
        if pair not in wanted:
            wanted.append(pair)
    if not wanted:
        raise ValidationFailed(_("Geef minstens één rol in een organisatie."), field="memberships")
    existing = accounts.find_user_by_email(email) if len(email) <= 254 else None
    if existing is None:
        user = accounts.create_user(actor, email, name)
        added = [accounts.grant_role(actor, user, org, role) for org, role in wanted]
        return Invited(user, True, added, _send_invitation(actor, user, added, mail))
    held = {(m.organisation_id, Role(m.role)) for m in existing.memberships}
    missing = [(org, role) for org, role in wanted if (org.id, role) not in held]
    if not missing:
        raise ValidationFailed(_("Er bestaat al een account met dit e-mailadres, met deze rollen."), field="email")
    added = [accounts.grant_role(actor, existing, org, role) for org, role in missing]
    link_sent = False
    if existing.password_hash is None and existing.oidc_subject is None and existing.active:
        link_sent = _send_invitation(actor, existing, added, mail)  # never accepted: a fresh link
    elif existing.active:
        notifications.queue_email(existing.email, _("Nieuwe rol in het BIO-register"), "\n\n".join([
            _("Beste %(name)s,", name=existing.name),
            _("%(actor)s gaf u in het BIO-register:", actor=actor.name),
            "\n".join(f"- {role_text(m)}" for m in added),
            _("Inloggen:") + " " + mail.links.login_url,
        ]) + "\n")
    return Invited(existing, False, added, link_sent)


def resend_invitation(actor: User, user: User, mail: Mail) -> bool:
    """A new invitation link for a user who never chose a password (the old link stops working)."""
    if user.password_hash is not None or user.oidc_subject is not None:
        raise ValidationFailed(_("%(name)s heeft de uitnodiging al gebruikt.", name=user.name))
    if not user.active:
        raise ValidationFailed(_("Dit account is gedeactiveerd."), field="active")
    return _send_invitation(actor, user, managed_memberships(actor, user), mail)


# --- roles ---------------------------------------------------------------------------------------------------

def grant(actor: User, user: User, code: str, role: str) -> Membership:
    """Give ``user`` a role in an organisation the actor manages (else 404). ``fg`` and
    ``beheerder`` mean a second factor from the next request on (see ``two_factor.required_for``)."""
    organisation = organisation_in_scope(actor, code)
    parsed = parse_role(role)
    return accounts.grant_role(actor, user, organisation, parsed)


def _last_beheerder(user: User, memberships: Iterable[Membership]) -> Organisation | None:
    """A top-level organisation of which ``user`` is the last active beheerder among ``memberships``."""
    for membership in memberships:
        organisation = membership.organisation
        if Role(membership.role) != Role.BEHEERDER or organisation.parent_id is not None:
            continue
        # Serialise concurrent removals of the last two beheerders (a row lock on PostgreSQL).
        db.session.execute(select(Organisation.id).where(Organisation.id == organisation.id).with_for_update())
        others = db.session.scalar(
            select(func.count()).select_from(Membership).join(User, User.id == Membership.user_id)
            .where(Membership.organisation_id == organisation.id, Membership.role == Role.BEHEERDER,
                   User.active.is_(True), User.id != user.id)
        ) or 0
        if not others:
            return organisation
    return None


def revoke(actor: User, user: User, code: str, role: str) -> Membership:
    """Take a role the user holds in an organisation the actor manages (else 404). The last
    beheerder of a top-level organisation keeps the role (422): nobody would manage it."""
    organisation = organisation_in_scope(actor, code)
    parsed = parse_role(role)
    membership = next((m for m in user.memberships
                       if m.organisation_id == organisation.id and Role(m.role) == parsed), None)
    if membership is None:
        raise NotFound(_("%(name)s heeft deze rol niet in %(code)s.", name=user.name, code=organisation.code))
    if user.active and _last_beheerder(user, [membership]) is not None:
        raise ValidationFailed(
            _("%(name)s is de laatste functioneel beheerder van %(org)s. Geef eerst iemand anders die rol; anders "
              "kan niemand %(org)s meer beheren.", name=user.name, org=organisation.name), field="role")
    audit.record(actor, "membership", membership.id, "delete",
                 audit.diff({"user": user.email, "organisation": organisation.code, "role": parsed.value}, {}),
                 organisation_id=organisation.id)
    user.memberships.remove(membership)
    db.session.flush()
    return membership


# --- the account -----------------------------------------------------------------------------------------------

def rename(actor: User, user: User, name: str) -> None:
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Vul een naam in van hoogstens 200 tekens."), field="name")
    if name != user.name:
        audit.record(actor, "user", user.id, "update", {"name": {"before": user.name, "after": name}})
        user.name = name


def set_active(actor: User, user: User, active: bool) -> None:
    """Deactivate (every session and API token ends at once) or reactivate a user. The last
    beheerder of a top-level organisation stays active (422)."""
    if user.active == active:
        return
    if not active:
        organisation = _last_beheerder(user, user.memberships)
        if organisation is not None:
            raise ValidationFailed(
                _("%(name)s is de laatste functioneel beheerder van %(org)s en kan niet worden gedeactiveerd. Geef "
                  "eerst iemand anders die rol.", name=user.name, org=organisation.name), field="active")
    audit.record(actor, "user", user.id, "deactivate" if not active else "reactivate",
                 {"active": {"before": user.active, "after": active}})
    user.active = active
    if not active:
        accounts.end_all_sessions(user)
        accounts.revoke_all_tokens(actor, user)


def reset_password(actor: User, user: User, mail: Mail) -> None:
    """A suspected compromise: the old password stops working, every session and API token ends,
    and the user gets a link (1 hour) to choose a new password. The beheerder never sees one."""
    if not mail.local_login:
        raise ValidationFailed(_("Inloggen met een wachtwoord is uitgeschakeld; er is geen wachtwoord om te "
                                 "herstellen."))
    if not user.active:
        raise ValidationFailed(_("Dit account is gedeactiveerd. Activeer het eerst."), field="active")
    audit.record(actor, "user", user.id, "password_reset",
                 {"password": {"before": "***" if user.password_hash else None, "after": None}})
    user.password_hash = None
    accounts.end_all_sessions(user)
    accounts.revoke_all_tokens(actor, user)
    issued = accounts.issue_link(actor, user, LinkPurpose.PASSWORD_RESET)
    notifications.queue_email(user.email, _("Nieuw wachtwoord voor het BIO-register"),
                              accounts.reset_mail_body(user, mail.links.url_for_token(issued.token),
                                                       requested_by_user=False),
                              scrub_after_send=True)
