"""Accounts: users, memberships, passwords and personal API tokens. Never commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Select, bindparam, delete, func, select, update
from zxcvbn import zxcvbn

from bio_register.accounts.models import AccountLink, ApiToken, LinkPurpose, Membership, User, UserSession
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.notifications import services as notifications
from bio_register.organisations.models import Organisation
from bio_register.permissions import (
    AllOrganisations,
    Permission,
    Principal,
    Role,
    adopt_tree,
    organisation_ids_with,
    tree_signature,
)

_hasher = PasswordHasher()
# Verified against when the account does not exist, so both cases cost the same time.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
TOKEN_PREFIX = "bior_"  # noqa: S105 (a prefix, not a secret)  # nosec B105 # public prefix
DEFAULT_TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 366
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LOCALES = ("nl", "en")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


#: zxcvbn's score (0–4) a password must reach: 3 is "safely unguessable" for an online attack.
MIN_PASSWORD_SCORE = 3

# zxcvbn's English warnings, said in Dutch.
_ZXCVBN_WARNINGS: dict[str, Any] = {
    "Straight rows of keys are easy to guess.": _l("Rijen toetsen naast elkaar (qwerty) zijn makkelijk te raden."),
    "Short keyboard patterns are easy to guess.": _l("Korte patronen op het toetsenbord zijn makkelijk te raden."),
    'Repeats like "aaa" are easy to guess.': _l("Herhalingen zoals „aaa” zijn makkelijk te raden."),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".':
        _l("Herhalingen zoals „abcabcabc” zijn nauwelijks moeilijker te raden dan „abc”."),
    'Sequences like "abc" or "6543" are easy to guess.': _l("Reeksen zoals „abc” of „6543” zijn makkelijk te raden."),
    "Recent years are easy to guess.": _l("Recente jaartallen zijn makkelijk te raden."),
    "Dates are often easy to guess.": _l("Datums zijn vaak makkelijk te raden."),
    "This is a top-10 common password.": _l("Dit is een van de tien meest gebruikte wachtwoorden."),
    "This is a top-100 common password.": _l("Dit is een van de honderd meest gebruikte wachtwoorden."),
    "This is a very common password.": _l("Dit is een veelgebruikt wachtwoord."),
    "This is similar to a commonly used password.": _l("Dit lijkt op een veelgebruikt wachtwoord."),
    "A word by itself is easy to guess.": _l("Eén los woord is makkelijk te raden."),
    "Names and surnames by themselves are easy to guess.": _l("Voor- en achternamen alleen zijn makkelijk te raden."),
    "Common names and surnames are easy to guess.": _l("Veelvoorkomende namen zijn makkelijk te raden."),
}


def _zxcvbn_warning(warning: str) -> str:
    """zxcvbn's warning in the user's language (Dutch source strings, translated by Babel)."""
    dutch = _ZXCVBN_WARNINGS.get(warning)
    return str(dutch) if dutch else ""


def check_password_strength(password: str, user_inputs: list[str]) -> None:
    """Refuse a password zxcvbn guesses too easily; ``user_inputs`` are the user's e-mail and name."""
    inputs = [part for value in user_inputs if value
              for part in [value, *re.split(r"[@.\s_+-]+", value)] if len(part) >= 3]
    result = zxcvbn(password[:100], user_inputs=inputs)  # zxcvbn slows down on very long input
    if result["score"] >= MIN_PASSWORD_SCORE:
        return
    warning = _zxcvbn_warning(result["feedback"].get("warning") or "")
    if not warning and any(part.lower() in password.lower() for part in inputs):
        warning = _("Het wachtwoord bevat uw naam of e-mailadres.")
    hint = _("Kies een langere wachtzin van een paar ongewone woorden, bijvoorbeeld „kraanvogel "
             "dinsdag roestig pianoles”. Hoofdletters, cijfers of leestekens zijn dan niet nodig.")
    message = _("Dit wachtwoord is te makkelijk te raden.")
    raise ValidationFailed(" ".join(part for part in (message, warning, hint) if part), field="password")


