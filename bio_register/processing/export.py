"""The verwerkingsregister as a spreadsheet (XLSX, CSV): one row per verwerking, in Dutch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from bio_register import spreadsheet
from bio_register.i18n import gettext as _
from bio_register.processing import labels
from bio_register.processing.models import ProcessingActivity

KEYS = ("organisation", "name", "purpose", "legal_basis", "art9_ground", "subject_categories", "data_categories",
        "special_categories", "bsn", "recipients", "processors", "outside_eea", "outside_eea_details", "retention",
        "security_measures", "dpia_required", "dpia_done", "dpia_date", "dpia_link", "owner", "status")
WIDTHS = {"name": 30, "purpose": 40, "legal_basis": 28, "recipients": 30, "processors": 28, "retention": 28,
          "security_measures": 40}


def _yes(value: bool) -> str:
    return str(_("ja") if value else _("nee"))


def _names(keys: Sequence[str], table: dict[str, Any]) -> str:
    return "; ".join(str(table.get(k, k)) for k in keys)


def _cells(activity: ProcessingActivity) -> list[Any]:
    return [
        activity.organisation.code, activity.name, activity.purpose,
        str(labels.LEGAL_BASES.get(activity.legal_basis, activity.legal_basis)),
        str(labels.ART9_GROUNDS.get(activity.art9_ground, activity.art9_ground)) if activity.art9_ground else "",
        _names(activity.subject_categories, labels.SUBJECT_CATEGORIES),
        _names(activity.data_categories, labels.DATA_CATEGORIES),
        _names(activity.special_categories, labels.SPECIAL_CATEGORIES),
        _yes(activity.bsn), activity.recipients or "", "; ".join(p.name for p in activity.processors),
        _yes(activity.outside_eea), activity.outside_eea_details or "", activity.retention or "",
        activity.security_measures or "", _yes(activity.dpia_required), _yes(activity.dpia_done),
        activity.dpia_date.strftime("%d-%m-%Y") if activity.dpia_date else "", activity.dpia_link or "",
        activity.owner or "", str(labels.STATUS[activity.status]),
    ]


def headers() -> list[str]:
    return [str(labels.FIELD[key]) for key in KEYS]


def to_csv(activities: Iterable[ProcessingActivity]) -> bytes:
    return spreadsheet.to_csv(headers(), (_cells(a) for a in activities))


def to_xlsx(activities: Iterable[ProcessingActivity]) -> bytes:
    columns = list(zip(KEYS, headers(), strict=True))
    return spreadsheet.to_xlsx(str(_("Verwerkingsregister")), columns, (_cells(a) for a in activities),
                               widths=WIDTHS, wrap=True)
