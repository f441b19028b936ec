from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField
from wtforms.validators import DataRequired

from bio_register.i18n import lazy_gettext as _l


class UploadForm(FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[DataRequired(_l("Kies een organisatie."))])
    file = FileField(_l("Bestand (.xlsx of .csv)"),
                     description=_l("De eerste regel met tekst is de kopregel; elke volgende regel is een incident."))


class StepForm(FlaskForm):
    """The mapping, preview and import steps: their fields are read by the view; this gives CSRF."""
