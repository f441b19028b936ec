"""The demo's organisations and users: Duo+, its three municipalities, a user per role and a
medewerker (who only reports) per municipality.

Running it again keeps the data and gives the demo users new passwords (the old ones are unknown
by design) and wipes their second factor: the FG and the beheerder set up TOTP again at their
next login, as in production. Through the services only; never commits.
"""

from __future__ import annotations

import secrets

from bio_register.accounts import services as accounts
from bio_register.accounts import two_factor
from bio_register.accounts.models import User
from bio_register.organisations import services as organisations
from bio_register.organisations.models import Organisation

#: (code, name, parent code)
DEMO_ORGANISATIONS = [
    ("DUO", "Duo+", None),
    ("DIE", "Gemeente Diemen", "DUO"),
    ("OA", "Gemeente Ouder-Amstel", "DUO"),
    ("UIT", "Gemeente Uithoorn", "DUO"),
]

#: (e-mail, name, [(role, organisation code), …]): ordinary names; the role shows in the menu, not in the name
DEMO_USERS = [
    ("verbindingsofficier@demo.bio-register.nl", "Vera de Vries",
     [("verbindingsofficier", "DIE")]),
    ("verbindingsofficier.uithoorn@demo.bio-register.nl", "Umut Kaya",
     [("verbindingsofficier", "UIT")]),
    ("fg@demo.bio-register.nl", "Fenna de Groot",
     [("fg", "DUO"), ("fg", "DIE"), ("fg", "OA"), ("fg", "UIT")]),
    ("ciso@demo.bio-register.nl", "Chris Jansen",
     [("ciso", "DUO"), ("ciso", "DIE"), ("ciso", "OA"), ("ciso", "UIT")]),
    ("concerncontrol@demo.bio-register.nl", "Carla Bakker",
     [("concern_control", "DUO")]),
    ("beheerder@demo.bio-register.nl", "Bram Visser", [("beheerder", "DUO")]),
    # an employee of each municipality, who only reports at the reporting point
    ("medewerker.diemen@demo.bio-register.nl", "Mo Meijer", [("medewerker", "DIE")]),
    ("medewerker.ouderamstel@demo.bio-register.nl", "Olga Oudshoorn",
     [("medewerker", "OA")]),
    ("medewerker.uithoorn@demo.bio-register.nl", "Ufuk Uysal", [("medewerker", "UIT")]),
]

CISO = "ciso@demo.bio-register.nl"
FG = "fg@demo.bio-register.nl"


def ensure_organisations(label: str) -> None:
    """Create the demo organisations that are not there yet."""
    for code, name, parent_code in DEMO_ORGANISATIONS:
        if organisations.find_by_code(code) is None:
            parent = organisations.find_by_code(parent_code) if parent_code else None
            organisations.create_organisation(None, code, name, parent=parent, actor_label=label)


def ensure_users(label: str) -> list[tuple[str, str, str]]:
    """Create or reset the demo users with fresh passwords; returns (e-mail, password, roles) each."""
    credentials = []
    for email, name, roles in DEMO_USERS:
        password = "-".join(secrets.token_hex(3) for _ in range(3))
        user = _create_or_reset(email, name, password, label)
        for role, code in roles:
            org = organisations.find_by_code(code)
            assert org is not None
            accounts.grant_role(None, user, org, role, actor_label=label)
        credentials.append((email, password, ", ".join(f"{r}@{c}" for r, c in roles)))
    return credentials


def _create_or_reset(email: str, name: str, password: str, label: str) -> User:
    user = accounts.find_user_by_email(email)
    if user is None:
        return accounts.create_user(None, email, name, password, actor_label=label)
    accounts.set_password(None, user, password, actor_label=label)
    if user.totp_secret:
        two_factor.reset(None, user, actor_label=label)
    return user


def users() -> dict[str, User]:
    """The demo users there are, by e-mail."""
    found = {email: accounts.find_user_by_email(email) for email, _, _ in DEMO_USERS}
    return {email: user for email, user in found.items() if user is not None}


def municipalities() -> list[Organisation]:
    """The demo municipalities there are (the organisations under Duo+)."""
    return [org for code, _, parent in DEMO_ORGANISATIONS if parent
            for org in [organisations.find_by_code(code)] if org is not None]