def check_password_policy(password: str, user_inputs: list[str] | None = None) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("Het wachtwoord moet minstens %(n)d tekens lang zijn.", n=MIN_PASSWORD_LENGTH),
            field="password",
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            _("Het wachtwoord mag hoogstens %(n)d tekens lang zijn.", n=MAX_PASSWORD_LENGTH),
            field="password",
        )
    check_password_strength(password, user_inputs or [])


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None.

    Takes the same time whether or not the account exists, and does not say which.
    Logs the attempt in the audit log either way.
    """
    user = find_user_by_email(email) if len(email) <= 254 else None
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    try:
        _hasher.verify(stored, password[:MAX_PASSWORD_LENGTH])  # True, or raises
        ok = user is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if ok and user is not None and user.active:
        if _hasher.check_needs_rehash(stored):
            user.password_hash = hash_password(password)
        audit.record(user, "user", user.id, "login")
        return user
    audit.record(
        None, "user", user.id if user is not None else "-", "login_failed",
        {"email": {"before": None, "after": normalise_email(email)[:254]}},
        actor_label="anoniem",
    )
    return None


def create_user(
    actor: User | None, email: str, name: str, password: str | None = None,
    *, actor_label: str | None = None,
) -> User:
    email = normalise_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise ValidationFailed(_("Geen geldig e-mailadres."), field="email")
    name = name.strip()
    if not name or len(name) > 200:
        raise ValidationFailed(_("Vul een naam in van hoogstens 200 tekens."), field="name")
    if find_user_by_email(email) is not None:
        raise ValidationFailed(_("Er bestaat al een account met dit e-mailadres."), field="email")
    user = User(email=email, name=name, active=True, auth_version=1)
    if password is not None:
        check_password_policy(password, [email, name])
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user", user.id, "create",
                 audit.created({"email": email, "name": name, "active": True}),
                 actor_label=actor_label)
    return user


def set_password(
    actor: User | None, user: User, new_password: str, *, actor_label: str | None = None,
) -> None:
    """Set a password and end every other session of the user."""
    check_password_policy(new_password, [user.email, user.name])
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.password_must_change = False
    user.auth_version += 1
    audit.record(actor, "user", user.id, "password_set",
                 {"password": {"before": "***", "after": "***"}}, actor_label=actor_label)


def change_password(user: User, current_password: str, new_password: str, repeat: str) -> None:
    """The user's own password change: the current password must be right."""
    try:
        ok = bool(user.password_hash) and _hasher.verify(user.password_hash or "", current_password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        ok = False
    if not ok:
        raise ValidationFailed(_("Het huidige wachtwoord klopt niet."), field="current_password")
    if new_password != repeat:
        raise ValidationFailed(_("De twee nieuwe wachtwoorden zijn niet gelijk."), field="repeat")
    if new_password == current_password:
        raise ValidationFailed(_("Kies een ander wachtwoord dan het huidige."), field="password")
    set_password(user, user, new_password)


def update_profile(user: User, *, name: str | None = None, locale: str | None = None) -> User:
    before = {"name": user.name, "locale": user.locale}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 200:
            raise ValidationFailed(_("Vul een naam in van hoogstens 200 tekens."), field="name")
        user.name = name
    if locale is not None:
        if locale not in LOCALES:
            raise ValidationFailed(_("Kies nl of en."), field="locale")
        user.locale = locale
    after = {"name": user.name, "locale": user.locale}
    changes = audit.diff(before, after)
    if changes:
        audit.record(user, "user", user.id, "update", changes)
    return user


def set_weekly_digest(user: User, wanted: bool) -> User:
    """Switch one's own weekly digest on or off (audited). The legal deadline warnings are not
    affected: they cannot be switched off."""
    before = {"digest_opt_out": user.digest_opt_out}
    user.digest_opt_out = not wanted
    changes = audit.diff(before, {"digest_opt_out": user.digest_opt_out})
    if changes:
        audit.record(user, "user", user.id, "update", changes)
    return user


def grant_role(actor: User | None, user: User, organisation: Organisation, role: Role | str,
               *, actor_label: str | None = None) -> Membership:
    try:
        role = Role(role)
    except ValueError:
        raise ValidationFailed(_("Onbekende rol: %(role)s", role=role), field="role") from None
    existing = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    audit.record(actor, "membership", membership.id, "create",
                 audit.created({"user": user.email, "organisation": organisation.code, "role": role}),
                 organisation_id=organisation.id, actor_label=actor_label)
    return membership


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(actor: User | None, user: User, name: str, days: int = DEFAULT_TOKEN_DAYS,
                 *, actor_label: str | None = None) -> IssuedToken:
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed(_("Geef het token een naam van hoogstens 100 tekens."), field="name")
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            _("Een token is 1 tot %(n)d dagen geldig.", n=MAX_TOKEN_DAYS), field="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name, token_hash=_token_digest(secret), prefix=secret[:12],
        expires_at=utcnow() + dt.timedelta(days=days),
    )
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "api_token", token.id, "create",
                 audit.created({"user": user.email, "name": name, "expires_at": token.expires_at}),
                 actor_label=actor_label)
    return IssuedToken(token, secret)


