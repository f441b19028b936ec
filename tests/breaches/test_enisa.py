"""The ENISA severity score (SE = DPC × EI + CB) and its bands: pure functions, exact decimals."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bio_register.breaches import enisa
from bio_register.breaches.enisa import Band, EaseOfIdentification, Loss

D = Decimal


# --- band boundaries --------------------------------------------------------------------------------

@pytest.mark.parametrize(("score", "band"), [
    (D("0"), Band.LOW),
    (D("1.99"), Band.LOW),
    (D("1.999999"), Band.LOW),
    (D("2"), Band.MEDIUM),
    (D("2.00"), Band.MEDIUM),
    (D("2.99"), Band.MEDIUM),
    (D("3"), Band.HIGH),
    (D("3.0"), Band.HIGH),
    (D("3.99"), Band.HIGH),
    (D("4"), Band.VERY_HIGH),
    (D("4.00"), Band.VERY_HIGH),
    (D("6"), Band.VERY_HIGH),
])
def test_band_for_every_boundary(score: Decimal, band: Band) -> None:
    assert enisa.band_for(score) == band


def test_band_labels_are_the_dutch_words_the_fg_sees() -> None:
    assert [b.value for b in Band] == ["laag", "gemiddeld", "hoog", "zeer hoog"]


# --- real input combinations on the boundaries ---------------------------------------------------------

@pytest.mark.parametrize(("dpc", "ei", "cb", "score", "band"), [
    # DPC × EI alone
    (1, "0.25", {}, D("0.25"), Band.LOW),
    (4, "0.25", {}, D("1"), Band.LOW),
    (3, "0.5", {}, D("1.5"), Band.LOW),
    (4, "0.5", {}, D("2"), Band.MEDIUM),
    (2, "1", {}, D("2"), Band.MEDIUM),
    (3, "0.75", {}, D("2.25"), Band.MEDIUM),
    (3, "1", {}, D("3"), Band.HIGH),
    (4, "0.75", {}, D("3"), Band.HIGH),
    (4, "1", {}, D("4"), Band.VERY_HIGH),
    # with circumstances of the breach
    (1, "1", {"confidentiality": "0.5", "integrity": "0.5"}, D("2"), Band.MEDIUM),
    (1, "1", {"confidentiality": "0.5", "integrity": "0.25"}, D("1.75"), Band.LOW),
    (2, "0.75", {"confidentiality": "0.25", "availability": "0.25"}, D("2.0"), Band.MEDIUM),
    (2, "0.75", {"confidentiality": "0.25", "integrity": "0.25", "availability": "0.25"}, D("2.25"),
     Band.MEDIUM),
    (2, "1", {"malicious": True, "confidentiality": "0.5"}, D("3"), Band.HIGH),
    (3, "0.75", {"availability": "0.5", "integrity": "0.25"}, D("3"), Band.HIGH),
    (3, "1", {"confidentiality": "0.5", "malicious": True}, D("4"), Band.VERY_HIGH),
    (4, "1", {"confidentiality": "0.5", "integrity": "0.5", "availability": "0.5", "malicious": True},
     D("6"), Band.VERY_HIGH),
])
def test_score_and_band_from_inputs(dpc: int, ei: str, cb: dict, score: Decimal, band: Band) -> None:
    result = enisa.severity(dpc, ei, **cb)
    assert result.score == score
    assert result.band == band


def test_no_float_error_on_the_boundary() -> None:
    """2 × 0.75 + 0.25 + 0.25 is exactly 2 (in floats 0.75 and 0.25 are exact, but the method must not
    depend on that): the band is gemiddeld, and the score is a Decimal, not a float."""
    result = enisa.severity(2, EaseOfIdentification.SIGNIFICANT, confidentiality=Loss.MINOR,
                            availability=Loss.MINOR)
    assert isinstance(result.score, Decimal)
    assert result.score == D("2")
    assert result.band == Band.MEDIUM
    assert result.dpc == 2
    assert result.ei == D("0.75")
    assert result.cb == D("0.5")


def test_enum_members_and_their_string_values_give_the_same_result() -> None:
    by_enum = enisa.severity(3, EaseOfIdentification.LIMITED, confidentiality=Loss.MAJOR, integrity=Loss.MINOR)
    by_text = enisa.severity(3, "0.5", confidentiality="0.5", integrity="0.25")
    assert by_enum == by_text
    assert by_enum.score == D("2.25")


# --- circumstances of the breach ---------------------------------------------------------------------------

def test_mixed_circumstances_are_summed() -> None:
    result = enisa.severity(1, "0.25", confidentiality="0.5", integrity="0.25", availability="0.25",
                            malicious=True)
    assert result.cb == D("1.5")
    assert result.score == D("0.25") + D("1.5")
    assert result.band == Band.LOW


def test_parts_name_each_circumstance() -> None:
    result = enisa.severity(2, "0.5", confidentiality="0.5", integrity="0.25", availability="0.25",
                            malicious=True)
    assert result.parts == {
        "confidentiality": D("0.5"), "integrity": D("0.25"), "availability": D("0.25"), "malicious": D("0.5"),
    }
    assert sum(result.parts.values()) == result.cb


def test_without_circumstances_every_part_is_zero() -> None:
    result = enisa.severity(2, "0.5")
    assert result.parts == {"confidentiality": D(0), "integrity": D(0), "availability": D(0), "malicious": D(0)}
    assert result.cb == 0
    assert result.score == D("1")


def test_malicious_false_adds_nothing() -> None:
    assert enisa.severity(4, "0.5", malicious=False).score == D("2")
    assert enisa.severity(4, "0.5", malicious=True).score == D("2.5")


# --- invalid inputs -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("dpc", [0, 5, -1, 2.5, True, False, "3", None, D("2")])
def test_dpc_outside_the_method_is_refused(dpc: object) -> None:
    with pytest.raises(ValueError, match="DPC"):
        enisa.severity(dpc, "1")  # type: ignore[arg-type]


@pytest.mark.parametrize("ei", ["0.3", "0", "2", "", "0.50", 0.5, None])
def test_ease_of_identification_outside_the_method_is_refused(ei: object) -> None:
    with pytest.raises(ValueError):
        enisa.severity(2, ei)  # type: ignore[arg-type]


@pytest.mark.parametrize("part", ["confidentiality", "integrity", "availability"])
@pytest.mark.parametrize("loss", ["0.75", "1", "-0.25", "0.3"])
def test_loss_outside_the_method_is_refused(part: str, loss: str) -> None:
    with pytest.raises(ValueError):
        enisa.severity(2, "0.5", **{part: loss})
