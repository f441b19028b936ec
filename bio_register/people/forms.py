from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.people.labels import ROLE_LABELS


def role_choices() -> list[Any]:
    return choices([(role.value, label) for role, label in ROLE_LABELS.items()])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Zoek op naam of e-mailadres"), validators=[Length(max=200)])


class RoleForm(FlaskForm):
    """A role in an organisation; the organisations are those whose users the beheerder manages."""

    organisation = SelectField(_l("Organisatie"), validators=[DataRequired(_l("Kies een organisatie."))])
    role = SelectField(_l("Rol"), choices=role_choices(), validators=[DataRequired(_l("Kies een rol."))])


class InviteForm(RoleForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul het e-mailadres in.")), Length(max=254)])
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=200)])


class NameForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul de naam in.")), Length(max=200)])
