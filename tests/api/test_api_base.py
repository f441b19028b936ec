from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient

from bio_register.database import utcnow
from bio_register.extensions import db
from tests import factories

PROBLEM = "application/problem+json"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def token() -> str:
    return factories.token(factories.user([("verbindingsofficier", "DIE")], name="Vera"))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status
    assert body["title"] and body["type"]
    return body


def test_me_shows_the_token_owner_and_roles(client: FlaskClient, token: str) -> None:
    body = client.get("/api/v1/me", headers=bearer(token)).get_json()
    assert body["name"] == "Vera"
    assert body["memberships"] == [{"organisation": "DIE", "role": "verbindingsofficier"}]
    assert "password_hash" not in body and "totp_secret" not in body


def test_no_token_is_401_problem(client: FlaskClient) -> None:
    response = client.get("/api/v1/me")
    body = assert_problem(response, 401)
    assert "Bearer" in body["detail"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer bior_wrong", "Basic dXNlcjpwdw==", "Bearer", "bior_x"])
def test_bad_tokens_are_401(client: FlaskClient, header: str) -> None:
    assert_problem(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_expired_and_revoked_tokens_are_401(client: FlaskClient) -> None:
    user = factories.user()
    expired, revoked = factories.token(user, "old"), factories.token(user, "revoked")
    tokens = {t.name: t for t in user.tokens}
    tokens["old"].expires_at = utcnow() - dt.timedelta(seconds=1)
    tokens["revoked"].revoked_at = utcnow()
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(expired)), 401)
    assert_problem(client.get("/api/v1/me", headers=bearer(revoked)), 401)


def test_token_of_deactivated_user_is_401(client: FlaskClient) -> None:
    user = factories.user()
    secret = factories.token(user)
    user.active = False
    db.session.commit()
    assert_problem(client.get("/api/v1/me", headers=bearer(secret)), 401)


def test_patch_me_changes_the_profile_and_is_audited(client: FlaskClient, token: str) -> None:
    response = client.patch("/api/v1/me", json={"name": "Vera V.", "locale": "en"}, headers=bearer(token))
    assert response.status_code == 200
    assert response.get_json()["name"] == "Vera V."
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["locale"] == "en"
    from sqlalchemy import select

    from bio_register.audit.models import AuditEvent

    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (last.entity, last.action) == ("user", "update")
    assert '"after": "Vera V."' in last.changes


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x" * 201}, "name"),            # over-long string
        ({"name": 42}, "name"),                   # wrong type
        ({"locale": "fr"}, "locale"),             # not one of the choices
        ({"name": ""}, "name"),                   # empty
        ({"is_admin": True}, "is_admin"),         # unknown field
        ({"name": None}, "name"),                 # null
    ],
)
def test_bad_input_is_422_naming_the_field(client: FlaskClient, token: str, body: dict, field: str) -> None:
    response = client.patch("/api/v1/me", json=body, headers=bearer(token))
    problem = assert_problem(response, 422)
    assert field in problem["errors"], problem
    # nothing saved
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["name"] == "Vera"


def test_malformed_json_is_422(client: FlaskClient, token: str) -> None:
    response = client.patch("/api/v1/me", data="{not json", content_type="application/json",
                            headers=bearer(token))
    problem = assert_problem(response, 422)
    assert "body" in problem["errors"]


def test_json_that_is_not_an_object_is_422(client: FlaskClient, token: str) -> None:
    response = client.patch("/api/v1/me", json=["a", "list"], headers=bearer(token))
    assert_problem(response, 422)


def test_unknown_api_path_is_404_problem(client: FlaskClient, token: str) -> None:
    assert_problem(client.get("/api/v1/nothing-here", headers=bearer(token)), 404)


def test_wrong_method_is_405_problem(client: FlaskClient, token: str) -> None:
    assert_problem(client.delete("/api/v1/me", headers=bearer(token)), 405)


