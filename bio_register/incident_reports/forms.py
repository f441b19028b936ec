from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from bio_register.fields import LocalDateTimeField
from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.incident_reports.models import PersonalData
from bio_register.incident_reports.services import MAX_CONTACT, MAX_DESCRIPTION

PERSONAL_DATA_CHOICES = [(PersonalData.JA.value, _l("Ja")), (PersonalData.NEE.value, _l("Nee")),
                         (PersonalData.WEET_NIET.value, _l("Weet ik niet"))]


class ReportForm(FlaskForm):
    """The reporting point's one short form."""

    description = TextAreaField(
        _l("Wat is er gebeurd?"),
        validators=[DataRequired(_l("Beschrijf kort wat er is gebeurd.")),
                    Length(max=MAX_DESCRIPTION, message=_l("Hoogstens %(max)d tekens."))],
        description=_l("In uw eigen woorden. Bijvoorbeeld: „Ik heb een mail met een bijlage naar de verkeerde "
                       "inwoner gestuurd.”"))
    occurred_at = LocalDateTimeField(_l("Wanneer gebeurde het?"), validators=[Optional()],
                                     description=_l("Als u het weet; anders leeg laten."))
    organisation = SelectField(_l("Bij welke organisatie?"), validators=[DataRequired(_l("Kies een organisatie."))])
    personal_data = RadioField(
        _l("Kunnen er persoonsgegevens bij betrokken zijn?"), choices=choices(PERSONAL_DATA_CHOICES),
        validators=[InputRequired(_l("Kies ja, nee of weet ik niet."))],
        description=_l("Gegevens over mensen: namen, adressen, BSN, dossiers, foto's. Twijfelt u? Kies „weet ik "
                       "niet”."))
    contact = StringField(_l("Hoe kunnen we u bereiken?"),
                          validators=[Optional(), Length(max=MAX_CONTACT, message=_l("Hoogstens %(max)d tekens."))],
                          description=_l("Optioneel: een telefoonnummer of ander adres als dat beter werkt dan "
                                         "uw e-mail."))
