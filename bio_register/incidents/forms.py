from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from bio_register.fields import LocalDateTimeField
from bio_register.forms import SelectChoice, choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents import labels
from bio_register.incidents.models import EVERYDAY_CATEGORIES, RSIT_CATEGORIES, EntryKind, Severity
from bio_register.incidents.services import MAX_REPORTER, MAX_TEXT, MAX_TITLE

YES_NO = [("ja", _l("Ja")), ("nee", _l("Nee"))]


def category_choices() -> list[SelectChoice]:
    out = [SelectChoice("", _l("— nog niet bepaald —"))]
    out += [SelectChoice(c.value, labels.CATEGORY[c], optgroup=str(_l("Veelvoorkomend")))
            for c in EVERYDAY_CATEGORIES]
    out += [SelectChoice(c.value, labels.CATEGORY[c], optgroup=str(_l("RSIT-klassen")))
            for c in RSIT_CATEGORIES]
    return out


def severity_choices() -> list[SelectChoice]:
    return choices([("", _l("— nog niet bepaald —"))] + [(s.value, labels.SEVERITY[s]) for s in Severity])


class IncidentFieldsMixin:
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Geef het incident een korte titel.")),
                                                 Length(max=MAX_TITLE)],
                        description=_l("Kort en feitelijk, bijvoorbeeld „Brief met BSN naar verkeerd adres”."))
    description = TextAreaField(_l("Wat is er gebeurd?"),
                                validators=[DataRequired(_l("Beschrijf kort wat er is gebeurd.")),
                                            Length(max=MAX_TEXT)])
    discovered_at = LocalDateTimeField(_l("Ontdekt op"),
                                       validators=[InputRequired(_l("Vul in wanneer het is ontdekt."))],
                                       description=_l("Datum en tijd (Nederlandse tijd)."))
    is_datalek = RadioField(_l("Zijn er persoonsgegevens bij betrokken (datalek)?"), choices=choices(YES_NO),
                            validators=[InputRequired(_l("Kies ja of nee."))],
                            description=_l("Bij twijfel: ja. De FG beoordeelt het."))
    category = SelectField(_l("Categorie"), choices=category_choices, validators=[Optional()])
    severity = SelectField(_l("Ernst"), choices=severity_choices, validators=[Optional()])
    occurred_at = LocalDateTimeField(_l("Opgetreden op"), validators=[Optional()],
                                     description=_l("Als bekend: wanneer het incident begon."))
    reporter = StringField(_l("Melder"), validators=[Optional(), Length(max=MAX_REPORTER)],
                           description=_l("Wie meldde het (naam, functie of afdeling)?"))
    impact_confidentiality = BooleanField(_l("Vertrouwelijkheid geraakt"))
    impact_integrity = BooleanField(_l("Integriteit geraakt"))
    impact_availability = BooleanField(_l("Beschikbaarheid geraakt"))


class IncidentCreateForm(IncidentFieldsMixin, FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[DataRequired(_l("Kies een organisatie."))])


class IncidentEditForm(IncidentFieldsMixin, FlaskForm):
    version = HiddenField()
    is_significant_cbw = BooleanField(_l("Significant incident onder de Cyberbeveiligingswet"))
    cause = TextAreaField(_l("Oorzaak"), validators=[Optional(), Length(max=MAX_TEXT)],
                          description=_l("De grondoorzaak (BIO2 5.27)."))
    lessons_learned = TextAreaField(_l("Geleerde lessen"), validators=[Optional(), Length(max=MAX_TEXT)],
                                    description=_l("Wat nemen we mee, en met wie delen we het?"))


class StatusForm(FlaskForm):
    version = HiddenField()
    status = HiddenField()
    reason = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=MAX_TEXT)],
                           description=_l("Verplicht bij intrekken en heropenen."))


class EntryForm(FlaskForm):
    kind = SelectField(_l("Soort"), choices=choices([(k.value, labels.ENTRY_KIND[k]) for k in EntryKind]))
    text = TextAreaField(_l("Tekst"), validators=[DataRequired(_l("Vul de tekst in.")), Length(max=MAX_TEXT)])
    occurred_at = LocalDateTimeField(_l("Tijdstip"), validators=[Optional()],
                                     description=_l("Leeg: nu."))


def form_data(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The service's input from a form: yes/no radios as booleans, empty selects as None."""
    out: dict[str, Any] = {}
    for name in names:
        field = getattr(form, name, None)
        if field is None:
            continue
        value = field.data
        if name == "is_datalek":
            value = {"ja": True, "nee": False}.get(value)
        elif name in ("category", "severity"):
            value = value or None
        out[name] = value
    return out


SORT_CHOICES = [("discovered", _l("Ontdekt op")), ("reference", _l("Referentie")), ("severity", _l("Ernst")),
                ("status", _l("Status")), ("title", _l("Titel"))]


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=200)],
                    description=_l("In titel, omschrijving en referentie."))
    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    datalek = SelectField(_l("Datalek"), choices=choices([("", _l("alle")), ("ja", _l("alleen datalekken")),
                                                         ("nee", _l("geen datalekken"))]),
                          validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    category = SelectField(_l("Categorie"), validators=[Optional()])
    severity = SelectField(_l("Ernst"), validators=[Optional()])
    period_from = StringField(_l("Ontdekt vanaf"), validators=[Optional()], render_kw={"type": "date"})
    period_until = StringField(_l("Ontdekt tot en met"), validators=[Optional()], render_kw={"type": "date"})
    sort = SelectField(_l("Sorteren op"), choices=choices(SORT_CHOICES), validators=[Optional()])
    order = SelectField(_l("Volgorde"), choices=choices([("desc", _l("aflopend")), ("asc", _l("oplopend"))]),
                        validators=[Optional()])
