"""Labels for the datalek pages (translatable)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bio_register.breaches import catalog
from bio_register.breaches.catalog import CORRESPONDENCE_LABELS, GROUND_LABELS, KIND_LABELS, PHASE_LABELS
from bio_register.i18n import lazy_gettext as _l
from bio_register.processing.labels import ART9_GROUNDS, LEGAL_BASES

STATES = {
    "te_beoordelen": _l("te beoordelen"),
    "besloten": _l("besloten"),
    "gemeld": _l("gemeld bij de AP"),
    "afgesloten": _l("afgesloten"),
}


def state_labels() -> dict[str, str]:
    """Every state's label in the current language, translated once (for a table of hundreds of rows)."""
    return {state: str(label) for state, label in STATES.items()}


def _join(codes: Iterable[str] | None, labels: Mapping[str, Any]) -> str:
    return ", ".join(str(labels.get(code, code)) for code in (codes or []))


def enisa_cb(assessment: Any) -> str:
    """The circumstances of the breach as the sum of its parts, in the user's number format (0,25)."""
    from flask_babel import format_decimal

    parts = [assessment.enisa_cb_confidentiality.value, assessment.enisa_cb_integrity.value,
             assessment.enisa_cb_availability.value, "0.5" if assessment.enisa_cb_malicious else "0"]
    return " + ".join(str(format_decimal(float(part))) for part in parts)


TEMPLATE_HELPERS = {
    "breach_state_label": lambda state: str(STATES.get(state, state)),
    "data_category_labels": lambda codes: _join(codes, catalog.DATA_CATEGORIES),
    "special_category_labels": lambda codes: _join(codes, catalog.SPECIAL_CATEGORIES),
    "subject_category_labels": lambda codes: _join(codes, catalog.SUBJECT_CATEGORIES),
    "notification_kind_label": lambda kind: str(KIND_LABELS[kind]),
    "ground_label": lambda ground: str(GROUND_LABELS[ground]),
    "phase_label": lambda phase: str(PHASE_LABELS[phase]),
    "correspondence_kind_label": lambda kind: str(CORRESPONDENCE_LABELS[kind]),
    "enisa_cb": enisa_cb,
    "legal_basis_labels": lambda codes: _join(codes, LEGAL_BASES),
    "art9_ground_labels": lambda codes: _join(codes, ART9_GROUNDS),
}
