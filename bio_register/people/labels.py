"""The roles' names as the user reads them (pages, e-mail)."""

from __future__ import annotations

from bio_register.i18n import lazy_gettext
from bio_register.permissions import Role

ROLE_LABELS = {
    Role.MEDEWERKER: lazy_gettext("medewerker"),
    Role.VERBINDINGSOFFICIER: lazy_gettext("verbindingsofficier"),
    Role.FG: lazy_gettext("FG (functionaris gegevensbescherming)"),
    Role.CISO: lazy_gettext("CISO"),
    Role.CONCERN_CONTROL: lazy_gettext("concern control"),
    Role.BEHEERDER: lazy_gettext("functioneel beheerder"),
}


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS.get(Role(role), role))