def test_bad_pagination_is_422(client: FlaskClient, token: str) -> None:
    for query in ("per_page=0", "per_page=101", "page=abc", "page=0"):
        body = assert_problem(client.get(f"/api/v1/organisations?{query}", headers=bearer(token)), 422)
        assert set(body["errors"]) <= {"page", "per_page"}


def test_api_needs_no_csrf_token(client: FlaskClient, token: str) -> None:
    # The API authenticates by bearer token only; cookies are never read there.
    assert client.patch("/api/v1/me", json={"name": "Vera"}, headers=bearer(token)).status_code == 200


def test_api_ignores_a_browser_session(client: FlaskClient) -> None:
    from tests.conftest import login

    user = factories.user()
    login(client, user.email, factories.PASSWORD)
    assert_problem(client.get("/api/v1/me"), 401)


def test_openapi_document_lists_the_resources(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "BIO-register API"
    assert {"/api/v1/me", "/api/v1/organisations", "/api/v1/organisations/{code}"} <= set(spec["paths"])
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_docs_page_is_served_without_external_resources(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "/api/v1/organisations" in html
    assert "http://" not in html.replace("http://localhost", "").replace("http://127.0.0.1", "")
    assert "https://" not in html
    assert "<script" not in html


def test_token_use_is_recorded_at_most_once_a_minute(client: FlaskClient) -> None:
    from bio_register.accounts.models import ApiToken

    user = factories.user([("verbindingsofficier", "DIE")])
    secret = factories.token(user)
    token = db.session.scalars(db.select(ApiToken).where(ApiToken.user_id == user.id)).one()
    assert token.last_used_at is None
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    first = token.last_used_at
    assert first is not None and utcnow() - first < dt.timedelta(seconds=30)
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at == first  # a busy script does not write on every request
    token.last_used_at = first - dt.timedelta(minutes=2)
    db.session.commit()
    assert client.get("/api/v1/incidents", headers=bearer(secret)).status_code == 200
    db.session.refresh(token)
    assert token.last_used_at > first


def test_a_role_granted_or_taken_away_counts_on_the_next_request(client: FlaskClient) -> None:
    from bio_register.accounts import services as accounts
    from bio_register.accounts.models import Membership

    user = factories.user([("verbindingsofficier", "DIE")])
    headers = bearer(factories.token(user))
    factories.incident("UIT", title="In Uithoorn")
    assert client.get("/api/v1/incidents", headers=headers).get_json()["total"] == 0
    accounts.grant_role(None, user, factories.organisation("UIT"), "verbindingsofficier", actor_label="test")
    db.session.commit()
    assert [i["title"] for i in client.get("/api/v1/incidents", headers=headers).get_json()["items"]] == [
        "In Uithoorn"]
    db.session.delete(db.session.scalars(db.select(Membership).where(
        Membership.user_id == user.id, Membership.role == "verbindingsofficier",
        Membership.organisation_id == factories.organisation("UIT").id)).one())
    db.session.commit()
    assert client.get("/api/v1/incidents", headers=headers).get_json()["total"] == 0


def test_docs_page_introduces_the_api_in_dutch_with_code_not_backticks(client: FlaskClient) -> None:
    html = client.get("/api/v1/docs").get_data(as_text=True)
    assert "Een script meldt zich aan met een persoonlijk API-token" in html
    assert "<code>Authorization: Bearer &lt;token&gt;</code>" in html
    assert "JSON API of BIO-register" not in html   # the OpenAPI document's English description
    assert "`" not in html
    assert "send the <code>version</code> you read" in html   # ``version`` in a docstring, as code
    assert 'lang="en"' in html                                  # the English reference says so


def test_code_spans_escape_everything_else() -> None:
    from bio_register.api.docs import code_spans

    assert str(code_spans("a `<b>` and ``c`` <i>x</i>")) == \
        "a <code>&lt;b&gt;</code> and <code>c</code> &lt;i&gt;x&lt;/i&gt;"
    assert str(code_spans(None)) == ""
