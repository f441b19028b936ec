"""A role held in an organisation covers it and every organisation below it, and nowhere else — the
functioneel beheerder and concern control included (issue 16). Outside the scope: 404, as if absent."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from bio_register.extensions import db
from bio_register.organisations import services
from bio_register.permissions import (
    ALL,
    Permission,
    has_permission,
    organisation_ids_with,
    organisation_tree,
    roles_in,
)
from tests import factories
from tests.api.test_api_base import assert_problem, bearer
from tests.conftest import csrf_token, login


def _duo() -> None:
    for code in ("DUO", "DIE", "OA", "UIT"):
        factories.organisation(code)


def _codes(client: FlaskClient, headers: dict[str, str]) -> list[str]:
    return [o["code"] for o in client.get("/api/v1/organisations", headers=headers).get_json()["items"]]


def test_a_beheerder_of_diemen_cannot_see_or_change_ouder_amstel(client: FlaskClient) -> None:
    _duo()
    headers = bearer(factories.token(factories.user([("beheerder", "DIE")])))
    assert _codes(client, headers) == ["DIE"]
    for response in (
        client.get("/api/v1/organisations/OA", headers=headers),
        client.patch("/api/v1/organisations/OA", json={"name": "Overgenomen"}, headers=headers),
        client.get("/api/v1/organisations/DUO", headers=headers),        # nor the one above
        client.post("/api/v1/organisations", json={"code": "OA2", "name": "X", "parent": "OA"}, headers=headers),
    ):
        assert_problem(response, 404)
    assert factories.organisation("OA").name == "Gemeente Ouder-Amstel"
    # its own organisation it manages
    assert client.patch("/api/v1/organisations/DIE", json={"name": "Gemeente Diemen (gewijzigd)"},
                        headers=headers).status_code == 200


def test_a_beheerder_of_duo_manages_the_municipalities_below_it(client: FlaskClient) -> None:
    _duo()
    headers = bearer(factories.token(factories.user([("beheerder", "DUO")])))
    assert _codes(client, headers) == ["DIE", "DUO", "OA", "UIT"]
    response = client.patch("/api/v1/organisations/OA", json={"name": "Gemeente Ouder-Amstel (nieuw)"},
                            headers=headers)
    assert response.status_code == 200 and response.get_json()["name"] == "Gemeente Ouder-Amstel (nieuw)"


def test_the_pages_follow_the_same_rule(client: FlaskClient) -> None:
    _duo()
    user = factories.user([("beheerder", "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert client.get("/organisaties/DIE").status_code == 200
    assert client.get("/organisaties/DIE/bewerken").status_code == 200
    assert client.get("/organisaties/OA").status_code == 404
    assert client.get("/organisaties/OA/bewerken").status_code == 404
    token = csrf_token(client, "/organisaties/DIE")
    assert client.post("/organisaties/OA/bewerken", data={"name": "X", "csrf_token": token}).status_code == 404
    assert client.post("/organisaties/OA/tweestapsverificatie",
                       data={"required": "y", "csrf_token": token}).status_code == 404
    page = client.get("/organisaties").get_data(as_text=True)
    assert "Gemeente Diemen" in page and "Ouder-Amstel" not in page
    assert 'href="/organisaties/DUO"' not in page               # Duo+ is named as Diemen's parent only


def test_a_beheerder_of_diemen_cannot_reset_the_second_factor_of_the_duo_beheerder(client: FlaskClient) -> None:
    """The fault the issue reports: a beheerder of Diemen wiped the Duo+ beheerder's second factor."""
    _duo()
    duo_beheerder = factories.user([("beheerder", "DUO")], email="beheer.duo@example.nl")
    die_beheerder = factories.user([("beheerder", "DIE")], email="beheer.die@example.nl")
    die_vo = factories.user([("verbindingsofficier", "DIE")], totp=True)
    login(client, die_beheerder.email, factories.PASSWORD)
    token = csrf_token(client, "/account")
    assert client.post(f"/gebruikers/{duo_beheerder.id}/tweestapsverificatie/herstellen",
                       data={"csrf_token": token}).status_code == 404
    db.session.refresh(duo_beheerder)
    assert duo_beheerder.totp_enabled
    assert client.post(f"/gebruikers/{die_vo.id}/tweestapsverificatie/herstellen",
                       data={"csrf_token": token}).status_code == 302
    db.session.refresh(die_vo)
    assert not die_vo.totp_enabled


