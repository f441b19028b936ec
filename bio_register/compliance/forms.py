from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.measures.forms import CheckboxesField, DateField

STATUS_LABELS = {"niet": _l("niet geïmplementeerd"), "gedeeltelijk": _l("gedeeltelijk geïmplementeerd"),
                 "volledig": _l("volledig geïmplementeerd")}


#: what each status of opzet, bestaan and werking reads as
ASPECT_STATUS_LABELS = {"voldoet": _l("voldoet"), "voldoet_gedeeltelijk": _l("voldoet gedeeltelijk"),
                        "voldoet_niet": _l("voldoet niet"), "niet_beoordeeld": _l("niet beoordeeld")}
#: the aspects' names as the user reads them
ASPECT_LABELS = {"opzet": _l("Opzet"), "bestaan": _l("Bestaan"), "werking": _l("Werking")}
ASPECT_HINTS = {"opzet": _l("Is de beheersmaatregel goed ontworpen (beleid, procedure, inrichting)?"),
                "bestaan": _l("Is de beheersmaatregel op een moment aantoonbaar ingevoerd?"),
                "werking": _l("Werkt de beheersmaatregel aantoonbaar over een periode? „Voldoet” vraagt om bewijs.")}


def _status(label: Any) -> SelectField:
    return SelectField(label, choices=choices(ASPECT_STATUS_LABELS.items()), default="niet_beoordeeld",
                       validators=[Optional()])


def _assessed_on() -> DateField:
    return DateField(_l("Beoordeeld op"), validators=[Optional()], description=_l("Leeg: vandaag."))


def _assessed_by() -> StringField:
    return StringField(_l("Beoordeeld door"), validators=[Optional(), Length(max=200)],
                       description=_l("Een naam, bijvoorbeeld van de IT-auditor. Leeg: uzelf."))


def _evidence() -> TextAreaField:
    return TextAreaField(_l("Bewijs"), validators=[Optional(), Length(max=20_000)])


def _attachments() -> CheckboxesField:
    return CheckboxesField(_l("Bewijsstukken"), coerce=int)


class AssessmentForm(FlaskForm):
    applicable = RadioField(_l("Van toepassing?"), choices=choices([("ja", _l("Ja")), ("nee", _l("Nee"))]),
                            validators=[InputRequired(_l("Kies ja of nee."))])
    status = SelectField(_l("Implementatie"), choices=choices([("", _l("— kies —")), *STATUS_LABELS.items()]),
                         validators=[Optional()])
    justification = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=20_000)],
                                  description=_l("Verplicht als deze beheersmaatregel of overheidsmaatregel niet "
                                                 "van toepassing is."))
    evidence = TextAreaField(_l("Bewijs"), validators=[Optional(), Length(max=20_000)],
                             description=_l("Waar blijkt de implementatie uit?"))
    evidence_links = TextAreaField(_l("Links naar bewijs"), validators=[Optional(), Length(max=10_000)],
                                   description=_l("Eén link per regel (https://…)."))
    owner = StringField(_l("Eigenaar"), validators=[Optional(), Length(max=200)])
    opzet_status = _status(_l("Opzet"))
    opzet_assessed_on = _assessed_on()
    opzet_assessed_by = _assessed_by()
    opzet_evidence = _evidence()
    opzet_attachments = _attachments()
    bestaan_status = _status(_l("Bestaan"))
    bestaan_assessed_on = _assessed_on()
    bestaan_assessed_by = _assessed_by()
    bestaan_evidence = _evidence()
    bestaan_attachments = _attachments()
    werking_status = _status(_l("Werking"))
    werking_assessed_on = _assessed_on()
    werking_assessed_by = _assessed_by()
    werking_evidence = _evidence()
    werking_attachments = _attachments()


class EvidenceItemForm(FlaskForm):
    """The owner, date and review date of one piece of evidence (prefixed per piece on the page)."""

    owner_id = SelectField(_l("Eigenaar"), choices=[], validators=[Optional()],
                           description=_l("Een medewerker van de organisatie, of vul hieronder een naam in."))
    owner_name = StringField(_l("Of een naam"), validators=[Optional(), Length(max=200)],
                             description=_l("Voor een eigenaar zonder account."))
    evidence_date = DateField(_l("Datum van het bewijs"), validators=[InputRequired(_l("Geef een datum."))])
    review_date = DateField(_l("Herbeoordelen uiterlijk"), validators=[Optional()],
                            description=_l("Leeg: de datum plus de standaardtermijn van de organisatie."))


class EvidencePeriodForm(FlaskForm):
    """The organisation's default life of evidence, in months."""

    months = IntegerField(_l("Standaardtermijn van bewijs (maanden)"),
                          validators=[InputRequired(_l("Geef een aantal maanden.")),
                                      NumberRange(min=1, max=60, message=_l("Geef 1 tot en met 60 maanden."))],
                          description=_l("Nieuw bewijs moet zoveel maanden na zijn datum worden herbeoordeeld."))