def revoke_token(actor: User, token: ApiToken) -> None:
    if token.revoked_at is not None:
        return
    token.revoked_at = utcnow()
    audit.record(actor, "api_token", token.id, "revoke",
                 {"revoked_at": {"before": None, "after": audit._jsonable(token.revoked_at)}})


@dataclass(frozen=True)
class CallerRole:
    organisation_id: int
    role: Role


@dataclass(frozen=True)
class ApiCaller:
    """The user an API token speaks for, with the roles that decide what they may read and do.

    Read on every API request in one plain query (no ORM objects): enough for the permission
    checks (:mod:`bio_register.permissions` takes it like a :class:`User`). A route that needs the
    user itself loads it by ``user_id`` (``api_user()`` in :mod:`bio_register.api.base`).
    """

    user_id: int
    token_id: int
    memberships: tuple[CallerRole, ...]
    active: bool = True
    is_authenticated: ClassVar[bool] = True


_TOKENS, _USERS, _MEMBERSHIPS = ApiToken.__table__, User.__table__, Membership.__table__
# A constant statement: SQLAlchemy computes its cache key once, not on every request.
_CALLER_BY_TOKEN = (
    select(_TOKENS.c.id, _TOKENS.c.user_id, _TOKENS.c.expires_at, _TOKENS.c.revoked_at, _TOKENS.c.last_used_at,
           _USERS.c.active, _MEMBERSHIPS.c.organisation_id, _MEMBERSHIPS.c.role)
    .select_from(_TOKENS.join(_USERS, _USERS.c.id == _TOKENS.c.user_id)
                 .outerjoin(_MEMBERSHIPS, _MEMBERSHIPS.c.user_id == _USERS.c.id))
    .where(_TOKENS.c.token_hash == bindparam("digest"))
    .order_by(_MEMBERSHIPS.c.id)
)
#: how often a token's ``last_used_at`` is written: a busy script should not write on every request
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


def caller_for_token(secret: str, now: dt.datetime | None = None) -> ApiCaller | None:
    """The active user owning a valid (unexpired, unrevoked) token, with their roles; or None.

    One round trip: the token, its user and the user's memberships, read as plain rows.
    """
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    session = db.session()
    connection = session.connection()  # the request's transaction, without the ORM's execution layer
    rows = connection.execute(_caller_by_token(connection.dialect.name), {"digest": _token_digest(secret)}).all()
    if not rows:
        return None
    token_id, user_id, expires_at, revoked_at, last_used_at, active = rows[0][:6]
    now = now or utcnow()
    if not active or not ApiToken.valid_at(now, revoked_at, expires_at):
        return None
    if last_used_at is None or now - last_used_at > LAST_USED_RESOLUTION:
        connection.execute(update(_TOKENS).where(_TOKENS.c.id == token_id).values(last_used_at=now))
    roles = tuple(CallerRole(row[6], row[7]) for row in rows if row[6] is not None)
    adopt_tree(session, rows[0][8])  # what the roles cover: the process's tree while it is current
    return ApiCaller(user_id=user_id, token_id=token_id, memberships=roles)


_CALLER_STATEMENTS: dict[str, Select[Any]] = {}


