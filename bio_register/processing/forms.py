from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from bio_register.forms import choices
from bio_register.i18n import lazy_gettext as _l
from bio_register.measures.forms import CheckboxesField, DateField
from bio_register.processing import labels
from bio_register.processing.models import ProcessingStatus
from bio_register.processing.services import MAX_NAME, MAX_SHORT, MAX_TEXT


class ActivityForm(FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[Optional()], validate_choice=False)
    version = HiddenField()
    name = StringField(_l("Naam van de verwerking"), validators=[DataRequired(_l("Geef de verwerking een naam.")),
                                                                  Length(max=MAX_NAME)],
                       description=_l("Bijvoorbeeld „Basisregistratie Personen” of „Parkeervergunningen”."))
    purpose = TextAreaField(_l("Doel"), validators=[DataRequired(_l("Beschrijf het doel van de verwerking.")),
                                                    Length(max=MAX_TEXT)])
    legal_basis = SelectField(_l("Grondslag (art. 6 AVG)"),
                              choices=choices([("", _l("— kies een grondslag —")), *labels.LEGAL_BASES.items()]),
                              validators=[DataRequired(_l("Kies de grondslag."))])
    subject_categories = CheckboxesField(_l("Categorieën betrokkenen"),
                                         choices=choices(labels.SUBJECT_CATEGORIES.items()))
    data_categories = CheckboxesField(_l("Categorieën persoonsgegevens"),
                                      choices=choices(labels.DATA_CATEGORIES.items()))
    special_categories = CheckboxesField(_l("Bijzondere persoonsgegevens (art. 9 AVG)"),
                                         choices=choices(labels.SPECIAL_CATEGORIES.items()),
                                         description=_l("Kies hierbij ook de uitzonderingsgrond uit art. 9 lid 2."))
    art9_ground = SelectField(_l("Uitzonderingsgrond (art. 9 lid 2 AVG)"),
                              choices=choices([("", _l("— geen bijzondere persoonsgegevens —")),
                                               *labels.ART9_GROUNDS.items()]), validators=[Optional()])
    bsn = BooleanField(_l("Het burgerservicenummer (BSN) wordt verwerkt"))
    recipients = TextAreaField(_l("Ontvangers"), validators=[Optional(), Length(max=MAX_TEXT)],
                               description=_l("Aan wie de gegevens worden verstrekt."))
    processors = CheckboxesField(_l("Verwerkers"))
    outside_eea = BooleanField(_l("Gegevens gaan naar een land buiten de EER"))
    outside_eea_details = TextAreaField(_l("Doorgifte: landen en waarborgen"),
                                        validators=[Optional(), Length(max=MAX_TEXT)])
    retention = StringField(_l("Bewaartermijn"), validators=[Optional(), Length(max=MAX_SHORT)],
                            description=_l("Bijvoorbeeld „7 jaar na beëindiging (Archiefwet, selectielijst)”."))
    security_measures = TextAreaField(_l("Beveiligingsmaatregelen"), validators=[Optional(), Length(max=MAX_TEXT)])
    dpia_required = BooleanField(_l("Een DPIA is nodig"))
    dpia_done = BooleanField(_l("De DPIA is uitgevoerd"))
    dpia_date = DateField(_l("Datum DPIA"), validators=[Optional()])
    dpia_link = StringField(_l("Vindplaats DPIA"), validators=[Optional(), Length(max=MAX_SHORT)],
                            description=_l("Een webadres, bijvoorbeeld in het documentsysteem."))
    owner = StringField(_l("Proceseigenaar"), validators=[Optional(), Length(max=MAX_NAME)])
    status = SelectField(_l("Status"), choices=choices([(s.value, labels.STATUS[s]) for s in ProcessingStatus]),
                         validators=[DataRequired()])


def activity_data(form: ActivityForm, processor_ids: set[int]) -> dict[str, Any]:
    """The service's fields from the form; only verwerkers offered on the form count."""
    return {
        "name": form.name.data, "purpose": form.purpose.data, "legal_basis": form.legal_basis.data or None,
        "art9_ground": form.art9_ground.data or None,
        "subject_categories": form.subject_categories.data or [], "data_categories": form.data_categories.data or [],
        "special_categories": form.special_categories.data or [], "bsn": bool(form.bsn.data),
        "recipients": form.recipients.data, "outside_eea": bool(form.outside_eea.data),
        "outside_eea_details": form.outside_eea_details.data, "retention": form.retention.data,
        "security_measures": form.security_measures.data, "dpia_required": bool(form.dpia_required.data),
        "dpia_done": bool(form.dpia_done.data), "dpia_date": form.dpia_date.data, "dpia_link": form.dpia_link.data,
        "owner": form.owner.data, "status": form.status.data,
        "processors": [int(v) for v in form.processors.data or [] if v.isdigit() and int(v) in processor_ids],
    }


class ProcessorForm(FlaskForm):
    organisation = SelectField(_l("Organisatie"), validators=[Optional()], validate_choice=False)
    version = HiddenField()
    name = StringField(_l("Naam van de verwerker"), validators=[DataRequired(_l("Geef de naam van de verwerker.")),
                                                                 Length(max=MAX_NAME)])
    contact = StringField(_l("Contactgegevens"), validators=[Optional(), Length(max=MAX_SHORT)])
    country = StringField(_l("Land"), validators=[Optional(), Length(max=100)])
    inside_eea = BooleanField(_l("Gevestigd en verwerkend binnen de EER"), default=True)
    agreement_signed = BooleanField(_l("Verwerkersovereenkomst getekend"))
    agreement_signed_on = DateField(_l("Getekend op"), validators=[Optional()])
    agreement_expires_on = DateField(_l("Verloopt op"), validators=[Optional()])
    agreement_review_on = DateField(_l("Herbeoordelen op"), validators=[Optional()])


def processor_data(form: ProcessorForm) -> dict[str, Any]:
    return {"name": form.name.data, "contact": form.contact.data, "country": form.country.data,
            "inside_eea": bool(form.inside_eea.data), "agreement_signed": bool(form.agreement_signed.data),
            "agreement_signed_on": form.agreement_signed_on.data,
            "agreement_expires_on": form.agreement_expires_on.data,
            "agreement_review_on": form.agreement_review_on.data}


class FilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Zoeken"), validators=[Optional(), Length(max=200)],
                    description=_l("In naam, doel en proceseigenaar."))
    organisation = SelectField(_l("Organisatie"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()],
                         choices=choices([("", _l("alle")), *((s.value, labels.STATUS[s]) for s in ProcessingStatus)]))
    legal_basis = SelectField(_l("Grondslag"), validators=[Optional()],
                              choices=choices([("", _l("alle")), *labels.LEGAL_BASES.items()]))
