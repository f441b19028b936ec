"""Two-factor login: enrolment, the code step, recovery codes, who must use it, resets."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from bio_register.accounts import two_factor
from bio_register.accounts.login import PENDING_KEY, PENDING_SECONDS
from bio_register.accounts.models import User
from bio_register.audit.models import AuditEvent
from bio_register.extensions import db
from tests import factories
from tests.conftest import csrf_token, login, totp_code

SECRET_RE = re.compile(r'<code class="secret" id="totp-secret">([A-Z2-7 ]+)</code>')
RECOVERY_RE = re.compile(r'<li><code class="secret">([a-z2-9]{5}-[a-z2-9]{5})</code></li>')


def _actions(user: User) -> list[str]:
    return list(db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.entity == "user", AuditEvent.entity_id == str(user.id))
        .order_by(AuditEvent.seq)))


def _password_step(client: FlaskClient, user: User, next_url: str = "") -> str:
    response = login(client, user.email, factories.PASSWORD, totp=False) if not next_url else client.post(
        f"/login?next={next_url}",
        data={"email": user.email, "password": factories.PASSWORD, "csrf_token": csrf_token(client, "/login")})
    assert response.status_code == 302
    return response.headers["Location"]


def _post_code(client: FlaskClient, path: str, code: str, *, token_from: str | None = None) -> object:
    return client.post(path, data={"code": code, "csrf_token": csrf_token(client, token_from or path)})


def _enrol_from_page(client: FlaskClient, path: str) -> tuple[str, list[str]]:
    """Read the secret from the enrolment page, confirm with a code; returns (secret, recovery codes)."""
    html = client.get(path).get_data(as_text=True)
    assert "<svg" in html and "<script" not in html  # the QR code is inline SVG
    secret = SECRET_RE.search(html).group(1).replace(" ", "")
    response = _post_code(client, path, pyotp.TOTP(secret).now())
    assert response.status_code == 200
    codes = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


# --- the code step ---------------------------------------------------------------------------

def test_password_alone_does_not_log_in_a_totp_user(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    assert _password_step(client, user, "/datalekken") == "/login/totp"
    assert client.get("/").status_code == 302
    response = _post_code(client, "/login/totp", totp_code(user.email))
    assert response.status_code == 302
    assert response.headers["Location"] == "/datalekken"      # the original next survives the step
    assert client.get("/").status_code == 200
    assert _actions(user)[-2:] == ["login", "totp_ok"]


def test_wrong_code_is_refused_and_audited(client: FlaskClient) -> None:
    user = factories.user([("beheerder", "DUO")])
    _password_step(client, user)
    right = totp_code(user.email)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = _post_code(client, "/login/totp", wrong)
    assert response.status_code == 200
    assert "Deze code klopt niet." in response.get_data(as_text=True)
    assert client.get("/").status_code == 302
    assert _actions(user)[-1] == "totp_failed"
    assert _post_code(client, "/login/totp", "abc").status_code == 200        # nonsense: same answer


def test_previous_and_next_step_are_accepted_but_not_two_steps_off(app) -> None:
    with app.test_request_context():
        user = factories.user([("fg", "DIE")])
        totp = pyotp.TOTP(user.totp_secret)
        now = time.time()
        step = two_factor.current_step(now)
        assert not two_factor.verify_login(user, totp.generate_otp(step - 2), now=now)
        assert not two_factor.verify_login(user, totp.generate_otp(step + 2), now=now)
        assert two_factor.verify_login(user, totp.generate_otp(step - 1), now=now)
        assert two_factor.verify_login(user, totp.generate_otp(step + 1), now=now)
        # the next step was used: the current one is older, so no longer accepted
        assert not two_factor.verify_login(user, totp.generate_otp(step), now=now)


def test_a_code_is_accepted_only_once(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    code = pyotp.TOTP(user.totp_secret).now()
    _password_step(client, user)
    assert _post_code(client, "/login/totp", code).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, user)
    replayed = _post_code(client, "/login/totp", code)
    assert replayed.status_code == 200
    assert "Deze code klopt niet." in replayed.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_pending_login_expires(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    _password_step(client, user)
    with client.session_transaction() as session:
        session[PENDING_KEY] = {**session[PENDING_KEY], "at": time.time() - PENDING_SECONDS - 1}
    response = _post_code(client, "/login/totp", totp_code(user.email), token_from="/login")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert not response.headers["Location"].startswith("/login/totp")
    assert client.get("/").status_code == 302
    page = client.get("/login").get_data(as_text=True)
    assert "Uw inlogpoging is verlopen" in page


def test_password_change_during_the_pending_state_ends_it(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    _password_step(client, user)
    user.auth_version += 1
    db.session.commit()
    response = _post_code(client, "/login/totp", totp_code(user.email), token_from="/login")
    assert response.headers["Location"] == "/login"


def test_wrong_codes_are_limited_per_user(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")])
    _password_step(client, user)
    for _ in range(5):
        assert _post_code(client, "/login/totp", "000000").status_code == 200
    blocked = _post_code(client, "/login/totp", totp_code(user.email))   # even the right code waits
    assert blocked.status_code == 429
    assert "Te veel onjuiste codes" in blocked.get_data(as_text=True)
    assert client.get("/").status_code == 302
    other = factories.user([("fg", "DIE")])
    other_client = client.application.test_client()
    assert login(other_client, other.email, factories.PASSWORD).status_code == 302   # others unaffected
    assert other_client.get("/").status_code == 200


@pytest.mark.parametrize("path", ["/", "/account", "/incidenten", "/datalekken", "/organisaties",
                                  "/account/tweestapsverificatie", "/account/tweestapsverificatie/instellen",
                                  "/account/tokens"])
def test_the_pending_state_reaches_no_page(client: FlaskClient, path: str) -> None:
    user = factories.user([("fg", "DIE")])
    _password_step(client, user)
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_pending_state_reaches_no_api(client: FlaskClient) -> None:
    user = factories.user([("beheerder", "DUO")])
    _password_step(client, user)
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/incidents").status_code == 401


# --- recovery codes --------------------------------------------------------------------------

def test_recovery_code_logs_in_once(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")], totp=False)
    codes = factories.enable_totp(user)
    _password_step(client, user)
    assert _post_code(client, "/login/totp", codes[0].upper()).status_code == 302   # case does not matter
    assert client.get("/").status_code == 200
    assert _actions(user)[-1] == "recovery_code_used"
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, user)
    assert _post_code(client, "/login/totp", codes[0]).status_code == 200       # used: refused
    assert client.get("/").status_code == 302
    assert _post_code(client, "/login/totp", codes[1]).status_code == 302       # another one works


def test_regenerating_recovery_codes_needs_a_code_and_voids_the_old_ones(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")], totp=False)
    old = factories.enable_totp(user)
    login(client, user.email, factories.PASSWORD)
    refused = _post_code(client, "/account/tweestapsverificatie/herstelcodes", "123456")
    assert refused.status_code == 200 and "Deze code klopt niet." in refused.get_data(as_text=True)
    response = _post_code(client, "/account/tweestapsverificatie/herstelcodes", totp_code(user.email))
    new = RECOVERY_RE.findall(response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    _password_step(client, user)
    assert _post_code(client, "/login/totp", old[1]).status_code == 200
    assert _post_code(client, "/login/totp", new[1]).status_code == 302


def test_recovery_codes_are_stored_hashed(app) -> None:
    with app.test_request_context():
        user = factories.user()
        codes = factories.enable_totp(user)
        stored = {c.code_hash for c in user.recovery_codes}
        assert len(stored) == 10
        assert not any(code in stored or code.replace("-", "") in stored for code in codes)


# --- enrolment -------------------------------------------------------------------------------

def test_required_user_without_totp_enrols_right_after_the_password(client: FlaskClient) -> None:
    user = factories.user([("fg", "DIE")], totp=False)
    assert _password_step(client, user, "/datalekken") == "/login/totp/instellen"
    assert client.get("/datalekken").status_code == 302       # nothing else until enrolled
    enrol_page = client.get("/login/totp/instellen")
    assert enrol_page.headers["Cache-Control"] == "no-store"    # the secret is never cached
    assert "verplicht" in enrol_page.get_data(as_text=True)
    wrong = _post_code(client, "/login/totp/instellen", "000000")
    assert wrong.status_code == 200 and "Deze code klopt niet" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302
    _secret, codes = _enrol_from_page(client, "/login/totp/instellen")
    page = client.get("/datalekken")
    assert page.status_code == 200                            # logged in now
    db.session.refresh(user)
    assert user.totp_enabled
    assert "totp_enabled" in _actions(user)
    assert two_factor.unused_recovery_codes(user) == 10 and codes


def test_optional_user_enrols_on_the_account_page_and_then_needs_a_code(client: FlaskClient) -> None:
    user = factories.user([("verbindingsofficier", "DIE")])
    assert login(client, user.email, factories.PASSWORD).headers["Location"] == "/"   # no second step yet
    assert "Staat uit." in client.get("/account/tweestapsverificatie").get_data(as_text=True)
    page = client.get("/account/tweestapsverificatie/instellen").get_data(as_text=True)
    secret = SECRET_RE.search(page).group(1).replace(" ", "")
    assert client.get("/account/tweestapsverificatie/instellen").get_data(as_text=True).count(
        two_factor.format_secret(secret)) == 1                # a reload keeps the same secret
    db.session.refresh(user)
    assert not user.totp_enabled                              # not on before a right code
    _enrol_from_page(client, "/account/tweestapsverificatie/instellen")
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _password_step(client, user) == "/login/totp"


def test_optional_user_can_switch_it_off_with_a_code(client: FlaskClient) -> None:
    user = factories.user([("ciso", "DIE")], totp=True)
    login(client, user.email, factories.PASSWORD)
    assert _post_code(client, "/account/tweestapsverificatie/uitschakelen", "000000").status_code == 200
    db.session.refresh(user)
    assert user.totp_enabled
    response = _post_code(client, "/account/tweestapsverificatie/uitschakelen", totp_code(user.email))
    assert response.status_code == 302
    db.session.refresh(user)
    assert not user.totp_enabled and not user.recovery_codes
    assert "totp_disabled" in _actions(user)


def test_required_user_cannot_switch_it_off(client: FlaskClient) -> None:
    user = factories.user([("beheerder", "DUO")])
    login(client, user.email, factories.PASSWORD)
    page = client.get("/account/tweestapsverificatie").get_data(as_text=True)
    assert "kan niet uit" in page and "uitschakelen" not in page.lower().split("kan niet uit")[1][:200]
    response = _post_code(client, "/account/tweestapsverificatie/uitschakelen", totp_code(user.email))
    assert "kan niet uit" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.totp_enabled


@pytest.mark.parametrize(("role", "required"), [("fg", True), ("beheerder", True), ("ciso", False),
                                                ("verbindingsofficier", False), ("concern_control", False)])
def test_who_must_use_two_factor(app, role: str, required: bool) -> None:
    with app.test_request_context():
        user = factories.user([(role, "DIE")], totp=False)
        assert two_factor.required_for(user) is required


def test_existing_session_of_a_newly_required_user_can_only_enrol(client: FlaskClient) -> None:
    user = factories.user([("ciso", "DIE")])
    login(client, user.email, factories.PASSWORD)
    assert client.get("/incidenten").status_code == 200
    factories.organisation("DIE").two_factor_required = True
    db.session.commit()
    response = client.get("/incidenten")
    assert response.status_code == 302 and response.headers["Location"] == "/account/tweestapsverificatie/instellen"
    _enrol_from_page(client, "/account/tweestapsverificatie/instellen")
    assert client.get("/incidenten").status_code == 200


# --- the organisation setting and the beheerder's reset --------------------------------------

def _set_org_requirement(client: FlaskClient, code: str, required: bool) -> object:
    data = {"csrf_token": csrf_token(client, "/account")}
    if required:
        data["required"] = "y"
    return client.post(f"/organisaties/{code}/tweestapsverificatie", data=data)


def test_beheerder_requires_two_factor_for_an_organisation(client: FlaskClient) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    vo = factories.user([("verbindingsofficier", "DIE")])
    other = factories.user([("verbindingsofficier", "UIT")])
    login(client, beheerder.email, factories.PASSWORD)
    assert "Instellingen" in client.get("/organisaties/DIE").get_data(as_text=True)
    response = _set_org_requirement(client, "DIE", True)
    assert response.status_code == 302
    assert "nu verplicht" in client.get("/organisaties/DIE").get_data(as_text=True)
    org = factories.organisation("DIE")
    db.session.refresh(org)
    assert org.two_factor_required
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity == "organisation")
                               .order_by(AuditEvent.seq.desc())).first()
    assert event.action == "update" and "two_factor_required" in event.changes
    assert event.actor_id == beheerder.id
    vo_client, other_client = client.application.test_client(), client.application.test_client()
    assert login(vo_client, vo.email, factories.PASSWORD).headers["Location"] == "/login/totp/instellen"
    assert login(other_client, other.email, factories.PASSWORD).headers["Location"] == "/"
    _set_org_requirement(client, "DIE", False)
    db.session.refresh(org)
    assert not org.two_factor_required


@pytest.mark.parametrize(("role", "status"), [
    (("ciso", "DIE"), 403), (("fg", "DIE"), 403), (("concern_control", "DUO"), 403),  # read DIE, may not manage
    (("verbindingsofficier", "UIT"), 404),                                              # cannot read DIE
])
def test_only_a_beheerder_changes_the_organisation_setting(client: FlaskClient, role, status) -> None:
    factories.organisation("DIE")
    user = factories.user([role])
    login(client, user.email, factories.PASSWORD)
    assert "Instellingen" not in client.get("/organisaties/DIE").get_data(as_text=True)
    assert _set_org_requirement(client, "DIE", True).status_code == status
    org = factories.organisation("DIE")
    db.session.refresh(org)
    assert not org.two_factor_required


def test_beheerder_resets_a_lost_second_factor(client: FlaskClient) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    fg = factories.user([("fg", "DIE")], name="Frida FG")
    fg_client = client.application.test_client()
    login(fg_client, fg.email, factories.PASSWORD)
    assert fg_client.get("/").status_code == 200
    login(client, beheerder.email, factories.PASSWORD)
    page = client.get("/organisaties/DIE").get_data(as_text=True)
    assert f"/gebruikers/{fg.id}/tweestapsverificatie/herstellen" in page
    response = client.post(f"/gebruikers/{fg.id}/tweestapsverificatie/herstellen",
                           data={"csrf_token": csrf_token(client, "/"), "next": "/organisaties/DIE"})
    assert response.status_code == 302 and response.headers["Location"] == "/organisaties/DIE"
    db.session.refresh(fg)
    assert not fg.totp_enabled and not fg.totp_secret
    assert fg_client.get("/").status_code == 302                    # the lost phone's session ended
    assert _actions(fg)[-1] == "totp_reset"
    assert login(fg_client, fg.email, factories.PASSWORD).headers["Location"] == "/login/totp/instellen"


@pytest.mark.parametrize("role", [("ciso", "DIE"), ("fg", "DIE"), ("verbindingsofficier", "DIE")])
def test_others_cannot_reset_a_second_factor(client: FlaskClient, role) -> None:
    target = factories.user([("fg", "DIE")])
    user = factories.user([role])
    login(client, user.email, factories.PASSWORD)
    response = client.post(f"/gebruikers/{target.id}/tweestapsverificatie/herstellen",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404
    db.session.refresh(target)
    assert target.totp_enabled


def test_reset_of_an_unknown_user_is_404(client: FlaskClient) -> None:
    beheerder = factories.user([("beheerder", "DUO")])
    login(client, beheerder.email, factories.PASSWORD)
    response = client.post("/gebruikers/999999/tweestapsverificatie/herstellen",
                           data={"csrf_token": csrf_token(client, "/")})
    assert response.status_code == 404


def test_sign_in_from_an_identity_provider_that_did_mfa_skips_the_code(app) -> None:
    from bio_register.accounts.login import begin_session

    with app.test_request_context():
        user = factories.user([("fg", "DIE")])
        from flask import session
        from flask_login import current_user

        response = begin_session(user, "/datalekken", mfa_verified=True)
        assert response.headers["Location"] == "/datalekken"
        assert current_user.is_authenticated and session.get("mfa") is True
    with app.test_request_context():
        user = factories.user([("fg", "DIE")])
        response = begin_session(user, "/datalekken", mfa_verified=False)
        assert response.headers["Location"] == "/login/totp"
        assert "_user_id" not in session and session[PENDING_KEY]["user_id"] == user.id


# --- command line and demo -------------------------------------------------------------------

def test_cli_reset_two_factor(app) -> None:
    with app.app_context():
        user = factories.user([("beheerder", "DUO")])
        email = user.email
    result = app.test_cli_runner().invoke(args=["bio", "reset-two-factor", "--email", email])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.expire_all()
        user = db.session.scalar(select(User).where(User.email == email))
        assert not user.totp_enabled and _actions(user)[-1] == "totp_reset"
    unknown = app.test_cli_runner().invoke(args=["bio", "reset-two-factor", "--email", "niemand@example.nl"])
    assert unknown.exit_code != 0 and "Onbekende gebruiker" in unknown.output


def test_demo_again_wipes_the_demo_second_factor(app) -> None:
    from bio_register.cli import create_demo_data

    with app.app_context():
        create_demo_data()
        fg = db.session.scalar(select(User).where(User.email == "fg@demo.bio-register.nl"))
        assert two_factor.required_for(fg) and not fg.totp_enabled     # enrols at the first login
        factories.enable_totp(fg)
        create_demo_data()
        db.session.refresh(fg)
        assert not fg.totp_enabled


def test_wrong_codes_on_the_account_pages_count_towards_the_same_limit(client: FlaskClient) -> None:
    user = factories.user([("ciso", "DIE")], totp=True)
    login(client, user.email, factories.PASSWORD)
    for _ in range(6):   # right codes do not count, though the answer is a 200 page
        response = _post_code(client, "/account/tweestapsverificatie/herstelcodes", totp_code(user.email))
        assert response.status_code == 200 and "Herstelcodes" in response.get_data(as_text=True)
    for _ in range(5):
        assert _post_code(client, "/account/tweestapsverificatie/uitschakelen", "000000").status_code == 200
    blocked = _post_code(client, "/account/tweestapsverificatie/herstelcodes", totp_code(user.email),
                         token_from="/account/tweestapsverificatie")
    assert blocked.status_code == 429
    db.session.refresh(user)
    assert user.totp_enabled
