from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from bio_register.breaches import catalog, cbwcontent
from bio_register.breaches.catalog import (
    CORRESPONDENCE_LABELS,
    GROUND_LABELS,
    KIND_LABELS,
    OWN_SEVERITY_LABELS,
    PHASE_LABELS,
)
from bio_register.breaches.enisa import EaseOfIdentification, Loss
from bio_register.breaches.models import CbwPhase
from bio_register.fields import LocalDateTimeField
from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.forms import severity_choices
from bio_register.processing.labels import ART9_GROUNDS, LEGAL_BASES

MAX_TEXT = 20_000


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


YES_NO = choices([("ja", _l("Ja")), ("nee", _l("Nee"))])

EI_LABELS = {
    EaseOfIdentification.NEGLIGIBLE: _l("0,25 — verwaarloosbaar"),
    EaseOfIdentification.LIMITED: _l("0,5 — beperkt"),
    EaseOfIdentification.SIGNIFICANT: _l("0,75 — aanzienlijk"),
    EaseOfIdentification.MAXIMUM: _l("1 — maximaal"),
}
LOSS_LABELS = {
    "confidentiality": {Loss.NONE: _l("0 — geen"), Loss.MINOR: _l("+0,25 — naar bekende ontvangers"),
                        Loss.MAJOR: _l("+0,5 — naar een onbekend aantal ontvangers")},
    "integrity": {Loss.NONE: _l("0 — geen"), Loss.MINOR: _l("+0,25 — gewijzigd, te herstellen"),
                  Loss.MAJOR: _l("+0,5 — gewijzigd, niet te herstellen")},
    "availability": {Loss.NONE: _l("0 — geen"), Loss.MINOR: _l("+0,25 — tijdelijk"),
                     Loss.MAJOR: _l("+0,5 — blijvend")},
}
DPC_LABELS = [("", _l("— nog niet bepaald —")), ("1", _l("1 — eenvoudige gegevens")),
              ("2", _l("2 — gedragsgegevens")), ("3", _l("3 — financiële gegevens")),
              ("4", _l("4 — gevoelige gegevens"))]



class AssessmentForm(FlaskForm):
    version = HiddenField()
    aware_at = LocalDateTimeField(_l("Bewust geworden op"), validators=[InputRequired(_l("Vul dit moment in."))],
                                  description=_l("Het moment waarop de organisatie wist van het datalek: "
                                                 "hier begint de termijn van 72 uur."))
    data_categories = CheckboxesField(_l("Soorten persoonsgegevens"),
                                      choices=choices(catalog.DATA_CATEGORIES.items()))
    bsn = BooleanField(_l("Burgerservicenummer (BSN)"))
    special_categories = CheckboxesField(_l("Bijzondere persoonsgegevens (art. 9 AVG)"),
                                         choices=choices(catalog.SPECIAL_CATEGORIES.items()))
    criminal_data = BooleanField(_l("Strafrechtelijke gegevens (art. 10 AVG)"))
    subject_categories = CheckboxesField(_l("Betrokkenen"), choices=choices(catalog.SUBJECT_CATEGORIES.items()))
    legal_bases = CheckboxesField(_l("Grondslag van de verwerking (art. 6 AVG)"), choices=choices(LEGAL_BASES.items()))
    art9_grounds = CheckboxesField(_l("Uitzonderingsgrond bijzondere persoonsgegevens (art. 9 lid 2 AVG)"),
                                   choices=choices(ART9_GROUNDS.items()))
    subjects_count = IntegerField(_l("Aantal betrokkenen (ongeveer)"),
                                  validators=[Optional(), NumberRange(min=0, message=_l("Niet negatief."))])
    records_count = IntegerField(_l("Aantal records (ongeveer)"),
                                 validators=[Optional(), NumberRange(min=0, message=_l("Niet negatief."))])
    nature_confidentiality = BooleanField(_l("Inbreuk op de vertrouwelijkheid (gegevens ingezien of verstrekt)"))
    nature_integrity = BooleanField(_l("Inbreuk op de integriteit (gegevens gewijzigd)"))
    nature_availability = BooleanField(_l("Inbreuk op de beschikbaarheid (gegevens kwijt of onbereikbaar)"))
    unintelligible = BooleanField(_l("Gegevens waren onbegrijpelijk voor anderen (versleuteld, sleutel veilig)"))
    processor_involved = BooleanField(_l("Een verwerker is betrokken"))
    processor_name = StringField(_l("Naam van de verwerker"), validators=[Optional(), Length(max=200)])
    cross_border = BooleanField(_l("Grensoverschrijdend (betrokkenen in andere EU-landen)"))
    ongoing = BooleanField(_l("Het datalek loopt nog"))
    likely_consequences = TextAreaField(_l("Waarschijnlijke gevolgen voor betrokkenen"),
                                        validators=[Optional(), Length(max=MAX_TEXT)])
    measures_taken = TextAreaField(_l("Genomen of voorgestelde maatregelen"),
                                   validators=[Optional(), Length(max=MAX_TEXT)])
    enisa_dpc = SelectField(_l("DPC — context van de gegevensverwerking"), choices=choices(DPC_LABELS),
                            validators=[Optional()],
                            description=_l("Bij meerdere soorten telt de hoogste; pas aan voor context."))
    enisa_ei = SelectField(_l("EI — identificeerbaarheid"),
                           choices=choices([("", _l("— nog niet bepaald —")),
                                            *((k.value, v) for k, v in EI_LABELS.items())]),
                           validators=[Optional()])
    enisa_cb_confidentiality = SelectField(
        _l("CB — verlies van vertrouwelijkheid"),
        choices=choices((k.value, v) for k, v in LOSS_LABELS["confidentiality"].items()))
    enisa_cb_integrity = SelectField(_l("CB — verlies van integriteit"),
                                     choices=choices((k.value, v) for k, v in LOSS_LABELS["integrity"].items()))
    enisa_cb_availability = SelectField(_l("CB — verlies van beschikbaarheid"),
                                        choices=choices((k.value, v) for k, v in LOSS_LABELS["availability"].items()))
    enisa_cb_malicious = BooleanField(_l("CB — kwade opzet (+0,5)"))


