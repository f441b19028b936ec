from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l

STATUS_LABELS = {"niet": _l("niet geïmplementeerd"), "gedeeltelijk": _l("gedeeltelijk geïmplementeerd"),
                 "volledig": _l("volledig geïmplementeerd")}


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