def _caller_by_token(dialect: str) -> Select[Any]:
    """The token's statement, with the organisation tree's signature riding along (one per dialect,
    built once: SQLAlchemy computes its cache key once, not on every request)."""
    statement = _CALLER_STATEMENTS.get(dialect)
    if statement is None:
        statement = _CALLER_STATEMENTS[dialect] = _CALLER_BY_TOKEN.add_columns(
            tree_signature(dialect).label("tree"))
    return statement


def find_managed_user(manager: Principal | None, user_id: int) -> User | None:
    """The user ``manager`` may manage: one whose roles all lie where the manager holds
    ``user:manage`` (any user, for a manager of every organisation); else None — for the manager
    such a user does not exist. A beheerder of Diemen does not manage the FG of Duo+, even though
    that FG also holds a role in Diemen."""
    user = db.session.get(User, user_id)
    managed = organisation_ids_with(manager, Permission.USER_MANAGE)
    if user is None or not (
        isinstance(managed, AllOrganisations)
        or (user.memberships and all(m.organisation_id in managed for m in user.memberships))
    ):
        return None
    return user


def find_own_token(owner: User, token_id: int) -> ApiToken | None:
    """One of ``owner``'s own API tokens; anyone else's is None (it does not exist for them)."""
    token = db.session.get(ApiToken, token_id)
    return token if token is not None and token.user_id == owner.id else None


def count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User)) or 0


# --- sessions known on the server ---------------------------------------------------------------------

#: ended and old session rows of a user are removed at their next login after this long
SESSION_ROW_RETENTION = dt.timedelta(days=30)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def start_session(user: User, now: dt.datetime | None = None) -> str:
    """A new browser session of ``user``: returns the random key the session cookie carries (only
    its SHA-256 is stored). Records the login time and removes the user's long-gone session rows."""
    now = now or utcnow()
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id,
                                                 UserSession.created_at < now - SESSION_ROW_RETENTION))
    key = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, key_hash=_digest(key), created_at=now))
    user.last_login_at = now
    db.session.flush()
    return key


def session_user(user_id: int, key: str) -> User | None:
    """The user of a live session (one query): the session row exists and has not ended."""
    if not key or len(key) > 100:
        return None
    return db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.key_hash == _digest(key), UserSession.ended_at.is_(None))
    )


def end_session(key: str | None, now: dt.datetime | None = None) -> None:
    """End one session (logout): its cookie, even copied, opens nothing any more."""
    if not key or len(key) > 100:
        return
    db.session.execute(update(UserSession).where(UserSession.key_hash == _digest(key),
                                                 UserSession.ended_at.is_(None))
                       .values(ended_at=now or utcnow()))


def end_all_sessions(user: User, now: dt.datetime | None = None) -> None:
    """End every session of ``user`` at once (deactivation, password reset)."""
    db.session.execute(update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
                       .values(ended_at=now or utcnow()))
    user.auth_version += 1


def revoke_all_tokens(actor: User | None, user: User, *, actor_label: str | None = None) -> int:
    """Revoke every usable API token of ``user`` (audited one by one); returns how many."""
    now = utcnow()
    count = 0
    for token in db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id,
                                                            ApiToken.revoked_at.is_(None))):
        token.revoked_at = now
        audit.record(actor, "api_token", token.id, "revoke",
                     {"revoked_at": {"before": None, "after": audit._jsonable(now)}}, actor_label=actor_label)
        count += 1
    return count


# --- one-time links: invitation, password reset ----------------------------------------------------------

INVITATION_VALID = dt.timedelta(days=7)
RESET_VALID = dt.timedelta(hours=1)
VALIDITY = {LinkPurpose.INVITATION: INVITATION_VALID, LinkPurpose.PASSWORD_RESET: RESET_VALID}


@dataclass(frozen=True)
class IssuedLink:
    link: AccountLink
    token: str  # goes into the e-mail only, never stored


