from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.webhooks import services
from bio_register.webhooks.sending import MAX_URL

# The service checks the address and the events (with a message that says what is wrong); these
# bounds only keep absurd input out.


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form: object) -> None:
        """Unknown codes are the service's to refuse (with a Dutch message)."""


class WebhookForm(FlaskForm):
    url = StringField(_l("Adres (URL)"), validators=[Length(max=MAX_URL + 100)],
                      description=_l("Een https-adres op het internet, bijvoorbeeld https://topdesk.example.nl/"
                                     "webhooks/bio. Interne netwerkadressen zijn niet toegestaan."),
                      render_kw={"spellcheck": "false", "inputmode": "url", "autocomplete": "off"})
    description = StringField(_l("Omschrijving"), validators=[Length(max=services.MAX_DESCRIPTION + 100)],
                              description=_l("Voor uzelf: welk systeem ontvangt de berichten."))
    events = CheckboxesField(_l("Gebeurtenissen"), choices=choices(services.EVENTS.items()),
                             description=_l("Over welke gebeurtenissen in deze organisatie (en de organisaties "
                                            "eronder) het systeem een bericht krijgt."))
    personal_data_allowed = BooleanField(
        _l("Persoonsgegevens toegestaan"),
        description=_l("Uit: de berichten bevatten alleen nummers, referenties en links. Aan: ook titels, "
                       "omschrijvingen, namen en motiveringen. Alleen aanzetten als er een verwerkersafspraak is."))
    active = BooleanField(_l("Aan (berichten worden verstuurd)"), default=True)