ASSESSMENT_FORM_FIELDS = (
    "aware_at", "data_categories", "special_categories", "bsn", "criminal_data", "subject_categories",
    "legal_bases", "art9_grounds", "subjects_count", "records_count", "nature_confidentiality", "nature_integrity",
    "nature_availability",
    "unintelligible", "processor_involved", "processor_name", "cross_border", "ongoing", "likely_consequences",
    "measures_taken", "enisa_dpc", "enisa_ei", "enisa_cb_confidentiality", "enisa_cb_integrity",
    "enisa_cb_availability", "enisa_cb_malicious",
)


def assessment_data(form: AssessmentForm) -> dict[str, Any]:
    data = {name: getattr(form, name).data for name in ASSESSMENT_FORM_FIELDS}
    data["enisa_dpc"] = int(data["enisa_dpc"]) if data["enisa_dpc"] else None
    data["enisa_ei"] = data["enisa_ei"] or None
    return data


class DecisionForm(FlaskForm):
    # Ids of their own: several forms share one page, and a label must point at its own input.
    notify = RadioField(_l("Melden bij de Autoriteit Persoonsgegevens?"), choices=YES_NO, id="decision-notify",
                        validators=[InputRequired(_l("Kies ja of nee."))])
    motivation = TextAreaField(_l("Motivering"), validators=[InputRequired(_l("Motiveer het besluit.")),
                                                              Length(max=MAX_TEXT)],
                               description=_l("Verplicht, ook bij niet melden (art. 33 lid 5 AVG)."))


class NotificationForm(FlaskForm):
    kind = SelectField(_l("Soort melding"), choices=choices((k.value, v) for k, v in KIND_LABELS.items()))
    submitted_at = LocalDateTimeField(_l("Gemeld op"), validators=[InputRequired(_l("Vul in wanneer."))],
                                      id="notification-submitted_at")
    meldnummer = StringField(_l("Meldnummer van de AP"), validators=[InputRequired(_l("Vul het meldnummer in.")),
                                                                      Length(max=50)])
    late_reason = TextAreaField(_l("Reden van de vertraging"), validators=[Optional(), Length(max=MAX_TEXT)],
                                description=_l("Verplicht als de eerste melding na 72 uur is gedaan."))


