from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import Length, Optional, Regexp

from bio_register.i18n import lazy_gettext as _l


class AuditFilterForm(FlaskForm):
    """The audit log's filters, read from the query string (no CSRF: it changes nothing)."""

    class Meta:
        csrf = False

    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    entity = StringField(_l("Soort object"), validators=[
        Optional(), Regexp(r"^[a-z][a-z_]{0,49}$", message=_l("Kleine letters en _, bijvoorbeeld incident."))],
        description=_l("Bijvoorbeeld incident, measure, control_assessment, user."))
    entity_id = StringField(_l("Objectnummer"), validators=[Optional(), Length(max=64)])
    actor = StringField(_l("Gebruiker"), validators=[Optional(), Length(max=254)],
                        description=_l("Het e-mailadres, of systeem, scheduler, cli."))
    period_from = StringField(_l("Vanaf"), validators=[Optional()], render_kw={"type": "date"})
    period_until = StringField(_l("Tot en met"), validators=[Optional()], render_kw={"type": "date"})
