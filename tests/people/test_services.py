"""The beheerder's people rules, without a request: scope, invitations, roles, deactivation, reset."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bio_register.accounts import services as accounts
from bio_register.accounts.models import AccountLink, LinkPurpose
from bio_register.errors import NotFound, ValidationFailed
from bio_register.extensions import db
from bio_register.notifications.models import OutboxMessage
from bio_register.organisations import services as organisations
from bio_register.people import services as people
from tests import factories

MAIL = people.Mail(accounts.LinkMail(url_for_token=lambda t: f"https://bio.example.nl/wachtwoord-instellen/{t}",
                                     login_url="https://bio.example.nl/login"))


def outbox() -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))


def test_invite_creates_a_user_with_roles_and_mails_a_one_time_link() -> None:
    beheerder = factories.user([("beheerder", "DIE")], name="Bea Beheerder")
    invited = people.invite(beheerder, " Nieuw@Diemen.nl ", "Nieuwe Collega",
                            [("die", "verbindingsofficier"), ("DIE", "verbindingsofficier")], MAIL)
    assert invited.created and invited.link_sent
    user = invited.user
    assert user.email == "nieuw@diemen.nl" and user.password_hash is None
    assert [(m.organisation.code, m.role) for m in user.memberships] == [("DIE", "verbindingsofficier")]
    [message] = outbox()
    assert message.recipient == "nieuw@diemen.nl" and message.scrub_after_send
    assert "zeven dagen" in message.body and "Bea Beheerder" in message.body
    link = db.session.scalars(select(AccountLink).where(AccountLink.user_id == user.id)).one()
    assert link.purpose == LinkPurpose.INVITATION
    assert 6.9 < (link.expires_at - link.created_at).total_seconds() / 86400 <= 7


def test_invite_without_passwords_sends_the_login_page() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    sso = people.Mail(MAIL.links, local_login=False)
    invited = people.invite(beheerder, "sso@diemen.nl", "Sso Collega", [("DIE", "fg")], sso)
    assert not invited.link_sent
    [message] = outbox()
    assert "https://bio.example.nl/login" in message.body and "wachtwoord-instellen" not in message.body
    assert "tweestapsverificatie" in message.body and not message.scrub_after_send
    assert db.session.scalars(select(AccountLink)).all() == []


def test_invite_to_an_existing_address_adds_the_roles_or_says_why_not() -> None:
    beheerder = factories.user([("beheerder", "DIE"), ("beheerder", "UIT")])
    existing = factories.user([("verbindingsofficier", "DIE")], email="bestaat@diemen.nl", name="Oude Naam")
    invited = people.invite(beheerder, "BESTAAT@diemen.nl", "Andere Naam",
                            [("DIE", "verbindingsofficier"), ("UIT", "ciso")], MAIL)
    assert not invited.created and invited.user is existing and existing.name == "Oude Naam"
    assert [(m.organisation.code, m.role) for m in invited.added] == [("UIT", "ciso")]
    assert not invited.link_sent and "Nieuwe rol" in outbox()[0].subject
    with pytest.raises(ValidationFailed) as refused:
        people.invite(beheerder, "bestaat@diemen.nl", "X", [("UIT", "ciso")], MAIL)
    assert refused.value.field == "email" and "met deze rollen" in refused.value.message


@pytest.mark.parametrize(("email", "name", "roles", "field"), [
    ("geen-adres", "Naam", [("DIE", "fg")], "email"),
    ("a@b.nl", "x" * 201, [("DIE", "fg")], "name"),
    ("a@b.nl", "Naam", [("DIE", "koning")], "memberships.0.role"),
    ("a@b.nl", "Naam", [], "memberships"),
])
def test_invite_refuses_bad_input_naming_the_field(email: str, name: str, roles: list, field: str) -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    with pytest.raises(ValidationFailed) as refused:
        people.invite(beheerder, email, name, roles, MAIL)
    assert refused.value.field == field
    assert accounts.find_user_by_email("a@b.nl") is None


def test_an_unknown_organisation_is_not_found() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    with pytest.raises(NotFound):
        people.invite(beheerder, "a@b.nl", "Naam", [("XYZ", "fg")], MAIL)


def test_the_list_shows_users_in_scope_with_search_and_paging() -> None:
    beheerder = factories.user([("beheerder", "DIE")], name="Bea Beheerder")
    factories.user([("verbindingsofficier", "DIE")], name="Anna de Vries", email="anna@diemen.nl")
    factories.user([("fg", "DIE")], name="Piet Jansen", email="piet@diemen.nl")
    page = people.list_users(beheerder, None, 1, 2)
    assert page.total == 3 and [r.user.name for r in page.items] == ["Anna de Vries", "Bea Beheerder"]
    found = people.list_users(beheerder, "JANSEN", 1, 20)
    assert [r.user.email for r in found.items] == ["piet@diemen.nl"]
    assert people.list_users(beheerder, "%", 1, 20).total == 0
    assert [r.user.name for r in people.list_users(beheerder, "diemen.nl", 1, 20).items] == [
        "Anna de Vries", "Piet Jansen"]


def test_a_beheerder_of_diemen_does_not_see_or_change_users_of_ouder_amstel() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    outsider = factories.user([("verbindingsofficier", "OA")], email="oa@ouder-amstel.nl")
    assert people.find_user(beheerder, outsider.id) is None
    assert "oa@ouder-amstel.nl" not in [r.user.email for r in people.list_users(beheerder, None, 1, 50).items]
    with pytest.raises(NotFound):
        people.grant(beheerder, factories.user([("fg", "DIE")]), "OA", "fg")


def test_a_user_with_roles_beyond_the_scope_is_neither_listed_nor_opened() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    shared = factories.user([("fg", "DIE"), ("fg", "OA")], email="fg@duo.nl")
    own = factories.user([("fg", "DIE")], email="fg@diemen.nl")
    listed = [r.user.email for r in people.list_users(beheerder, None, 1, 50).items]
    assert "fg@diemen.nl" in listed and "fg@duo.nl" not in listed
    assert people.find_user(beheerder, own.id) is own and people.find_user(beheerder, shared.id) is None
    duo = factories.user([("beheerder", "DUO")])
    assert "fg@duo.nl" in [r.user.email for r in people.list_users(duo, None, 1, 50).items]
    assert people.find_user(duo, shared.id) is shared


def test_roles_in_the_scope_are_given_and_taken() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    user = factories.user([("verbindingsofficier", "DIE")])
    people.grant(beheerder, user, "DIE", "fg")
    assert sorted(m.role for m in user.memberships) == ["fg", "verbindingsofficier"]
    people.revoke(beheerder, user, "DIE", "verbindingsofficier")
    assert [m.role for m in user.memberships] == ["fg"]
    with pytest.raises(NotFound):
        people.revoke(beheerder, user, "DIE", "ciso")
    with pytest.raises(ValidationFailed) as refused:
        people.grant(beheerder, user, "DIE", "koning")
    assert refused.value.field == "role"


def test_the_last_beheerder_of_a_top_level_organisation_stays() -> None:
    duo = factories.organisation("DUO")
    die = organisations.create_organisation(None, "DIE", "Gemeente Diemen", parent=duo, actor_label="test")
    db.session.commit()
    first = factories.user([("beheerder", "DUO")], name="Eerste")
    with pytest.raises(ValidationFailed) as refused:
        people.revoke(first, first, "DUO", "beheerder")
    assert refused.value.field == "role" and "laatste functioneel beheerder" in refused.value.message
    with pytest.raises(ValidationFailed) as refused:
        people.set_active(first, first, False)
    assert refused.value.field == "active"
    # a beheerder of an organisation below one may go: the one above still manages it
    below = factories.user([("beheerder", die.code)], name="Onder")
    people.revoke(first, below, "DIE", "beheerder")
    # with a second active beheerder the first may go
    second = factories.user([("beheerder", "DUO")], name="Tweede")
    people.set_active(first, first, False)
    with pytest.raises(ValidationFailed):
        people.revoke(second, second, "DUO", "beheerder")


def test_a_password_reset_ends_the_old_password_sessions_and_tokens() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    user = factories.user([("verbindingsofficier", "DIE")])
    factories.token(user)
    version = user.auth_version
    people.reset_password(beheerder, user, MAIL)
    assert user.password_hash is None and user.auth_version > version
    assert all(t.revoked_at is not None for t in user.tokens)
    assert accounts.authenticate(user.email, factories.PASSWORD) is None
    [message] = outbox()
    assert "werkt niet meer" in message.body and factories.PASSWORD not in message.body
    link = db.session.scalars(select(AccountLink).where(AccountLink.user_id == user.id)).one()
    assert link.purpose == LinkPurpose.PASSWORD_RESET


def test_reactivation_and_rename_are_audited() -> None:
    beheerder = factories.user([("beheerder", "DIE")])
    user = factories.user([("verbindingsofficier", "DIE")])
    people.set_active(beheerder, user, False)
    people.set_active(beheerder, user, True)
    people.rename(beheerder, user, "  Nieuwe Naam ")
    assert user.active and user.name == "Nieuwe Naam"
    with pytest.raises(ValidationFailed):
        people.rename(beheerder, user, "")
