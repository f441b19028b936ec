from __future__ import annotations

import datetime as dt
import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, DateInput, ListWidget

from bio_register.forms import choices
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.measures.services import MAX_OWNER, MAX_TEXT, MAX_TITLE, ControlRef

DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y")
_SEPARATORS = re.compile(r"[\s,;]+")


class DateField(Field):
    """An ``<input type="date">``; ``data`` is a :class:`datetime.date` (a calendar day, no zone).

    Browsers send ``2026-12-24``; typed by hand ``24-12-2026`` is read as well.
    """

    widget = DateInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.raw: str | None = None

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        return self.data.isoformat() if self.data else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        self.raw = valuelist[0].strip()
        self.data = None
        if not self.raw:
            return
        for fmt in DATE_FORMATS:
            try:
                self.data = dt.datetime.strptime(self.raw, fmt).date()
                return
            except ValueError:
                continue
        raise ValueError(_("Geen geldige datum; gebruik dag-maand-jaar."))


class CheckboxesField(SelectMultipleField):
    """Several checkboxes; the view decides which posted values count (no choice validation)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def __init__(self, label: str | None = None, validators: list[Any] | None = None, **kwargs: Any) -> None:
        # The rest by keyword only: a fourth positional argument would be validate_choice itself.
        super().__init__(label, validators, validate_choice=False, **kwargs)


class MeasureFieldsMixin:
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Geef de maatregel een korte titel.")),
                                                 Length(max=MAX_TITLE)],
                        description=_l("Wat wordt er gedaan, bijvoorbeeld „MFA op alle VPN-accounts”."))
    description = TextAreaField(_l("Omschrijving"), validators=[Optional(), Length(max=MAX_TEXT)])
    owner = StringField(_l("Eigenaar"), validators=[Optional(), Length(max=MAX_OWNER)],
                        description=_l("Wie zorgt ervoor dat het gebeurt (naam, functie of afdeling)?"))
    due_date = DateField(_l("Uiterlijk gereed op"), validators=[Optional()],
                         description=_l("Niet eerder dan de dag waarop de maatregel is aangemaakt."))
    control_catalog = SelectField(_l("Catalogus"), validate_choice=False, validators=[Optional()])
    control_codes = StringField(_l("Nummer"),
                                validators=[Optional(), Length(max=500)],
                                description=_l("Het nummer van de beheersmaatregel of overheidsmaatregel in de "
                                               "gekozen catalogus, bijvoorbeeld 5.24.03. Meer nummers: scheid ze "
                                               "met komma's."))


class MeasureCreateForm(MeasureFieldsMixin, FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[DataRequired(_l("Kies een organisatie."))])


class MeasureEditForm(MeasureFieldsMixin, FlaskForm):
    version = HiddenField()
    keep_incidents = CheckboxesField(_l("Gekoppelde incidenten"),
                                     description=_l("Vink uit om een koppeling op te heffen."))
    add_incidents = StringField(_l("Incident koppelen"), validators=[Optional(), Length(max=500)],
                                description=_l("De referentie, bijvoorbeeld DIE-2026-0007. "
                                               "Meer incidenten: scheid ze met komma's."))
    keep_controls = CheckboxesField(_l("Gekoppelde beheersmaatregelen en overheidsmaatregelen"),
                                    description=_l("Vink uit om een koppeling op te heffen."))


class StatusForm(FlaskForm):
    version = HiddenField()
    status = HiddenField()
    reason = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=MAX_TEXT)],
                           description=_l("Optioneel, bijvoorbeeld waarom een maatregel vervalt."))


class LinkControlForm(FlaskForm):
    """Link one control found by the search on the measure's page (its id, and the version seen)."""

    control = HiddenField(validators=[DataRequired()])
    version = HiddenField()
    #: where to go back to: the control page the search was made on (only such a path is followed)
    back = HiddenField()


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=200)],
                    description=_l("In titel, omschrijving en eigenaar."))
    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    overdue = SelectField(_l("Achterstallig"), choices=choices([("", _l("alle")), ("ja", _l("alleen achterstallige"))]),
                          validators=[Optional()])
    incident = HiddenField()
    control = HiddenField()


def split_codes(text: str | None) -> list[str]:
    """``"5.24.03, 5.25.01"`` → ``["5.24.03", "5.25.01"]``."""
    return [part for part in _SEPARATORS.split(text or "") if part]


def measure_data(form: Any) -> dict[str, Any]:
    """The service's plain fields from a form."""
    return {"title": form.title.data, "description": form.description.data, "owner": form.owner.data,
            "due_date": form.due_date.data}


def control_refs(form: Any) -> list[ControlRef]:
    """The controls typed on the form: one catalog, one or more codes."""
    return [ControlRef(form.control_catalog.data or "", code) for code in split_codes(form.control_codes.data)]