class SubjectsForm(FlaskForm):
    notify = RadioField(_l("Worden de betrokkenen geïnformeerd (art. 34 AVG)?"), choices=YES_NO, id="subjects-notify",
                        validators=[InputRequired(_l("Kies ja of nee."))])
    ground = SelectField(_l("Grond om niet te informeren"),
                         choices=choices([("", _l("— niet van toepassing —")),
                                          *((k.value, v) for k, v in GROUND_LABELS.items())]),
                         validators=[Optional()])
    explanation = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=MAX_TEXT)],
                                description=_l("Bij een openbare mededeling: wat is er gepubliceerd?"))
    notified_at = LocalDateTimeField(_l("Geïnformeerd op"), validators=[Optional()])
    channel = StringField(_l("Hoe (brief, e-mail, telefoon, website)"), validators=[Optional(), Length(max=200)])


class CbwForm(FlaskForm):
    phase = SelectField(_l("Fase"), choices=choices((k.value, v) for k, v in PHASE_LABELS.items()))
    submitted_at = LocalDateTimeField(_l("Gemeld op"), validators=[InputRequired(_l("Vul in wanneer."))],
                                      id="cbw-submitted_at")
    recipient = StringField(_l("Ontvanger (CSIRT)"), validators=[Optional(), Length(max=100)])
    reference = StringField(_l("Kenmerk van de ontvanger"), validators=[Optional(), Length(max=100)])
    summary = TextAreaField(_l("Samenvatting"), validators=[Optional(), Length(max=MAX_TEXT)])


class IbdCopyForm(FlaskForm):
    sent_at = LocalDateTimeField(_l("Geïnformeerd op"), validators=[InputRequired(_l("Vul in wanneer."))],
                                 id="ibd-sent_at")
    phase = SelectField(_l("Kopie van"), choices=choices([("", _l("— geen bepaalde melding —")),
                                                          *((k.value, v) for k, v in PHASE_LABELS.items())]),
                        validators=[Optional()])
    reference = StringField(_l("Kenmerk van de IBD"), validators=[Optional(), Length(max=100)])
    note = TextAreaField(_l("Notitie"), validators=[Optional(), Length(max=MAX_TEXT)])


class SignificanceForm(FlaskForm):
    """The motivation; the answers are read per question (``q-<id>``) from the posted form."""

    motivation = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=MAX_TEXT)])


def cbw_content_form(phase: CbwPhase, *, formdata: Any = None, data: Mapping[str, Any] | None = None,
                     handled_at: Any = None) -> FlaskForm:
    """A form of the items of one phase (NIS2 art. 23(4)); the final report's also asks when the
    incident was handled."""
    fields: dict[str, Any] = {}
    for item in cbwcontent.PHASE_ITEMS[phase]:
        label = item.label if not item.required else _l("%(label)s (verplicht)", label=item.label)
        if item.kind == cbwcontent.YES_NO:
            fields[item.key] = SelectField(label, choices=choices([("", _l("— nog niet ingevuld —")),
                                                                   ("ja", _l("Ja")), ("nee", _l("Nee"))]),
                                           validators=[Optional()], description=item.help)
        else:
            fields[item.key] = TextAreaField(label, validators=[Optional(), Length(max=MAX_TEXT)],
                                             description=item.help)
    if phase in (CbwPhase.INTERIM, CbwPhase.FINAL):
        fields["handled_at"] = LocalDateTimeField(
            _l("Incident afgehandeld op"), validators=[Optional()], id=f"{phase.value}-handled_at",
            description=_l("Na een tussentijds verslag is het eindverslag een maand na de afhandeling nodig."))
    form_class = type(f"CbwContentForm_{phase.value}", (FlaskForm,), fields)
    values = {key: ("ja" if value is True else "nee" if value is False else value)
              for key, value in (data or {}).items()}
    if phase in (CbwPhase.INTERIM, CbwPhase.FINAL):
        values["handled_at"] = handled_at
    form: FlaskForm = form_class(formdata=formdata, prefix=phase.value, data=values)
    return form


def cbw_content_data(phase: CbwPhase, form: FlaskForm) -> dict[str, Any]:
    """The posted items of a phase as the service takes them."""
    out: dict[str, Any] = {}
    for item in cbwcontent.PHASE_ITEMS[phase]:
        value = getattr(form, item.key).data
        out[item.key] = yes_no(value) if item.kind == cbwcontent.YES_NO else value
    return out


