"""The AP clock kept on the datalek (issue 23 item 5): ``ap_clock_running``, ``ap_aware_at`` and
``ap_notified_at`` stay equal to what the assessment, the decisions and the meldingen say after every
write; the overdue ones are 72 elapsed hours after the awareness; and the FG's overview read per
organisation and merged gives the same pages as one range over all of them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from bio_register.breaches import apform
from bio_register.breaches import services as breaches
from bio_register.breaches.models import NotificationKind
from bio_register.database import utcnow
from bio_register.extensions import db
from bio_register.incidents.models import Incident
from bio_register.timeutil import to_local, to_utc
from tests import factories

NOW = utcnow()


def _stored(item: Incident) -> tuple[bool, dt.datetime | None, dt.datetime | None, bool]:
    row = db.session.execute(select(Incident.ap_clock_running, Incident.ap_aware_at, Incident.ap_notified_at,
                                    Incident.ap_file_open).where(Incident.id == item.id)).one()
    return row.ap_clock_running, row.ap_aware_at, row.ap_notified_at, row.ap_file_open


def _expected(item: Incident) -> tuple[bool, dt.datetime | None, dt.datetime | None, bool]:
    """The same facts from the assessment, the decisions, the meldingen and the correspondence."""
    assessment = breaches.assessment_of(item)
    decisions = breaches.decisions_of(item)
    initial = next((n for n in breaches.notifications_of(item) if n.kind == NotificationKind.INITIAL), None)
    running = initial is None and (not decisions or decisions[0].notify)
    return (running, assessment.aware_at if assessment else None, initial.submitted_at if initial else None,
            apform.file_open_at_ap(item))


def test_the_stored_clock_follows_every_write() -> None:
    item = factories.incident(is_datalek=True, discovered_at=NOW - dt.timedelta(hours=30))
    fg = factories.fg_of("DIE")
    assert _stored(item) == _expected(item) == (True, None, None, False)  # logged: the clock runs from discovery

    assessment = factories.assess(item, fg=fg, aware_at=item.discovered_at + dt.timedelta(hours=2))
    assert _stored(item) == _expected(item)
    assert _stored(item)[1] == item.discovered_at + dt.timedelta(hours=2)
    data = {name: getattr(assessment, name) for name in breaches.ASSESSMENT_FIELDS}
    for name in (*breaches.LOSS_FIELDS, "enisa_ei"):
        data[name] = data[name].value if data[name] is not None else None
    breaches.save_assessment(fg, item, {**data, "aware_at": item.discovered_at + dt.timedelta(hours=5)})
    assert _stored(item)[1] == item.discovered_at + dt.timedelta(hours=5) and _stored(item) == _expected(item)

    breaches.decide(fg, item, False, "Geen risico voor betrokkenen: versleuteld.")
    assert _stored(item) == _expected(item) and _stored(item)[0] is False  # decided not to notify: stopped
    breaches.decide(fg, item, True, "Toch melden: de sleutel lag ernaast.")
    assert _stored(item) == _expected(item) and _stored(item)[0] is True  # the decision in force: runs again
    submitted = NOW - dt.timedelta(hours=1)
    breaches.record_notification(fg, item, "initial", submitted, "M-1")
    assert _stored(item) == _expected(item) == (False, item.discovered_at + dt.timedelta(hours=5), submitted, True)
    apform.record_correspondence(fg, item, "dossier_gesloten", NOW, None, "z-1")
    assert _stored(item) == _expected(item) and _stored(item)[3] is False
    db.session.commit()

    imported = factories.incident(is_datalek=True, discovered_at=NOW - dt.timedelta(days=400))
    breaches.record_imported_decision(None, imported, True, imported.discovered_at + dt.timedelta(hours=20),
                                      "Gemeld in 2025 (oud register).", "M-2025-7", recorded_by=fg, source="test")
    assert _stored(imported) == _expected(imported)
    assert _stored(imported)[:3] == (False, None, imported.discovered_at + dt.timedelta(hours=20))


def test_overdue_is_72_elapsed_hours_across_the_clock_change() -> None:
    """Aware on Friday 23 October 2026 at 12:00 in Amsterdam (summer time); the clocks go back on
    Sunday: 72 elapsed hours end on Monday at 11:00 local (10:00 UTC), not at 12:00."""
    aware = to_utc(dt.datetime(2026, 10, 23, 12, 0), "Europe/Amsterdam")
    item = factories.incident(is_datalek=True, discovered_at=aware - dt.timedelta(hours=1))
    fg = factories.fg_of("DIE")
    factories.assess(item, fg=fg, aware_at=aware)
    db.session.commit()
    deadline = aware + dt.timedelta(hours=72)
    assert to_local(deadline, "Europe/Amsterdam").replace(tzinfo=None) == dt.datetime(2026, 10, 26, 11, 0)

    def overdue(now: dt.datetime) -> list[int]:
        return [row.incident.id for row in breaches.overdue(fg, now).items]

    assert overdue(deadline - dt.timedelta(minutes=1)) == []
    assert overdue(deadline + dt.timedelta(minutes=1)) == [item.id]
    page = breaches.overdue(fg, deadline + dt.timedelta(minutes=1))
    assert page.items[0].deadline == deadline and page.total == 1


def _mixed_datalekken(codes: tuple[str, ...]) -> Any:
    """Open datalekken in every state across organisations, with ties in the awareness."""
    fg = factories.user([("fg", code) for code in codes], name="Fenna de Vries")
    base = NOW - dt.timedelta(days=20)
    for n in range(18):
        code = codes[n % len(codes)]
        item = factories.incident(code, is_datalek=True, discovered_at=base + dt.timedelta(hours=13 * (n % 7)),
                                  title=f"Datalek {n}")
        if n % 3 == 0:  # assessed later than discovered: its clock starts at the awareness
            factories.assess(item, fg=factories.fg_of(code), aware_at=item.discovered_at + dt.timedelta(hours=n))
        if n % 5 == 1:
            factories.decide_not_to_notify(item, fg=factories.fg_of(code))
        if n % 5 == 2:
            if breaches.assessment_of(item) is None:
                factories.assess(item, fg=factories.fg_of(code))
            breaches.decide(factories.fg_of(code), item, True, "Melden: hoog risico voor betrokkenen.")
        if n % 7 == 3:
            if breaches.assessment_of(item) is None:
                factories.assess(item, fg=factories.fg_of(code))
            breaches.decide(factories.fg_of(code), item, True, "Melden: hoog risico voor betrokkenen.")
            breaches.record_notification(factories.fg_of(code), item, "initial",
                                         item.discovered_at + dt.timedelta(hours=30), f"M-{n}", "Later gezien.")
        if n == 17:
            item.status = "afgehandeld"  # closed: in no open state
        db.session.commit()
    return fg


@pytest.mark.parametrize("state", ["open", "te_laat", "te_beoordelen", "besloten_melden"])
@pytest.mark.parametrize("descending", [False, True])
def test_read_per_organisation_and_merged_the_pages_are_those_of_one_range(state: str, descending: bool,
                                                                           monkeypatch: Any) -> None:
    fg = _mixed_datalekken(("DIE", "UIT", "OUD"))
    flt = breaches.BreachFilter(state=state, descending=descending)
    assert breaches._organisations_to_merge(fg, flt) is not None

    def pages() -> list[list[int]]:
        out, number = [], 1
        while True:
            page = breaches.list_overview(fg, flt, number, 4, now=NOW)
            out.append([row.incident.id for row in page.items])
            if not page.has_next:
                return out
            number += 1

    merged = pages()
    monkeypatch.setattr(breaches, "MERGE_ORGANISATIONS", 1)  # one range over the three organisations
    assert breaches._organisations_to_merge(fg, flt) is None
    assert merged == pages()
    assert any(merged)
    if state == "open" and not descending:  # the working order of the start page's overview
        assert [i for page in merged for i in page] == [
            row.incident.id for row in breaches.overview(fg, NOW, include_closed=False)]