def test_concern_control_of_a_municipality_sees_only_it(client: FlaskClient) -> None:
    _duo()
    die, uit = factories.incident("DIE"), factories.incident("UIT")
    headers = bearer(factories.token(factories.user([("concern_control", "DIE")])))
    body = client.get("/api/v1/incidents", headers=headers).get_json()
    assert [i["id"] for i in body["items"]] == [die.id]
    assert client.get(f"/api/v1/incidents/{die.id}", headers=headers).status_code == 200
    assert_problem(client.get(f"/api/v1/incidents/{uit.id}", headers=headers), 404)
    assert_problem(client.get("/api/v1/organisations/UIT", headers=headers), 404)
    # reports: its own organisation, not another's, not the whole installation
    made = client.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10", "scope": "DIE"},
                       headers=headers)
    assert made.status_code == 201
    other = client.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10", "scope": "UIT"},
                        headers=headers)
    unknown = client.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10", "scope": "XYZ"},
                          headers=headers)
    assert assert_problem(other, 422)["errors"] == assert_problem(unknown, 422)["errors"] | {
        "scope": ["Onbekende organisatie: UIT."]}
    assert "scope" in assert_problem(
        client.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10", "scope": "all"},
                    headers=headers), 403)["errors"]
    assert [r["scope"] for r in client.get("/api/v1/reports", headers=headers).get_json()] == ["DIE"]


def test_concern_control_of_duo_covers_every_municipality(client: FlaskClient) -> None:
    _duo()
    uit = factories.incident("UIT")
    headers = bearer(factories.token(factories.user([("concern_control", "DUO")])))
    assert client.get(f"/api/v1/incidents/{uit.id}", headers=headers).status_code == 200
    assert client.post("/api/v1/reports", json={"kind": "monthly", "period": "2026-10", "scope": "all"},
                       headers=headers).status_code == 201


def test_a_role_covers_every_depth_below_and_nothing_above(app: Flask, app_ctx: Any) -> None:
    _duo()
    wijk = factories.organisation("DIEW", parent="DIE")
    fg = factories.user([("fg", "DIE")])
    ids = organisation_ids_with(fg, Permission.BREACH_DECIDE)
    assert ids == {factories.organisation("DIE").id, wijk.id}
    assert not has_permission(fg, Permission.INCIDENT_READ, factories.organisation("DUO").id)
    duo_fg = factories.user([("fg", "DUO")])
    assert has_permission(duo_fg, Permission.BREACH_DECIDE, wijk.id)
    assert list(roles_in(duo_fg, wijk.id)) == ["fg"]           # shown on the organisation's page


def test_covering_every_organisation_is_all(app_ctx: Any) -> None:
    """Roles that cover every top-level organisation read everything: queries skip the filter."""
    _duo()
    assert organisation_ids_with(factories.user([("beheerder", "DUO")]), Permission.INCIDENT_READ) is ALL
    factories.organisation("ELDERS")                               # a second tree
    assert organisation_ids_with(factories.user([("beheerder", "DUO")]), Permission.INCIDENT_READ) is not ALL


