"""ENISA severity of a personal-data breach (advice for the FG).

ENISA, *Recommendations for a methodology of the assessment of severity of personal data
breaches*, v1.0, December 2013: ``SE = DPC × EI + CB``. Pure functions, exact decimal
arithmetic, so the band boundaries (2, 3, 4) are never missed by a rounding error.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

DPC_RANGE = (1, 4)


class EaseOfIdentification(enum.StrEnum):
    NEGLIGIBLE = "0.25"
    LIMITED = "0.5"
    SIGNIFICANT = "0.75"
    MAXIMUM = "1"


class Loss(enum.StrEnum):
    """A circumstance of the breach: none, the lesser (+0.25) or the greater (+0.5) loss."""

    NONE = "0"
    MINOR = "0.25"
    MAJOR = "0.5"


class Band(enum.StrEnum):
    LOW = "laag"
    MEDIUM = "gemiddeld"
    HIGH = "hoog"
    VERY_HIGH = "zeer hoog"


MALICIOUS_INTENT = Decimal("0.5")


@dataclass(frozen=True)
class Severity:
    dpc: int
    ei: Decimal
    cb: Decimal
    score: Decimal
    band: Band
    parts: dict[str, Decimal]


def band_for(score: Decimal) -> Band:
    """SE < 2 low; 2 ≤ SE < 3 medium; 3 ≤ SE < 4 high; SE ≥ 4 very high."""
    if score < 2:
        return Band.LOW
    if score < 3:
        return Band.MEDIUM
    if score < 4:
        return Band.HIGH
    return Band.VERY_HIGH


def severity(dpc: int, ei: EaseOfIdentification | str, *, confidentiality: Loss | str = Loss.NONE,
             integrity: Loss | str = Loss.NONE, availability: Loss | str = Loss.NONE,
             malicious: bool = False) -> Severity:
    """The score and its band from the assessor's inputs.

    ``dpc`` is the data processing context after the assessor's adjustment, 1–4 (with several
    categories of data, the highest counts). Raises ValueError for an input outside the method.
    """
    if type(dpc) is not int or not DPC_RANGE[0] <= dpc <= DPC_RANGE[1]:  # a bool is no number here
        raise ValueError("DPC must be a whole number from 1 to 4")
    ei_value = Decimal(EaseOfIdentification(ei).value)
    parts = {
        "confidentiality": Decimal(Loss(confidentiality).value),
        "integrity": Decimal(Loss(integrity).value),
        "availability": Decimal(Loss(availability).value),
        "malicious": MALICIOUS_INTENT if malicious else Decimal(0),
    }
    cb = sum(parts.values(), Decimal(0))
    score = Decimal(dpc) * ei_value + cb
    return Severity(dpc=dpc, ei=ei_value, cb=cb, score=score, band=band_for(score), parts=parts)
