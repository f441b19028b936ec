"""Who an OpenID Connect login is: match, link or create the user, and map groups to roles.

Plain arguments, never commits; every decision is written to the audit log by the caller's
transaction. The rules:

- a user already linked to this provider account (issuer + ``sub``) is that user, whatever
  e-mail address the provider sends now;
- otherwise the e-mail claim (``OIDC_EMAIL_CLAIM``) finds the user, if the provider did not say
  the address is unverified (``email_verified: false``), and the provider account is linked to
  them, unless they are already linked to another provider account (then refused);
- an unknown address creates an account only when ``OIDC_AUTO_CREATE`` is on: with no roles, and
  the functioneel beheerders get a notice;
- inactive users are refused;
- with ``OIDC_GROUP_CLAIM`` and ``OIDC_GROUP_ROLES``, the (organisation, role) pairs named in the
  mapping follow the groups at every login; every other role stays managed in the tool.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bio_register.accounts import services as accounts
from bio_register.accounts.models import Membership, User
from bio_register.audit import services as audit
from bio_register.errors import DomainError
from bio_register.extensions import db
from bio_register.i18n import gettext as _
from bio_register.notifications import services as notifications
from bio_register.organisations import services as organisations
from bio_register.permissions import Role
from bio_register.sso.client import OidcError

log = logging.getLogger(__name__)
ACTOR_LABEL = "openid-connect"


@dataclass(frozen=True)
class SsoLogin:
    user: User
    mfa_verified: bool
    created: bool = False
    linked: bool = False


def provider_did_mfa(claims: Mapping[str, Any], accepted_amr: Iterable[str], accepted_acr: Iterable[str]) -> bool:
    """True when the provider says a second factor was used: an ``amr`` value or the ``acr``
    value is one of the accepted ones (``OIDC_MFA_AMR`` / ``OIDC_MFA_ACR``)."""
    amr = claims.get("amr")
    amr_values = {str(v) for v in amr} if isinstance(amr, list) else set()
    if amr_values & {str(v) for v in accepted_amr}:
        return True
    acr = claims.get("acr")
    return isinstance(acr, str) and acr in {str(v) for v in accepted_acr}


def _email_from(claims: Mapping[str, Any], claim: str) -> str:
    value = claims.get(claim)
    if not isinstance(value, str) or not accounts.EMAIL_RE.match(value.strip()) or len(value.strip()) > 254:
        raise OidcError("no_email", _("De inlogdienst gaf geen bruikbaar e-mailadres door. Vraag de "
                                      "functioneel beheerder om de instellingen na te kijken."),
                        f"claim {claim!r} holds no e-mail address")
    if claims.get("email_verified") in (False, "false"):  # some providers send it as a string
        raise OidcError("email_unverified", _("De inlogdienst meldt dat uw e-mailadres niet is bevestigd. "
                                              "Bevestig het daar eerst."),
                        "email_verified is false")
    return accounts.normalise_email(value)


def _refuse_inactive(user: User) -> None:
    if not user.active:
        raise OidcError("inactive", _("Dit account is uitgeschakeld. Neem contact op met de functioneel beheerder."),
                        f"user {user.id} is inactive", user_id=user.id)


def resolve_user(config: Mapping[str, Any], issuer: str, claims: Mapping[str, Any]) -> SsoLogin:
    """The user this verified ID token belongs to (linked or created as the rules say)."""
    subject = str(claims["sub"])
    user = db.session.scalar(select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject))
    created = linked = False
    if user is None:
        email = _email_from(claims, config.get("OIDC_EMAIL_CLAIM") or "email")
        user = accounts.find_user_by_email(email)
        if user is not None:
            if user.oidc_subject is not None:
                raise OidcError(
                    "linked_elsewhere",
                    _("Het account met dit e-mailadres is al gekoppeld aan een ander account bij de "
                      "inlogdienst. Neem contact op met de functioneel beheerder."),
                    f"user {user.id} is linked to another subject", user_id=user.id,
                )
            _refuse_inactive(user)
        elif config.get("OIDC_AUTO_CREATE"):
            user = _create(email, claims)
            created = True
        else:
            raise OidcError("unknown_user",
                            _("Er is geen account voor %(email)s. Vraag de functioneel beheerder om "
                              "een account.", email=email),
                            f"no user with e-mail {email}")
        user.oidc_issuer, user.oidc_subject = issuer, subject
        audit.record(None, "user", user.id, "oidc_link",
                     {"oidc_issuer": {"before": None, "after": issuer},
                      "oidc_subject": {"before": None, "after": subject}},
                     actor_label=ACTOR_LABEL)
        linked = True
    _refuse_inactive(user)
    if config.get("OIDC_GROUP_CLAIM") and config.get("OIDC_GROUP_ROLES"):
        sync_group_roles(user, claims, config["OIDC_GROUP_CLAIM"], config["OIDC_GROUP_ROLES"])
    mfa = provider_did_mfa(claims, config.get("OIDC_MFA_AMR") or (), config.get("OIDC_MFA_ACR") or ())
    return SsoLogin(user=user, mfa_verified=mfa, created=created, linked=linked)


def _create(email: str, claims: Mapping[str, Any]) -> User:
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        name = " ".join(str(claims.get(k, "")).strip() for k in ("given_name", "family_name")).strip() or email
    try:
        user = accounts.create_user(None, email, name.strip()[:200], None, actor_label=ACTOR_LABEL)
    except DomainError as exc:
        raise OidcError("create_failed", _("Er kon geen account worden aangemaakt. Neem contact op met de "
                                           "functioneel beheerder."), exc.message) from exc
    beheerders = db.session.scalars(
        select(User).join(Membership).where(Membership.role == Role.BEHEERDER, User.active.is_(True)).distinct()
    ).all()
    notifications.notify_users(
        beheerders,
        _("Nieuw account via single sign-on: %(name)s (%(email)s) heeft nog geen rollen.", name=user.name,
          email=email),
        _("%(name)s (%(email)s) logde voor het eerst in via de inlogdienst. Er is een account aangemaakt "
          "zonder rollen; geef de rollen die deze persoon nodig heeft.", name=user.name, email=email),
    )
    return user


def sync_group_roles(user: User, claims: Mapping[str, Any], claim: str,
                     mapping: Mapping[str, list[tuple[str, str]]]) -> None:
    """Grant and revoke the mapped (organisation, role) pairs to match the group claim.

    A missing claim changes nothing (a provider may leave it out, e.g. Entra ID's group
    overage); an empty list revokes every mapped pair the user holds.
    """
    groups = claims.get(claim)
    if groups is None:
        log.warning("OIDC login of user %s: no %r claim in the ID token, roles left unchanged", user.id, claim)
        return
    if isinstance(groups, str):
        groups = [groups]
    if not isinstance(groups, list):
        log.warning("OIDC login of user %s: claim %r is not a list, roles left unchanged", user.id, claim)
        return
    member_of = {str(g) for g in groups}
    managed: set[tuple[str, str]] = {pair for pairs in mapping.values() for pair in pairs}
    wanted: set[tuple[str, str]] = {pair for group in member_of for pair in mapping.get(group, [])}
    held = {(m.organisation.code, Role(m.role).value): m for m in user.memberships}
    for code, role in sorted(wanted - set(held)):
        organisation = organisations.find_by_code(code)
        if organisation is None:
            log.warning("OIDC_GROUP_ROLES names organisation %r, which does not exist", code)
            continue
        accounts.grant_role(None, user, organisation, role, actor_label=ACTOR_LABEL)
    for pair in sorted((managed - wanted) & set(held)):
        membership = held[pair]
        audit.record(None, "membership", membership.id, "delete",
                     audit.diff({"user": user.email, "organisation": pair[0], "role": pair[1]}, {}),
                     organisation_id=membership.organisation_id, actor_label=ACTOR_LABEL)
        user.memberships.remove(membership)
    db.session.flush()


def record_login(login: SsoLogin, issuer: str, claims: Mapping[str, Any]) -> None:
    audit.record(login.user, "user", login.user.id, "login",
                 {"method": {"before": None, "after": "oidc"},
                  "issuer": {"before": None, "after": issuer},
                  "mfa_at_provider": {"before": None, "after": login.mfa_verified}})


def record_refusal(error: OidcError) -> None:
    changes: dict[str, Any] = {"method": {"before": None, "after": "oidc"},
                               "reason": {"before": None, "after": error.reason}}
    if error.detail:
        changes["detail"] = {"before": None, "after": error.detail[:300]}
    audit.record(None, "user", error.user_id if error.user_id is not None else "-", "login_failed", changes,
                 actor_label="anoniem")


def unlink(user: User, *, actor_label: str) -> bool:
    """Forget the provider account linked to ``user`` (the next SSO login links by e-mail again).

    For an account recreated at the provider (a new ``sub``) or a move to another tenant.
    """
    if user.oidc_subject is None and user.oidc_issuer is None:
        return False
    audit.record(None, "user", user.id, "oidc_unlink",
                 {"oidc_issuer": {"before": user.oidc_issuer, "after": None},
                  "oidc_subject": {"before": user.oidc_subject, "after": None}},
                 actor_label=actor_label)
    user.oidc_issuer = user.oidc_subject = None
    return True
