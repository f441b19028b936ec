"""The second login factor: TOTP (RFC 6238) and one-time recovery codes. Never commits.

Who must use it: everyone with an ``fg`` or ``beheerder`` membership, and every member of an
organisation that requires it (:attr:`Organisation.two_factor_required`). Others may switch it on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import time

import pyotp
import segno
from markupsafe import Markup
from sqlalchemy import delete

from bio_register.accounts.models import RecoveryCode, User
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.permissions import Role

ISSUER = "BIO-register"
STEP_SECONDS = 30
#: Codes of the previous and the next 30-second step are accepted too (clocks drift).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
REQUIRED_ROLES = frozenset({Role.FG, Role.BEHEERDER})

_CODE_RE = re.compile(r"^\d{6}$")
# Recovery codes: 10 characters from an alphabet without look-alikes (0/o, 1/l/i), shown as xxxxx-xxxxx.
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def required_for(user: User) -> bool:
    """Must this user log in with a second factor?"""
    return any(m.role in REQUIRED_ROLES or m.organisation.two_factor_required for m in user.memberships)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP_SECONDS)


def start_enrolment(user: User) -> str:
    """A new secret for a user who has not switched TOTP on (kept until confirmed or replaced)."""
    if user.totp_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat al aan."))
    user.totp_secret = pyotp.random_base32()
    user.totp_last_step = None
    audit.record(user, "user", user.id, "totp_enrolment_started")
    return user.totp_secret


def pending_secret(user: User) -> str:
    """The secret being enrolled, made when there is none yet."""
    if user.totp_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat al aan."))
    return user.totp_secret or start_enrolment(user)


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> Markup:
    """The QR code as inline SVG markup (no script, no external image: fits the CSP)."""
    svg = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", svgclass="qr-code",
        title=_("QR-code voor de authenticator-app"),
    )
    return Markup(svg)  # noqa: S704  # nosec B704 # segno draws the URI as modules; the title is our own text


def format_secret(secret: str) -> str:
    """The secret in groups of four, easier to type over."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _check_totp(user: User, code: str, now: float | None = None) -> bool:
    """A right code for the previous, current or next step, not used before; remembers the step."""
    code = _normalise(code)
    if not user.totp_secret or not _CODE_RE.match(code):
        return False
    totp = pyotp.TOTP(user.totp_secret)
    step = current_step(now)
    for candidate in range(step - VALID_WINDOW, step + VALID_WINDOW + 1):
        if user.totp_last_step is not None and candidate <= user.totp_last_step:
            continue  # replayed (or older than a code already used)
        if hmac.compare_digest(totp.generate_otp(candidate), code):
            user.totp_last_step = candidate
            return True
    return False


def confirm_enrolment(user: User, code: str, *, now: float | None = None) -> list[str]:
    """Switch TOTP on once the user typed a right code; returns the new recovery codes (shown once)."""
    if user.totp_enabled:
        raise ValidationFailed(_("Tweestapsverificatie staat al aan."))
    if not user.totp_secret or not _check_totp(user, code, now):
        audit.record(user, "user", user.id, "totp_failed", {"stage": {"before": None, "after": "enrolment"}})
        raise ValidationFailed(
            _("Deze code klopt niet. Controleer de tijd op uw telefoon en typ de code die nu in de app staat."),
            field="code")
    user.totp_enabled_at = utcnow()
    audit.record(user, "user", user.id, "totp_enabled",
                 {"totp_enabled_at": {"before": None, "after": audit._jsonable(user.totp_enabled_at)}})
    return generate_recovery_codes(user)


def _code_digest(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode("utf-8")).hexdigest()


def generate_recovery_codes(user: User) -> list[str]:
    """Ten new one-time codes; the old ones stop working. Only their hashes are stored."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _j in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_code_digest(c)) for c in codes)
    db.session.flush()
    db.session.expire(user, ["recovery_codes"])
    audit.record(user, "user", user.id, "recovery_codes_generated",
                 {"recovery_codes": {"before": None, "after": RECOVERY_CODE_COUNT}})
    return codes


def unused_recovery_codes(user: User) -> int:
    return sum(1 for c in user.recovery_codes if c.used_at is None)


def _use_recovery_code(user: User, code: str) -> bool:
    normalised = _normalise(code)
    if len(normalised) != 10:
        return False
    digest = _code_digest(normalised)
    for stored in user.recovery_codes:
        if stored.used_at is None and hmac.compare_digest(stored.code_hash, digest):
            stored.used_at = utcnow()
            return True
    return False


def verify_login(user: User, code: str, *, now: float | None = None) -> bool:
    """The second step of a login: a TOTP code or an unused recovery code. Audited either way."""
    if user.totp_enabled and _check_totp(user, code, now):
        audit.record(user, "user", user.id, "totp_ok")
        return True
    if user.totp_enabled and _use_recovery_code(user, code):
        audit.record(user, "user", user.id, "recovery_code_used",
                     {"recovery_codes_left": {"before": None, "after": unused_recovery_codes(user)}})
        return True
    audit.record(user, "user", user.id, "totp_failed", {"stage": {"before": None, "after": "login"}})
    return False


def verify_current(user: User, code: str) -> None:
    """Confirm a sensitive change (switching off, new recovery codes) with a code from the app."""
    if not user.totp_enabled or not _check_totp(user, code):
        audit.record(user, "user", user.id, "totp_failed", {"stage": {"before": None, "after": "confirm"}})
        raise ValidationFailed(_("Deze code klopt niet."), field="code")


def disable(user: User, code: str) -> None:
    """The user switches TOTP off; not allowed while a role or organisation requires it."""
    if required_for(user):
        raise ValidationFailed(
            _("Tweestapsverificatie is verplicht voor uw rol of organisatie en kan niet uit."))
    verify_current(user, code)
    _clear(user)
    audit.record(user, "user", user.id, "totp_disabled", {"totp": {"before": "aan", "after": "uit"}})


def _clear(user: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["recovery_codes"])


def reset(actor: User | None, user: User, *, actor_label: str | None = None) -> None:
    """A beheerder removes a user's second factor (lost phone) and ends their sessions.

    A user who must use TOTP enrols again at the next login.
    """
    was = "aan" if user.totp_enabled else "uit"
    _clear(user)
    user.auth_version += 1
    audit.record(actor, "user", user.id, "totp_reset", {"totp": {"before": was, "after": "uit"}},
                 actor_label=actor_label)
