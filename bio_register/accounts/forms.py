from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange

from bio_register.accounts.services import DEFAULT_TOKEN_DAYS, MAX_TOKEN_DAYS
from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in.")),
                                                       Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")),
                                                           Length(max=256)])


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired()])
    password = PasswordField(_l("Nieuw wachtwoord"), validators=[DataRequired()])
    repeat = PasswordField(_l("Herhaal het nieuwe wachtwoord"), validators=[DataRequired()])


class ProfileForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul uw naam in.")), Length(max=200)])
    locale = SelectField(_l("Taal"), choices=choices([("nl", "Nederlands"), ("en", "English")]))


class DigestForm(FlaskForm):
    wanted = BooleanField(_l("Stuur mij elke maandag een weekoverzicht (e-mail en melding in de applicatie)"))


class TokenForm(FlaskForm):
    name = StringField(_l("Naam van het token"),
                       validators=[DataRequired(_l("Geef het token een naam.")), Length(max=100)],
                       description=_l("Bijvoorbeeld het script of systeem dat het gebruikt."))
    days = IntegerField(_l("Geldig (dagen)"), default=DEFAULT_TOKEN_DAYS,
                        validators=[NumberRange(min=1, max=MAX_TOKEN_DAYS)])


class ConfirmForm(FlaskForm):
    """An empty form: a POST button with its CSRF token (logout, revoke)."""


class TotpLoginForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(_l("Vul de code in.")), Length(max=20)],
                       description=_l("De zes cijfers uit uw authenticator-app, of een van uw herstelcodes."),
                       render_kw={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"})


class TotpCodeForm(FlaskForm):
    """A code from the app: to switch TOTP on, off, or to make new recovery codes."""

    code = StringField(_l("Code uit de app"), validators=[DataRequired(_l("Vul de code in.")), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


class TwoFactorSettingForm(FlaskForm):
    required = BooleanField(_l("Tweestapsverificatie verplicht voor alle medewerkers van deze organisatie"))


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in.")),
                                                       Length(max=254)])


class SetPasswordForm(FlaskForm):
    """A password chosen through a one-time link (invitation, reset)."""

    password = PasswordField(_l("Nieuw wachtwoord"), validators=[DataRequired(_l("Kies een wachtwoord.")),
                                                                 Length(max=256)],
                             render_kw={"autocomplete": "new-password"})
    repeat = PasswordField(_l("Herhaal het wachtwoord"), validators=[DataRequired(_l("Herhaal het wachtwoord.")),
                                                                     Length(max=256)],
                           render_kw={"autocomplete": "new-password"})
