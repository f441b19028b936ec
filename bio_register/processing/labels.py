"""Dutch labels (translatable) for the verwerkingsregister and the verwerkers.

The categories of data subjects and of personal data are the breach assessment's
(:mod:`bio_register.breaches.catalog`), so a verwerking and a datalek use the same words."""

from __future__ import annotations

from bio_register.breaches.catalog import DATA_CATEGORIES, SPECIAL_CATEGORIES, SUBJECT_CATEGORIES
from bio_register.i18n import lazy_gettext as _l
from bio_register.processing.models import ProcessingStatus

STATUS = {
    ProcessingStatus.CONCEPT: _l("concept"),
    ProcessingStatus.ACTIEF: _l("actief"),
    ProcessingStatus.BEEINDIGD: _l("beëindigd"),
}

#: AVG art. 6 lid 1, a–f
LEGAL_BASES = {
    "toestemming": _l("a. toestemming van de betrokkene"),
    "overeenkomst": _l("b. uitvoering van een overeenkomst"),
    "wettelijke_verplichting": _l("c. wettelijke verplichting"),
    "vitaal_belang": _l("d. vitaal belang"),
    "algemeen_belang": _l("e. taak van algemeen belang of openbaar gezag"),
    "gerechtvaardigd_belang": _l("f. gerechtvaardigd belang"),
}

#: AVG art. 9 lid 2, a–j: the exceptions that allow processing special categories
ART9_GROUNDS = {
    "uitdrukkelijke_toestemming": _l("a. uitdrukkelijke toestemming"),
    "arbeid_sociale_zekerheid": _l("b. arbeidsrecht, sociale zekerheid en sociale bescherming"),
    "vitaal_belang": _l("c. vitaal belang, betrokkene kan geen toestemming geven"),
    "stichting_vereniging": _l("d. stichting, vereniging of andere instantie zonder winstoogmerk"),
    "openbaar_gemaakt": _l("e. door de betrokkene openbaar gemaakt"),
    "rechtsvordering": _l("f. rechtsvordering of rechtspraak"),
    "zwaarwegend_algemeen_belang": _l("g. zwaarwegend algemeen belang, op grond van een wet"),
    "zorg": _l("h. gezondheidszorg, sociale zorg of behandeling"),
    "volksgezondheid": _l("i. algemeen belang op het gebied van volksgezondheid"),
    "archief_onderzoek": _l("j. archivering, wetenschappelijk of historisch onderzoek, statistiek"),
}

#: why a verwerkersovereenkomst needs attention
ATTENTION = {
    "missing": _l("geen getekende verwerkersovereenkomst"),
    "expired": _l("verwerkersovereenkomst verlopen"),
    "review": _l("herbeoordeling achterstallig"),
}

HISTORY_KIND = {
    "create": _l("aangemaakt"),
    "update": _l("gewijzigd"),
}

FIELD = {
    "name": _l("Naam"),
    "purpose": _l("Doel"),
    "legal_basis": _l("Grondslag (art. 6 AVG)"),
    "art9_ground": _l("Uitzonderingsgrond (art. 9 lid 2 AVG)"),
    "subject_categories": _l("Categorieën betrokkenen"),
    "data_categories": _l("Categorieën persoonsgegevens"),
    "special_categories": _l("Bijzondere persoonsgegevens"),
    "bsn": _l("BSN"),
    "recipients": _l("Ontvangers"),
    "processors": _l("Verwerkers"),
    "outside_eea": _l("Doorgifte buiten de EER"),
    "outside_eea_details": _l("Doorgifte: landen en waarborgen"),
    "retention": _l("Bewaartermijn"),
    "security_measures": _l("Beveiligingsmaatregelen"),
    "dpia_required": _l("DPIA nodig"),
    "dpia_done": _l("DPIA uitgevoerd"),
    "dpia_date": _l("Datum DPIA"),
    "dpia_link": _l("Vindplaats DPIA"),
    "owner": _l("Proceseigenaar"),
    "status": _l("Status"),
    "organisation": _l("Organisatie"),
    "contact": _l("Contactgegevens"),
    "country": _l("Land"),
    "inside_eea": _l("Binnen de EER"),
    "agreement_signed": _l("Verwerkersovereenkomst getekend"),
    "agreement_signed_on": _l("Getekend op"),
    "agreement_expires_on": _l("Verloopt op"),
    "agreement_review_on": _l("Herbeoordelen op"),
}

__all__ = ["ART9_GROUNDS", "ATTENTION", "DATA_CATEGORIES", "FIELD", "HISTORY_KIND", "LEGAL_BASES",
           "SPECIAL_CATEGORIES", "STATUS", "SUBJECT_CATEGORIES"]
