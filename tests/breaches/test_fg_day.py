"""The FG's day (issue 19, items 5 and 8): /datalekken filtered, searched, sorted and paged; the
datalek page with the facts first and the AP melding judged against the 72 hours; overdue
datalekken in *Meldingen*; the datalekkenregister per organisation (controller) and period."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader

from bio_register.breaches import export
from bio_register.breaches import services as breaches
from bio_register.breaches import views as breach_views
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Category
from bio_register.timeutil import to_utc
from tests import factories
from tests.conftest import csrf_token, login

NOW = utcnow()


def _leak(org: str = "DIE", hours_ago: float = 1, **overrides: Any) -> Any:
    return factories.incident(org, is_datalek=True, discovered_at=NOW - dt.timedelta(hours=hours_ago), **overrides)


def _notified(item: Any, fg: Any, after_hours: float, reason: str | None = None) -> None:
    factories.assess(item, fg=fg)
    breaches.decide(fg, item, True, "Melden: hoog risico voor betrokkenen.")
    breaches.record_notification(fg, item, "initial", item.discovered_at + dt.timedelta(hours=after_hours),
                                 f"M-{item.id}", reason)
    db.session.commit()


@pytest.fixture
def world() -> dict[str, Any]:
    """One FG of Diemen and Uithoorn, and datalekken in every state in both."""
    fg = factories.user([("fg", "DIE"), ("fg", "UIT")], name="Fenna de Vries")
    w: dict[str, Any] = {"fg": fg}
    w["fresh"] = _leak(title="Brief naar verkeerd adres", hours_ago=2)
    w["overdue"] = _leak(title="Laptop gestolen uit auto", hours_ago=24 * 6)
    w["on_time"] = _leak(title="Mail met bijlage aan verkeerde groep", hours_ago=24 * 10,
                         category=Category.WRONG_RECIPIENT_EMAIL.value)
    _notified(w["on_time"], fg, 10)
    w["late"] = _leak(title="USB-stick kwijt", hours_ago=24 * 20, category=Category.LOST_STOLEN_DEVICE.value)
    _notified(w["late"], fg, 72 + 24 * 5 + 3, "Pas laat ontdekt dat er BSN's op stonden.")
    w["not_notified"] = _leak(title="Versleutelde schijf verloren", hours_ago=24 * 30)
    factories.decide_not_to_notify(w["not_notified"], fg=fg)
    w["decided"] = _leak(title="Wachtwoordlijst gedeeld", hours_ago=5)
    factories.assess(w["decided"], fg=fg)
    breaches.decide(fg, w["decided"], True, "Melden: wachtwoorden van inwoners.")
    db.session.commit()
    w["closed"] = _leak(title="Oude zaak", hours_ago=24 * 40, status="afgehandeld")
    w["uithoorn"] = _leak("UIT", title="Uithoorn: dossier open op balie", hours_ago=24 * 4)
    w["elsewhere"] = _leak("OUD", title="Ouder-Amstel: verkeerde ontvanger", hours_ago=3)
    return w


def _titles(page: Any) -> set[str]:
    return {row.incident.title for row in page.items}


# --- the service ------------------------------------------------------------------------------------------

def test_filter_by_state_follows_the_rules_of_the_overview(world: dict[str, Any]) -> None:
    fg = world["fg"]

    def titles(state: str | None) -> set[str]:
        return _titles(breaches.list_overview(fg, breaches.BreachFilter(state=state), now=NOW))

    def names(*keys: str) -> set[str]:
        return {world[k].title for k in keys}

    assert titles("open") == names("fresh", "overdue", "on_time", "late", "not_notified", "decided", "uithoorn")
    assert titles(None) == titles("open") | names("closed")  # never Ouder-Amstel: not this FG's
    assert titles("te_beoordelen") == names("fresh", "overdue", "uithoorn")
    assert titles("te_laat") == names("overdue", "uithoorn")
    assert titles("besloten_melden") == names("decided")
    assert titles("gemeld") == names("on_time", "late")
    assert titles("niet_gemeld") == names("not_notified", "closed")
    assert titles("afgesloten") == names("closed")


def test_filter_by_organisation_period_and_words(world: dict[str, Any]) -> None:
    fg = world["fg"]
    every = breaches.BreachFilter(state=None)
    assert _titles(breaches.list_overview(fg, breaches.BreachFilter(organisation="uit", state=None))) == {
        world["uithoorn"].title}
    assert _titles(breaches.list_overview(fg, breaches.BreachFilter(organisation="OUD", state=None))) == set()
    week = breaches.BreachFilter(state=None, discovered_from=NOW - dt.timedelta(days=7),
                                 discovered_until=NOW - dt.timedelta(hours=3))
    assert _titles(breaches.list_overview(fg, week)) == {world[k].title for k in ("overdue", "decided", "uithoorn")}
    by_word = breaches.list_overview(fg, breaches.BreachFilter(state=None, q="usb KWIJT"))
    assert _titles(by_word) == {world["late"].title}
    by_reference = breaches.list_overview(fg, breaches.BreachFilter(state=None, q=world["uithoorn"].reference))
    assert _titles(by_reference) == {world["uithoorn"].title}
    assert breaches.list_overview(fg, breaches.BreachFilter(state=None, q="100%_")).total == 0  # wildcards literal
    assert breaches.list_overview(fg, every).total == 8


def test_sorts_and_pages(world: dict[str, Any]) -> None:
    fg = world["fg"]
    by_discovery = breaches.list_overview(fg, breaches.BreachFilter(state=None, sort="ontdekt", descending=True))
    assert [r.incident.discovered_at for r in by_discovery.items] == sorted(
        (r.incident.discovered_at for r in by_discovery.items), reverse=True)
    reported = breaches.list_overview(fg, breaches.BreachFilter(state=None, sort="gemeld"))
    # the earliest melding first; the datalekken without one after them
    assert [r.incident.title for r in reported.items][:2] == [world["late"].title, world["on_time"].title]
    working = breaches.list_overview(fg, breaches.BreachFilter(), now=NOW)
    assert working.items[0].incident.title == world["overdue"].title  # the running clock due first
    pages = [breaches.list_overview(fg, breaches.BreachFilter(state=None, sort="referentie"), n, 3)
             for n in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3] and pages[0].total == 8
    seen = [r.incident.reference for p in pages for r in p.items]
    assert seen == sorted(seen) and len(set(seen)) == 8
    assert breaches.list_overview(fg, breaches.BreachFilter(state=None), 99, 3).page == 3  # past the end: the last


def test_all_states_in_working_order_read_open_then_closed_across_pages(world: dict[str, Any]) -> None:
    """Open and closed datalekken are read apart (the closed part as an index range); the pages join
    them as one list: the open ones in the working order, then the closed ones newest first."""
    fg = world["fg"]
    older_closed = _leak(title="Nog oudere zaak", hours_ago=24 * 90, status="ingetrokken")
    whole = breaches.list_overview(fg, breaches.BreachFilter(state=None), 1, 50, now=NOW)
    opened = breaches.list_overview(fg, breaches.BreachFilter(state="open"), 1, 50, now=NOW)
    titles = [r.incident.title for r in whole.items]
    assert titles == [r.incident.title for r in opened.items] + [world["closed"].title, older_closed.title]
    assert whole.total == 9 and not whole.more
    paged = [r.incident.title for n in (1, 2, 3) for r in
             breaches.list_overview(fg, breaches.BreachFilter(state=None), n, 3, now=NOW).items]
    assert paged == titles  # the page that holds the last open and the first closed one included


def test_a_large_count_stops_at_the_bound_and_says_more(world: dict[str, Any], monkeypatch: Any) -> None:
    monkeypatch.setattr(breaches, "COUNT_BOUND", 4)
    fg = world["fg"]
    _leak(title="Nog oudere zaak", hours_ago=24 * 90, status="ingetrokken")  # 7 open, 2 closed
    whole = breaches.list_overview(fg, breaches.BreachFilter(state=None), 1, 3, now=NOW)
    # the open ones counted exactly, the closed ones only as far as needed to know there are more
    assert whole.more and whole.total == 8 and whole.has_next
    assert breaches.list_overview(fg, breaches.BreachFilter(state="afgesloten"), 1, 3).total == 2
    by_reference = breaches.list_overview(fg, breaches.BreachFilter(state=None, sort="referentie"), 1, 3)
    assert by_reference.more and by_reference.total == 4
    # the open states too (five municipalities ten times G001's size hold 15,000 open datalekken)
    opened = breaches.list_overview(fg, breaches.BreachFilter(state="open"), 1, 3, now=NOW)
    assert opened.more and opened.total == 4 and opened.has_next
    all_open = [r.incident.title for n in (1, 2, 3) for r in
                breaches.list_overview(fg, breaches.BreachFilter(state="open"), n, 3, now=NOW).items]
    assert len(all_open) == len(set(all_open)) == 7
    everything = [r.incident.title for n in (1, 2, 3, 4) for r in
                  breaches.list_overview(fg, breaches.BreachFilter(state=None), n, 3, now=NOW).items]
    assert len(everything) == len(set(everything)) == 9  # paging still reaches every datalek


def test_register_per_organisation_and_period(world: dict[str, Any]) -> None:
    fg = world["fg"]
    die, uit, oud = (factories.organisation(code) for code in ("DIE", "UIT", "OUD"))
    diemen = breaches.register_datalekken(fg, die.id)
    assert {i.title for i in diemen} == {world[k].title for k in (
        "fresh", "overdue", "on_time", "late", "not_notified", "decided", "closed")}
    assert [i.title for i in breaches.register_datalekken(fg, uit.id)] == [world["uithoorn"].title]
    assert breaches.register_datalekken(fg, oud.id) == []  # not this FG's controller
    last_fortnight = breaches.register_datalekken(fg, die.id, NOW - dt.timedelta(days=14), NOW)
    assert {i.title for i in last_fortnight} == {world[k].title for k in (
        "fresh", "overdue", "on_time", "decided")}
    lines = export.summary(export.register_rows(diemen))
    total = lines[-1]
    assert (total.label, total.count, total.notified, total.on_time, total.late, total.informed) == (
        "Totaal", 7, 2, 1, 1, 0)
    assert sum(line.count for line in lines[:-1]) == 7
    device = next(line for line in lines if line.label.lower().startswith("apparaat"))
    assert (device.count, device.notified, device.on_time, device.late) == (1, 1, 0, 1)


# --- the pages ----------------------------------------------------------------------------------------------

def test_overview_page_filters_and_keeps_them_in_the_links(client: FlaskClient, world: dict[str, Any],
                                                           monkeypatch: Any) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    html = client.get("/datalekken?stand=te_laat").get_data(as_text=True)
    assert world["overdue"].title in html and world["uithoorn"].title in html and world["fresh"].title not in html
    assert "2 datalekken gevonden" in html and ">te laat<" in html
    assert re.search(r'<td class="nowrap"><span class="badge badge-state-te_beoordelen">', html)  # never wraps
    html = client.get("/datalekken?q=usb&stand=").get_data(as_text=True)
    assert world["late"].title in html and world["overdue"].title not in html
    html = client.get("/datalekken?organisation=UIT&stand=").get_data(as_text=True)
    assert world["uithoorn"].title in html and world["fresh"].title not in html
    assert client.get("/datalekken?stand=afgesloten").get_data(as_text=True).count('href="/incidenten/') == 1
    monkeypatch.setattr(breach_views, "OVERVIEW_PAGE", 3)
    first = client.get("/datalekken?stand=&sort=referentie").get_data(as_text=True)
    assert "Pagina 1 van 3 (8 datalekken)" in first
    assert 'href="/datalekken?stand=&amp;sort=referentie&amp;page=2" rel="next"' in first
    bad = client.get("/datalekken?period_from=gisteren")
    assert bad.status_code == 200 and "Geen geldige datum." in bad.get_data(as_text=True)


def test_the_overview_takes_a_fixed_number_of_queries(client: FlaskClient, world: dict[str, Any],
                                                     count_queries: Any) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    url = "/datalekken?stand=&q=e&sort=gemeld&order=desc&period_from=2000-01-01"
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    before = counter.count
    for i in range(12):
        item = _leak(title=f"Extra lek {i}", hours_ago=30 + i)
        if i % 3 == 0:
            _notified(item, world["fg"], 2)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    assert counter.count <= before, counter.statements


def test_datalek_page_shows_the_facts_first_and_judges_the_melding(client: FlaskClient,
                                                                   world: dict[str, Any]) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    late = world["late"]
    html = client.get(f"/incidenten/{late.id}/datalek").get_data(as_text=True)
    facts = html.index('id="facts-heading"')
    assert facts < html.index('id="assessment-heading"') < html.index('id="decision-heading"')
    assert "Een medewerker stuurde een bijlage met NAW-gegevens" in html[facts:]
    assert "Gemeente Diemen" in html[facts:] or "Diemen" in html[facts:]
    assert "te laat (5 dagen en 3 uur)" in html and "te laat gemeld (5 dagen en 3 uur)" in html
    assert not re.search(r"\s\.</p>", html)  # no stray " ." after a time
    on_time = client.get(f"/incidenten/{world['on_time'].id}/datalek").get_data(as_text=True)
    assert ">op tijd<" in on_time and "op tijd gemeld" in on_time


def test_notices_list_the_overdue_datalekken_for_the_fg(client: FlaskClient, world: dict[str, Any]) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    html = client.get("/meldingen").get_data(as_text=True)
    overdue = html[html.index('id="overdue"'):html.index("</section>", html.index('id="overdue"'))]
    assert "2 datalekken over de AP-termijn" in overdue
    assert world["overdue"].reference in overdue and world["uithoorn"].reference in overdue
    assert world["fresh"].reference not in overdue and world["late"].reference not in overdue
    assert "te laat" in overdue
    client.post("/logout", data={"csrf_token": csrf_token(client, "/meldingen")})
    worker = factories.user([("verbindingsofficier", "DIE")])
    login(client, worker.email, factories.PASSWORD)
    page = client.get("/meldingen").get_data(as_text=True)
    assert "Meldingen" in page and 'id="overdue"' not in page  # the FG's list, not everyone's


def test_notices_say_more_than_the_bound_of_overdue_datalekken(client: FlaskClient, world: dict[str, Any],
                                                               monkeypatch: Any) -> None:
    """Counted no further than the bound: beyond it "meer dan", never the bound as the number."""
    monkeypatch.setattr(breaches, "COUNT_BOUND", 1)
    login(client, world["fg"].email, factories.PASSWORD)
    html = client.get("/meldingen").get_data(as_text=True)
    overdue = html[html.index('id="overdue"'):html.index("</section>", html.index('id="overdue"'))]
    assert "Meer dan 1 datalekken over de AP-termijn" in overdue and "Alle datalekken over de termijn" in overdue
    assert world["overdue"].reference in overdue and world["uithoorn"].reference in overdue  # the list itself


def test_register_exports_per_organisation_and_year(client: FlaskClient, world: dict[str, Any]) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    year = NOW.year
    response = client.get(f"/datalekken/register.csv?organisation=UIT&year={year}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert world["uithoorn"].reference in body and world["fresh"].reference not in body
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(rf'attachment; filename="datalekkenregister-UIT-{year}-\d{{8}}-\d{{4}}\.csv"', disposition)
    # the first organisation by default, and the name in local time (not UTC)
    default = client.get("/datalekken/register.xlsx")
    assert "datalekkenregister-DIE-alle-jaren-" in default.headers["Content-Disposition"]
    pdf = client.get("/datalekken/register.pdf?register-organisation=DIE&register-year="
                     f"{year}")
    text = "\n".join(page.extract_text() for page in PdfReader(__import__("io").BytesIO(pdf.data)).pages)
    assert "Samenvatting" in text and "Gemeld aan de AP" in text and "Totaal" in text
    assert text.index("Samenvatting") < text.index(world["late"].reference)
    assert world["uithoorn"].reference not in text
    ranged = client.get("/datalekken/register.csv?organisation=DIE&period_from="
                        f"{(NOW - dt.timedelta(days=14)).date().isoformat()}")
    assert world["fresh"].reference in ranged.get_data(as_text=True)
    assert world["late"].reference not in ranged.get_data(as_text=True)
    assert "-vanaf-" in ranged.headers["Content-Disposition"]
    # a controller the FG does not serve: 404, as everywhere; a bad period: 400
    assert client.get("/datalekken/register.pdf?organisation=OUD").status_code == 404
    assert client.get("/datalekken/register.pdf?organisation=XXX").status_code == 404
    assert client.get("/datalekken/register.csv?organisation=DIE&year=twee").status_code == 400


def test_file_name_uses_amsterdam_time(client: FlaskClient, world: dict[str, Any], monkeypatch: Any) -> None:
    login(client, world["fg"].email, factories.PASSWORD)
    fixed = to_utc(dt.datetime(2026, 12, 31, 23, 30), "Europe/Amsterdam")  # 22:30 UTC

    monkeypatch.setattr(breach_views, "utcnow", lambda: fixed)
    response = client.get("/datalekken/register.csv?organisation=DIE")
    assert "-20261231-2330.csv" in response.headers["Content-Disposition"]


# --- one form for the assessment and the decisions --------------------------------------------------------

def _assessment_fields(item: Any) -> dict[str, Any]:
    from bio_register.timeutil import to_local

    return {"aware_at": to_local(item.discovered_at).strftime("%Y-%m-%dT%H:%M"), "data_categories": ["naw"],
            "enisa_cb_confidentiality": "0", "enisa_cb_integrity": "0", "enisa_cb_availability": "0"}


def test_one_form_records_assessment_and_both_decisions_each_audited(client: FlaskClient) -> None:
    from sqlalchemy import select

    from bio_register.audit.models import AuditEvent

    fg = factories.user([("fg", "DIE")], name="Fenna de Vries")
    login(client, fg.email, factories.PASSWORD)
    item = _leak(title="Lijst met namen op de website", hours_ago=3)
    page = f"/incidenten/{item.id}/datalek"
    html = client.get(page).get_data(as_text=True)
    assert html.count('<button type="submit" class="button">Opslaan</button>') == 1
    assert "Besluit vastleggen</button>" not in html and ">Vastleggen</button>" not in html
    response = client.post(f"{page}/vastleggen", data={
        "csrf_token": csrf_token(client, page), **_assessment_fields(item),
        "besluit-notify": "ja", "besluit-motivation": "Namen en adressen openbaar: hoog risico.",
        "art34-notify": "ja", "art34-notified_at": "", "art34-channel": "brief"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert breaches.assessment_of(item) is not None
    assert [r.decision.notify for r in breaches.ap_rulings(item)] == [True]
    assert [r.decision.channel for r in breaches.subject_rulings(item)] == ["brief"]
    entities = set(db.session.scalars(select(AuditEvent.entity).where(AuditEvent.action == "create")))
    assert {"breach_assessment", "ap_decision", "data_subject_decision"} <= entities
    # the decision parts left empty: only the assessment is saved (unchanged: no new event)
    before = db.session.scalar(select(__import__("sqlalchemy").func.count()).select_from(AuditEvent))
    again = client.post(f"{page}/vastleggen", data={"csrf_token": csrf_token(client, page),
                                                    "version": "1", **_assessment_fields(item)})
    assert again.status_code == 302
    assert len(breaches.ap_rulings(item)) == 1 and len(breaches.subject_rulings(item)) == 1
    after = db.session.scalar(select(__import__("sqlalchemy").func.count()).select_from(AuditEvent))
    assert after == before


def test_one_form_keeps_nothing_when_a_part_is_refused(client: FlaskClient) -> None:
    fg = factories.user([("fg", "DIE")], name="Fenna de Vries")
    login(client, fg.email, factories.PASSWORD)
    item = _leak(title="Dossier gemaild", hours_ago=3)
    page = f"/incidenten/{item.id}/datalek"
    response = client.post(f"{page}/vastleggen", data={
        "csrf_token": csrf_token(client, page), **_assessment_fields(item),
        "besluit-notify": "nee", "besluit-motivation": "kort",          # the rule: a few words at least
        "art34-notify": "nee", "art34-ground": "no_high_risk"})   # and no explanation
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Motiveer het besluit in een paar woorden" in html
    assert "Licht toe waarom er geen hoog risico is" in html
    db.session.expire_all()
    assert breaches.assessment_of(item) is None and breaches.decisions_of(item) == []
    # what was typed stays in the form
    assert "Dossier gemaild" in html and "\nkort</textarea>" in html