def issue_link(actor: User | None, user: User, purpose: LinkPurpose, now: dt.datetime | None = None,
               *, actor_label: str | None = None) -> IssuedLink:
    """A new one-time link for ``user``; earlier unused links of the user stop working."""
    now = now or utcnow()
    db.session.execute(delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None)))
    token = secrets.token_urlsafe(32)
    link = AccountLink(user_id=user.id, purpose=purpose, token_hash=_digest(token), created_at=now,
                       created_by_id=actor.id if actor is not None else None,
                       expires_at=now + VALIDITY[purpose])
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "user", user.id, f"{purpose.value}_link_issued",
                 {"expires_at": {"before": None, "after": audit._jsonable(link.expires_at)}},
                 actor_label=actor_label)
    return IssuedLink(link, token)


def find_link(token: str, now: dt.datetime | None = None) -> AccountLink | None:
    """The usable (unused, unexpired) link with this token for an active user, or None."""
    if not token or len(token) > 100:
        return None
    link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == _digest(token)))
    if link is None or not link.usable_at(now or utcnow()) or not link.user.active:
        return None
    return link


def use_link(token: str, password: str, repeat: str, now: dt.datetime | None = None) -> User:
    """Choose a password through a one-time link: the link is used up, the user's other links and
    sessions end. An unusable link changes nothing (:class:`ValidationFailed` on ``token``)."""
    now = now or utcnow()
    link = find_link(token, now)
    if link is None:
        raise ValidationFailed(link_unusable_message(), field="token")
    user = link.user
    if password != repeat:
        raise ValidationFailed(_("De twee wachtwoorden zijn niet gelijk."), field="repeat")
    set_password(user, user, password, actor_label=None)
    link.used_at = now
    db.session.execute(delete(AccountLink).where(AccountLink.user_id == user.id, AccountLink.used_at.is_(None)))
    end_all_sessions(user, now)
    audit.record(user, "user", user.id, f"{link.purpose.value}_link_used")
    return user


def link_unusable_message() -> str:
    return _("Deze link is verlopen of al gebruikt. Vraag een nieuwe aan via „Wachtwoord vergeten?” op de "
             "inlogpagina, of vraag de functioneel beheerder om een nieuwe uitnodiging.")


@dataclass(frozen=True)
class LinkMail:
    """How a one-time link reaches the user: the full URL of the page that takes the token."""

    url_for_token: Callable[[str], str]
    login_url: str


def request_password_reset(email: str, mail: LinkMail, now: dt.datetime | None = None) -> int | None:
    """"Wachtwoord vergeten?": e-mail a reset link (1 hour) to an active account with this address.

    The caller answers the same whether or not the address exists; the attempt is audited either
    way. Returns the id of the queued e-mail (None: none), which is *not* sent at commit: the caller
    sends it after answering, so the answer takes no longer for an address that exists.
    """
    normalised = normalise_email(email)[:254]
    user = find_user_by_email(normalised) if EMAIL_RE.match(normalised) else None
    if user is None or not user.active:
        audit.record(None, "user", user.id if user is not None else "-", "password_reset_requested",
                     {"email": {"before": None, "after": normalised}, "sent": {"before": None, "after": False}},
                     actor_label="anoniem")
        return None
    issued = issue_link(None, user, LinkPurpose.PASSWORD_RESET, now, actor_label="wachtwoord vergeten")
    message = notifications.queue_email(
        user.email, _("Nieuw wachtwoord voor het BIO-register"),
        reset_mail_body(user, mail.url_for_token(issued.token), requested_by_user=True),
        scrub_after_send=True, send_at_commit=False)
    return message.id


def reset_mail_body(user: User, url: str, *, requested_by_user: bool) -> str:
    why = (_("U (of iemand die uw e-mailadres invulde) vroeg om een nieuw wachtwoord.") if requested_by_user
           else _("De functioneel beheerder heeft uw wachtwoord opnieuw ingesteld. Uw oude wachtwoord werkt "
                  "niet meer en uw API-tokens zijn ingetrokken."))
    return "\n\n".join([
        _("Beste %(name)s,", name=user.name),
        why,
        _("Kies een nieuw wachtwoord via deze link. De link werkt één keer en is %(hours)s geldig:",
          hours=_("één uur")),
        url,
        (_("Vroeg u hier niet om? Dan kunt u dit bericht negeren; er verandert niets.") if requested_by_user
         else _("Vragen? Neem contact op met de functioneel beheerder.")),
    ]) + "\n"
