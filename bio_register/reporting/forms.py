from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l


class GenerateForm(FlaskForm):
    kind = SelectField(_l("Soort"), choices=choices([("quarterly", _l("kwartaalrapportage")),
                                                     ("monthly", _l("maandrapportage incidentopvolging"))]))
    period = StringField(_l("Periode"), validators=[InputRequired(_l("Vul de periode in.")), Length(max=10)],
                         description=_l("Een kwartaal als 2026-Q3, een maand als 2026-10."))
    scope = SelectField(_l("Voor"))


class AnnualForm(FlaskForm):
    class Meta:
        csrf = False

    organisatie = SelectField(_l("Organisatie"))
    jaar = IntegerField(_l("Jaar"), validators=[InputRequired(_l("Vul een jaar in.")),
                                                NumberRange(min=2000, max=2100, message=_l("Kies 2000–2100."))])
