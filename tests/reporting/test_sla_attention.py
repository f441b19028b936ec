"""The quarterly report counts the incidents past their target handling time (issue 22, item 1)."""

from __future__ import annotations

from bio_register.incidents import sla
from bio_register.reporting import services as reporting
from bio_register.timeutil import quarter
from tests import factories
from tests.reporting.test_reporting import NOW, ams, log


def _line(code: str) -> list[str]:
    data = reporting.quarterly_data(reporting.resolve_scope(code), quarter(2026, 3), version=1, generated_at=NOW)
    return [item for item in data.attention if "streeftijd" in item]


def test_the_attention_items_count_incidents_past_their_target_at_the_quarters_end() -> None:
    late_medium = log(discovered_at=ams(2026, 9, 5, 12, 0), severity="midden")     # 26 days > 20
    late_critical = log(discovered_at=ams(2026, 9, 20, 12, 0), severity="kritiek")  # 11 days > 2
    log(discovered_at=ams(2026, 9, 5, 12, 0), severity="laag")                    # 26 days < 60
    log(discovered_at=ams(2026, 9, 29, 12, 0), severity="hoog")                   # 1.5 days < 5
    log(discovered_at=ams(2026, 10, 5, 12, 0), severity="kritiek")                # after the quarter
    assert _line("DIE") == [f"2 open incidenten staan langer open dan de streeftijd voor hun ernst: "
                            f"{late_medium.reference}, {late_critical.reference}."]
    only = log("UIT", discovered_at=ams(2026, 8, 1, 12, 0), severity="midden")
    assert _line("UIT") == [f"1 open incident staat langer open dan de streeftijd voor hun ernst: {only.reference}."]
    # with UIT's own, longer target it is in time
    sla.set_targets(factories.user([("beheerder", "DUO")]), factories.organisation("UIT"),
                    {"kritiek": 2, "hoog": 5, "midden": 90, "laag": 90})
    assert _line("UIT") == []
