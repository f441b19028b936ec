from __future__ import annotations

import datetime as dt

from flask.testing import FlaskClient

from bio_register.database import utcnow
from tests import factories
from tests.api.test_api_base import assert_problem, bearer


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat()


def test_fg_assesses_decides_and_notifies_through_the_api(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")], name="Fenna")
    headers = bearer(factories.token(fg))
    leak = factories.incident(is_datalek=True, discovered_at=utcnow() - dt.timedelta(hours=10))
    base = f"/api/v1/incidents/{leak.id}"
    assert_problem(client.get(f"{base}/breach", headers=headers), 404)
    aware = utcnow() - dt.timedelta(hours=9)
    response = client.put(f"{base}/breach", headers=headers, json={
        "aware_at": _iso(aware), "data_categories": ["naw", "financieel"], "special_categories": ["gezondheid"],
        "bsn": True, "subjects_count": 120, "records_count": 120, "nature_confidentiality": True,
        "enisa_dpc": 4, "enisa_ei": "0.75", "enisa_cb_confidentiality": "0.5", "enisa_cb_malicious": True})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["enisa_score"] == "4.00" and body["enisa_band"] == "zeer hoog"   # 4 × 0.75 + 0.5 + 0.5
    assert body["state"] == "te_beoordelen" and 62.9 < body["hours_left"] < 63.1
    assert body["ap_deadline"] == _iso((aware + dt.timedelta(hours=72)).astimezone(dt.UTC))

    decision = client.post(f"{base}/ap-decisions", headers=headers,
                           json={"notify": True, "motivation": "Gezondheidsgegevens van 120 inwoners gelekt."})
    assert decision.status_code == 201 and decision.get_json()["in_force"] is True
    note = client.post(f"{base}/ap-notifications", headers=headers,
                       json={"kind": "initial", "submitted_at": _iso(utcnow()), "meldnummer": "M-77"})
    assert note.status_code == 201, note.get_json()
    assert client.get(f"{base}/breach", headers=headers).get_json()["state"] == "gemeld"
    subjects = client.post(f"{base}/data-subject-notification", headers=headers,
                           json={"notify": False, "ground": "disproportionate_effort",
                                 "explanation": "Bericht op de gemeentewebsite", "channel": "website"})
    assert subjects.status_code == 201


def test_bad_input_is_422_with_the_field(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")])
    headers = bearer(factories.token(fg))
    leak = factories.incident(is_datalek=True, occurred_at=utcnow() - dt.timedelta(days=2))
    base = f"/api/v1/incidents/{leak.id}"
    cases = [
        ({"aware_at": _iso(utcnow() + dt.timedelta(days=1))}, "aware_at"),
        ({"aware_at": _iso(utcnow() - dt.timedelta(days=3))}, "aware_at"),        # before it occurred
        ({"aware_at": _iso(utcnow()), "enisa_dpc": 5}, "enisa_dpc"),
        ({"aware_at": _iso(utcnow()), "enisa_dpc": 0}, "enisa_dpc"),
        ({"aware_at": _iso(utcnow()), "subjects_count": -1}, "subjects_count"),
        ({"aware_at": _iso(utcnow()), "data_categories": ["schoenmaat"]}, "data_categories.0"),
        ({"aware_at": _iso(utcnow()), "unknown": 1}, "unknown"),
    ]
    for body, field in cases:
        problem = assert_problem(client.put(f"{base}/breach", headers=headers, json=body), 422)
        assert field in problem["errors"], (body, problem)
    factories.assess(leak, fg=fg)
    problem = assert_problem(client.post(f"{base}/ap-decisions", headers=headers,
                                         json={"notify": False, "motivation": ""}), 422)
    assert "motivation" in problem["errors"]
    client.post(f"{base}/ap-decisions", headers=headers, json={"notify": False, "motivation": "Geen enkel risico."})
    problem = assert_problem(client.post(f"{base}/ap-notifications", headers=headers,
                                         json={"kind": "initial", "submitted_at": _iso(utcnow()),
                                               "meldnummer": "M-1"}), 422)
    assert "notify" in problem["errors"]


def test_only_the_fg_decides(client: FlaskClient) -> None:
    leak = factories.incident(is_datalek=True)
    factories.assess(leak)
    ciso = bearer(factories.token(factories.user([("ciso", "DIE")])))
    problem = assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=ciso,
                                         json={"notify": False, "motivation": "Geen risico, vindt de CISO."}), 403)
    assert "FG" in problem["detail"]
    other_fg = bearer(factories.token(factories.user([("fg", "UIT")])))
    assert_problem(client.post(f"/api/v1/incidents/{leak.id}/ap-decisions", headers=other_fg,
                               json={"notify": False, "motivation": "Geen risico."}), 404)