def yes_no(value: Any) -> bool | None:
    return {"ja": True, "nee": False}.get(value)


STATE_CHOICES = [
    ("open", _l("open")), ("", _l("alle")), ("te_beoordelen", _l("te beoordelen (nog geen besluit)")),
    ("te_laat", _l("te laat (AP-termijn verstreken)")), ("besloten_melden", _l("besloten te melden, nog niet gemeld")),
    ("gemeld", _l("gemeld aan de AP")), ("niet_gemeld", _l("besloten niet te melden")),
    ("afgesloten", _l("afgesloten")),
]
OVERVIEW_SORT_CHOICES = [("termijn", _l("AP-termijn")), ("ontdekt", _l("Ontdekt op")),
                         ("gemeld", _l("Gemeld aan de AP op")), ("referentie", _l("Referentie"))]


class OverviewFilterForm(FlaskForm):
    """The FG's filters on ``/datalekken``, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=200)],
                    description=_l("In referentie en titel."))
    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    stand = SelectField(_l("Stand"), choices=choices(STATE_CHOICES), validators=[Optional()])
    period_from = StringField(_l("Ontdekt vanaf"), validators=[Optional()], render_kw={"type": "date"})
    period_until = StringField(_l("Ontdekt tot en met"), validators=[Optional()], render_kw={"type": "date"})
    sort = SelectField(_l("Sorteren op"), choices=choices(OVERVIEW_SORT_CHOICES), validators=[Optional()])
    order = SelectField(_l("Volgorde"), choices=choices([("asc", _l("oplopend")), ("desc", _l("aflopend"))]),
                        validators=[Optional()])


class RegisterForm(FlaskForm):
    """Which register to export: one organisation (one controller) and a period."""

    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    year = SelectField(_l("Jaar"), validators=[Optional()],
                       description=_l("Of kies een eigen periode met de datums hiernaast."))
    period_from = StringField(_l("Ontdekt vanaf"), validators=[Optional()], render_kw={"type": "date"})
    period_until = StringField(_l("Ontdekt tot en met"), validators=[Optional()], render_kw={"type": "date"})


class ApFormForm(FlaskForm):
    """The AP meldformulier's own questions (the rest is in the assessment and the decisions)."""

    version = HiddenField()
    contact_name = StringField(_l("Naam van de contactpersoon"), validators=[Optional(), Length(max=200)])
    contact_function = StringField(_l("Functie van de contactpersoon"), validators=[Optional(), Length(max=200)])
    contact_phone = StringField(_l("Telefoonnummer van de contactpersoon"), validators=[Optional(), Length(max=50)],
                                render_kw={"type": "tel", "autocomplete": "off"})
    contact_email = StringField(_l("E-mailadres van de contactpersoon"), validators=[Optional(), Length(max=254)],
                                render_kw={"type": "email", "autocomplete": "off"})
    other_organisations = TextAreaField(_l("Andere betrokken organisaties (naast de verwerker)"),
                                        validators=[Optional(), Length(max=MAX_TEXT)],
                                        description=_l("Bijvoorbeeld een ketenpartner, een andere gemeente of een "
                                                       "leverancier die geen verwerker is. Leeg: geen."))
    discovery = TextAreaField(_l("Hoe is het datalek ontdekt?"), validators=[Optional(), Length(max=MAX_TEXT)])
    ended_at = LocalDateTimeField(_l("Einde van het datalek"), validators=[Optional()],
                                  description=_l("Leeg laten zolang het datalek nog gaande is (vink dat aan in de "
                                                 "beoordeling)."))
    breach_kinds = CheckboxesField(_l("Wat is er met de persoonsgegevens gebeurd?"),
                                   choices=choices(catalog.BREACH_KINDS.items()))
    breach_kind_other = StringField(_l("Anders, namelijk"), validators=[Optional(), Length(max=500)])
    subjects_min = IntegerField(_l("Aantal betrokkenen: minimaal"),
                                validators=[Optional(), NumberRange(min=0, message=_l("Niet negatief."))])
    subjects_max = IntegerField(_l("Aantal betrokkenen: maximaal"),
                                validators=[Optional(), NumberRange(min=0, message=_l("Niet negatief."))])
    prior_measures = TextAreaField(_l("Maatregelen die vooraf genomen waren (zoals versleuteling)"),
                                   validators=[Optional(), Length(max=MAX_TEXT)])
    own_severity = SelectField(_l("Eigen inschatting van de ernst"),
                               choices=choices([("", _l("— nog niet bepaald —")),
                                                *((k.value, v) for k, v in OWN_SEVERITY_LABELS.items())]),
                               validators=[Optional()],
                               description=_l("Uw eigen oordeel; de ENISA-score is een advies ernaast."))
    own_severity_explanation = TextAreaField(_l("Toelichting op de eigen inschatting"),
                                             validators=[Optional(), Length(max=MAX_TEXT)])
    subjects_message = TextAreaField(_l("Tekst van het bericht aan de betrokkenen"),
                                     validators=[Optional(), Length(max=MAX_TEXT)],
                                     description=_l("Of, wanneer en hoe zij worden geïnformeerd staat in het besluit "
                                                    "over art. 34."))
    measures_planned = TextAreaField(_l("Maatregelen die nog worden genomen"),
                                     validators=[Optional(), Length(max=MAX_TEXT)])
    other_authorities = TextAreaField(_l("Andere toezichthouders (bij een grensoverschrijdend datalek)"),
                                      validators=[Optional(), Length(max=MAX_TEXT)])
    other_information = TextAreaField(_l("Overige informatie voor de AP"),
                                      validators=[Optional(), Length(max=MAX_TEXT)])


