"""What each report to the CSIRT must hold under the Cbw (NIS2 art. 23(4)), and its checks.

A rule module without a database: the items per phase in the order of art. 23(4) (the order of
the copy view and the PDF), which are required, and :func:`clean` which checks answers given for a
phase. :func:`missing` says what a phase still lacks before it may be recorded as sent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bio_register.breaches.models import CbwPhase
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.validation import Errors

MAX_TEXT = 20_000
YES_NO = "yes_no"
TEXT = "text"


@dataclass(frozen=True)
class Item:
    key: str
    kind: str  # YES_NO or TEXT
    label: Any
    required: bool
    help: Any = ""


#: per phase the items of NIS2 art. 23(4), in its order
PHASE_ITEMS: dict[CbwPhase, tuple[Item, ...]] = {
    CbwPhase.EARLY_WARNING: (
        Item("malicious_suspected", YES_NO,
             _l("Vermoeden dat het incident door een onrechtmatige of kwaadwillige handeling is veroorzaakt"), True,
             _l("NIS2 art. 23(4)(a).")),
        Item("cross_border_possible", YES_NO, _l("Mogelijk grensoverschrijdende gevolgen"), True,
             _l("NIS2 art. 23(4)(a).")),
        Item("early_warning_details", TEXT, _l("Toelichting"), False),
    ),
    CbwPhase.NOTIFICATION: (
        Item("update", TEXT, _l("Bijwerking van de vroegtijdige waarschuwing"), False, _l("NIS2 art. 23(4)(b).")),
        Item("severity_impact", TEXT, _l("Eerste beoordeling van de ernst en de gevolgen"), True,
             _l("NIS2 art. 23(4)(b).")),
        Item("indicators", TEXT, _l("Indicatoren van aantasting (IoC's)"), True,
             _l("Waar beschikbaar (NIS2 art. 23(4)(b)); zijn er geen, schrijf dat op.")),
    ),
    CbwPhase.INTERIM: (
        Item("progress", TEXT, _l("Stand van zaken: het incident loopt nog"), True,
             _l("Voortgangsverslag (NIS2 art. 23(4)(e)); het eindverslag volgt binnen een maand na de afhandeling.")),
        Item("severity_impact", TEXT, _l("Ernst en gevolgen tot nu toe"), False),
        Item("mitigation_applied", TEXT, _l("Toegepaste risicobeperkende maatregelen tot nu toe"), False),
    ),
    CbwPhase.FINAL: (
        Item("severity_impact", TEXT, _l("Ernst en gevolgen (uitgebreide beschrijving)"), True,
             _l("NIS2 art. 23(4)(d)(i).")),
        Item("root_cause", TEXT, _l("Soort dreiging of grondoorzaak"), True, _l("NIS2 art. 23(4)(d)(ii).")),
        Item("mitigation_applied", TEXT, _l("Toegepaste risicobeperkende maatregelen"), True,
             _l("NIS2 art. 23(4)(d)(iii).")),
        Item("mitigation_ongoing", TEXT, _l("Lopende risicobeperkende maatregelen"), True,
             _l("NIS2 art. 23(4)(d)(iii); zijn er geen, schrijf dat op.")),
        Item("cross_border_impact", TEXT, _l("Grensoverschrijdende gevolgen"), True,
             _l("NIS2 art. 23(4)(d)(iv); zijn er geen, schrijf dat op.")),
    ),
}

#: every item key of any phase (the API's flat fields)
ALL_KEYS: tuple[str, ...] = tuple(dict.fromkeys(item.key for items in PHASE_ITEMS.values() for item in items))

#: the Dutch words for a phase in page URLs
SLUGS: dict[CbwPhase, str] = {
    CbwPhase.EARLY_WARNING: "vroegtijdige-waarschuwing", CbwPhase.NOTIFICATION: "incidentmelding",
    CbwPhase.INTERIM: "tussentijds-verslag", CbwPhase.FINAL: "eindverslag",
}
BY_SLUG = {slug: phase for phase, slug in SLUGS.items()}


def item(phase: CbwPhase, key: str) -> Item | None:
    return next((i for i in PHASE_ITEMS[phase] if i.key == key), None)


def clean(errors: Errors, phase: CbwPhase, data: Mapping[str, Any]) -> dict[str, Any]:
    """The answers given for ``phase`` checked; an item of another phase is refused by name."""
    out: dict[str, Any] = {}
    for key in data:
        if item(phase, key) is None:
            errors.add(key, _("Dit veld hoort niet bij deze fase van de Cbw-melding."))
    for entry in PHASE_ITEMS[phase]:
        if entry.key not in data:
            continue
        value = data[entry.key]
        if entry.kind == YES_NO:
            if value is None or value == "":
                out[entry.key] = None
            elif isinstance(value, bool):
                out[entry.key] = value
            else:
                errors.add(entry.key, _("Kies ja of nee."))
        else:
            out[entry.key] = errors.text(entry.key, value, max_length=MAX_TEXT)
    return out


def missing(phase: CbwPhase, answers: Mapping[str, Any]) -> list[Item]:
    """The required items of ``phase`` without an answer."""
    return [entry for entry in PHASE_ITEMS[phase]
            if entry.required and (answers.get(entry.key) is None or answers.get(entry.key) == "")]


def answer_text(entry: Item, value: Any) -> str:
    """An answer as it is copied into the CSIRT's form ("" when there is none)."""
    if value is None or value == "":
        return ""
    if entry.kind == YES_NO:
        return str(_("Ja") if value else _("Nee"))
    return str(value)
