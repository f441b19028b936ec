from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from bio_register.i18n import lazy_gettext as _l

# Lengths are checked by the service (a message that says what is wrong); these bounds only keep
# absurd input out.


class OrganisationCreateForm(FlaskForm):
    parent = SelectField(_l("Valt onder"), validators=[DataRequired(_l("Kies de organisatie waaronder de nieuwe "
                                                                       "valt."))])
    code = StringField(_l("Code"), validators=[DataRequired(_l("Vul een code in.")), Length(max=50)],
                       description=_l("2 tot 10 letters en cijfers, bijvoorbeeld DIE. Staat in adressen en in de "
                                      "API; later niet te wijzigen."),
                       render_kw={"autocapitalize": "characters", "spellcheck": "false"})
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=1000)],
                       description=_l("Bijvoorbeeld Gemeente Diemen."))
    reference_prefix = StringField(
        _l("Voorvoegsel incidentnummers"), validators=[Length(max=50)],
        description=_l("2 tot 10 letters en cijfers; leeg: gelijk aan de code. Incidentnummers worden "
                       "VOORVOEGSEL-JAAR-NUMMER."),
        render_kw={"autocapitalize": "characters", "spellcheck": "false"})


class OrganisationEditForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=1000)])


class HandlingTargetsForm(FlaskForm):
    """Target handling times in days per severity (checked by ``incidents.sla``: whole days, 1–365)."""

    kritiek = StringField(_l("Kritiek (dagen)"), validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
    hoog = StringField(_l("Hoog (dagen)"), validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
    midden = StringField(_l("Midden (dagen)"), validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
    laag = StringField(_l("Laag (dagen)"), validators=[Length(max=10)], render_kw={"inputmode": "numeric"})
