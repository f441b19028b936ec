from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from bio_register.findings import labels
from bio_register.findings.models import FindingSource, FindingStatus
from bio_register.findings.services import MAX_TEXT, MAX_TITLE
from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.models import Severity
from bio_register.measures.forms import CheckboxesField, DateField


class FindingForm(FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[Optional()], validate_choice=False)
    version = HiddenField()
    title = StringField(_l("Titel"), validators=[DataRequired(_l("Geef de bevinding een korte titel.")),
                                                  Length(max=MAX_TITLE)])
    source = SelectField(_l("Bron"), choices=choices([("", _l("— kies de bron —")),
                                                       *((s.value, labels.SOURCE[s]) for s in FindingSource)]),
                         validators=[DataRequired(_l("Kies de bron van de bevinding."))])
    found_on = DateField(_l("Datum bevinding"), validators=[DataRequired(_l("Geef de datum van de bevinding."))],
                         description=_l("De datum van het rapport of de test."))
    severity = SelectField(_l("Ernst"), choices=choices([(s.value, labels.SEVERITY[s]) for s in Severity]),
                           default=Severity.MIDDEN.value, validators=[DataRequired()])
    description = TextAreaField(_l("Beschrijving"), validators=[Optional(), Length(max=MAX_TEXT)])
    controls = StringField(_l("Beheersmaatregelen"), validators=[Optional(), Length(max=2000)],
                           description=_l("Nummers uit de catalogus van de organisatie, gescheiden door komma's, "
                                          "bijvoorbeeld „5.15.01, 8.05.02”; met een andere catalogus ervoor: "
                                          "„BIO2-1.3 5.15.01”."))
    measures = CheckboxesField(_l("Maatregelen die haar oplossen"))
    status = SelectField(_l("Status"), choices=choices([(s.value, labels.STATUS[s]) for s in FindingStatus]),
                         default=FindingStatus.OPEN.value, validators=[DataRequired()])
    motivation = TextAreaField(_l("Motivering acceptatie"), validators=[Optional(), Length(max=MAX_TEXT)],
                               description=_l("Verplicht bij „geaccepteerd”: waarom het risico wordt aanvaard."))
    retest_on = DateField(_l("Hertest op"), validators=[Optional()],
                          description=_l("Wanneer wordt getoetst of de bevinding is opgelost."))


def finding_data(form: FindingForm, measure_ids: set[int]) -> dict[str, Any]:
    """The service's fields from the form; only maatregelen offered on the form count."""
    controls = [part.strip() for part in (form.controls.data or "").replace(";", ",").split(",") if part.strip()]
    return {
        "title": form.title.data, "source": form.source.data or None, "found_on": form.found_on.data,
        "severity": form.severity.data or None, "description": form.description.data,
        "status": form.status.data or None, "motivation": form.motivation.data, "retest_on": form.retest_on.data,
        "controls": controls,
        "measures": [int(v) for v in form.measures.data or [] if v.isdigit() and int(v) in measure_ids],
    }


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=200)],
                    description=_l("In titel en beschrijving."))
    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=choices([("", _l("alle")), ("openstaand", _l("open of in behandeling")),
                                          *((s.value, labels.STATUS[s]) for s in FindingStatus)]))
    source = SelectField(_l("Bron"), validators=[Optional()],
                         choices=choices([("", _l("alle")), *((s.value, labels.SOURCE[s]) for s in FindingSource)]))
    overdue = BooleanField(_l("Alleen met verlopen hertest"))