AP_FORM_FIELDS = ("contact_name", "contact_function", "contact_phone", "contact_email", "other_organisations",
                  "discovery", "ended_at", "breach_kinds", "breach_kind_other", "subjects_min", "subjects_max",
                  "prior_measures", "own_severity", "own_severity_explanation", "subjects_message",
                  "measures_planned", "other_authorities", "other_information")


def ap_form_data(form: ApFormForm) -> dict[str, Any]:
    return {name: getattr(form, name).data for name in AP_FORM_FIELDS}


class CorrespondenceForm(FlaskForm):
    kind = SelectField(_l("Soort"), choices=choices((k.value, v) for k, v in CORRESPONDENCE_LABELS.items()))
    occurred_at = LocalDateTimeField(_l("Datum"), validators=[InputRequired(_l("Vul de datum in."))],
                                     id="correspondence-occurred_at")
    text = TextAreaField(_l("Tekst"), validators=[Optional(), Length(max=MAX_TEXT)],
                         description=_l("De vraag, het antwoord of een beschrijving van het document."))
    ap_reference = StringField(_l("Kenmerk van de AP"), validators=[Optional(), Length(max=100)],
                               description=_l("Verplicht als de AP het dossier sluit."))
    existing = CheckboxesField(_l("Bijlagen van dit incident"), choices=[], validators=[Optional()])


class LinkForm(FlaskForm):
    """The verwerkingen a datalek affected (choices: those of its organisation)."""

    activities = CheckboxesField(_l("Getroffen verwerkingen"), coerce=int,
                                 description=_l("Alleen verwerkingen van de eigen organisatie."))


class SaveTemplateForm(FlaskForm):
    name = StringField(_l("Naam van het sjabloon"), id="template-name",
                       validators=[InputRequired(_l("Geef het sjabloon een naam.")), Length(max=200)],
                       description=_l("Bijvoorbeeld: brief naar een verkeerd adres."))


class FromTemplateForm(FlaskForm):
    """The datalek logged from a template: what differs each time."""

    title = StringField(_l("Titel"), validators=[InputRequired(_l("Vul een titel in.")), Length(max=200)])
    description = TextAreaField(_l("Wat is er gebeurd"),
                                validators=[InputRequired(_l("Beschrijf wat er is gebeurd.")), Length(max=MAX_TEXT)])
    occurred_at = LocalDateTimeField(_l("Opgetreden op"), validators=[Optional()])
    discovered_at = LocalDateTimeField(_l("Ontdekt op"), validators=[InputRequired(_l("Vul in wanneer."))],
                                       description=_l("Ook het moment van bewustwording; de FG kan het aanpassen."))
    reporter = StringField(_l("Gemeld door"), validators=[Optional(), Length(max=200)])
    severity = SelectField(_l("Ernst"), validators=[Optional()], choices=severity_choices)
