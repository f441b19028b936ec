from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l


class GenerateForm(FlaskForm):
    kind = SelectField(_l("Soort"), choices=choices([("quarterly", _l("kwartaalrapportage")),
                                                     ("monthly", _l("maandrapportage incidentopvolging")),
                                                     ("annual", _l("jaarverantwoording informatiebeveiliging"))]))
    #: choices (recent quarters and months, grouped) are set by the view
    period = SelectField(_l("Periode"), validators=[InputRequired(_l("Kies een periode."))],
                         description=_l("Een afgesloten kwartaal voor een kwartaalrapportage, een afgesloten maand "
                                        "voor een maandrapportage, een jaar voor een jaarverantwoording (één "
                                        "organisatie; het lopende jaar geeft de stand van nu)."))
    scope = SelectField(_l("Voor"))


class AnnualForm(FlaskForm):
    class Meta:
        csrf = False

    organisatie = SelectField(_l("Organisatie"))
    jaar = IntegerField(_l("Jaar"), validators=[InputRequired(_l("Vul een jaar in.")),
                                                NumberRange(min=2000, max=2100, message=_l("Kies 2000–2100."))])