def test_a_new_organisation_is_in_scope_at_once_and_the_tree_is_read_once(app_ctx: Any,
                                                                          count_queries: Any) -> None:
    _duo()
    beheerder = factories.user([("beheerder", "DIE")])
    die = factories.organisation("DIE")
    organisation_tree()
    assert beheerder.memberships                                 # loaded with the user, as per request
    with count_queries() as counter:
        for _ in range(20):
            assert has_permission(beheerder, Permission.ORGANISATION_MANAGE, die.id)
            organisation_ids_with(beheerder, Permission.INCIDENT_READ)
    assert counter.count == 0, counter.statements
    wijk = services.create_organisation(beheerder, "DIEW", "Wijk", parent=die)
    assert has_permission(beheerder, Permission.ORGANISATION_MANAGE, wijk.id)   # the cache was dropped


def test_the_start_page_says_all_only_to_who_reads_all(app: Flask, client: FlaskClient) -> None:
    _duo()
    login(client, factories.user([("concern_control", "DIE")]).email, factories.PASSWORD)
    assert "leesrechten in alle organisaties" not in client.get("/").get_data(as_text=True)
    other = app.test_client()
    login(other, factories.user([("concern_control", "DUO")]).email, factories.PASSWORD)
    assert "leesrechten in alle organisaties" in other.get("/").get_data(as_text=True)


def test_the_fg_of_duo_is_among_the_fgs_of_each_municipality(app_ctx: Any) -> None:
    """Who hears of a new datalek in Diemen, or of its deadline: the FGs whose role covers Diemen."""
    from bio_register.breaches.services import users_with_role
    from bio_register.permissions import Role

    _duo()
    duo_fg = factories.user([("fg", "DUO"), ("fg", "DIE")], email="fg.duo@example.nl")  # as in the demo
    die_fg = factories.user([("fg", "DIE")], email="fg.die@example.nl")
    factories.user([("fg", "OA")], email="fg.oa@example.nl")
    assert users_with_role(factories.organisation("DIE").id, Role.FG) == [duo_fg, die_fg]   # once each
    assert users_with_role(factories.organisation("DUO").id, Role.FG) == [duo_fg]


def test_a_beheerder_manages_a_user_only_when_all_their_roles_lie_in_its_scope(client: FlaskClient) -> None:
    _duo()
    duo_fg = factories.user([("fg", "DUO"), ("fg", "DIE")], email="fg.duo@example.nl")
    login(client, factories.user([("beheerder", "DIE")]).email, factories.PASSWORD)
    response = client.post(f"/gebruikers/{duo_fg.id}/tweestapsverificatie/herstellen",
                           data={"csrf_token": csrf_token(client, "/account")})
    assert response.status_code == 404
    db.session.refresh(duo_fg)
    assert duo_fg.totp_enabled


def test_the_tree_an_api_request_takes_from_the_process_is_never_stale(client: FlaskClient,
                                                                     count_queries: Any) -> None:
    """API requests share the process's copy of the tree while the database's signature of it is
    unchanged; an organisation moved by any process (here: plain SQL, which tells this process
    nothing) counts on the very next request."""
    from sqlalchemy import update

    from bio_register.organisations.models import Organisation

    _duo()
    elders = factories.organisation("ELDERS")   # a second tree
    duo = factories.organisation("DUO")
    headers = bearer(factories.token(factories.user([("verbindingsofficier", "DUO")])))
    factories.incident("DIE")
    factories.incident("ELDERS")

    def organisations() -> set[str]:
        return {i["organisation"] for i in client.get("/api/v1/incidents", headers=headers).get_json()["items"]}

    def move(parent_id: int | None) -> None:
        db.session.execute(update(Organisation).where(Organisation.id == elders.id).values(parent_id=parent_id))
        db.session.commit()

    assert organisations() == {"DIE"}
    with count_queries() as counter:
        assert organisations() == {"DIE"}
    assert counter.count == 2, counter.statements   # the token (and the tree's signature); the page
    move(duo.id)
    assert organisations() == {"DIE", "ELDERS"}
    move(None)
    assert organisations() == {"DIE"}
