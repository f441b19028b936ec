"""The lists the FG chooses from, with Dutch labels (translatable)."""

from __future__ import annotations

from bio_register.breaches.models import CbwPhase, CorrespondenceKind, NoNotifyGround, NotificationKind, OwnSeverity
from bio_register.i18n import lazy_gettext as _l

#: categories of personal data (the AP's meldformulier and common municipal practice)
DATA_CATEGORIES = {
    "naw": _l("NAW-gegevens (naam, adres, woonplaats)"),
    "contact": _l("Contactgegevens (e-mail, telefoon)"),
    "login": _l("Inlog- of identificatiegegevens"),
    "financieel": _l("Financiële gegevens"),
    "id_kopie": _l("Kopie identiteitsbewijs"),
    "geslacht_geboorte": _l("Geslacht, geboortedatum of leeftijd"),
    "locatie": _l("Locatiegegevens"),
    "overig": _l("Overige gegevens"),
}

#: special categories (AVG art. 9) and criminal data (art. 10) are recorded separately
SPECIAL_CATEGORIES = {
    "gezondheid": _l("Gezondheid"),
    "religie": _l("Religie of levensovertuiging"),
    "ras_etniciteit": _l("Ras of etnische afkomst"),
    "politiek": _l("Politieke opvattingen"),
    "vakbond": _l("Lidmaatschap van een vakbond"),
    "seksueel": _l("Seksueel gedrag of seksuele gerichtheid"),
    "genetisch": _l("Genetische gegevens"),
    "biometrisch": _l("Biometrische gegevens"),
}

SUBJECT_CATEGORIES = {
    "inwoners": _l("Inwoners"),
    "medewerkers": _l("Medewerkers"),
    "kinderen": _l("Kinderen"),
    "clienten_sociaal_domein": _l("Cliënten sociaal domein"),
    "ondernemers": _l("Ondernemers"),
    "kwetsbaren": _l("Andere kwetsbare groepen"),
    "overig": _l("Overig"),
}

KIND_LABELS = {NotificationKind.INITIAL: _l("eerste melding"), NotificationKind.FOLLOW_UP: _l("aanvulling"),
               NotificationKind.WITHDRAWAL: _l("intrekking")}
GROUND_LABELS = {
    NoNotifyGround.NO_HIGH_RISK: _l("geen hoog risico voor de betrokkenen (art. 34 lid 1)"),
    NoNotifyGround.UNINTELLIGIBLE: _l("de gegevens waren onbegrijpelijk (bijv. goed versleuteld, sleutel veilig)"),
    NoNotifyGround.RISK_REMOVED: _l("latere maatregelen hebben het hoge risico weggenomen"),
    NoNotifyGround.DISPROPORTIONATE_EFFORT: _l("onevenredige inspanning: openbare mededeling in plaats daarvan"),
}
PHASE_LABELS = {CbwPhase.EARLY_WARNING: _l("vroegtijdige waarschuwing (24 uur)"),
                CbwPhase.NOTIFICATION: _l("incidentmelding (72 uur)"),
                CbwPhase.INTERIM: _l("tussentijds verslag (incident loopt nog)"),
                CbwPhase.FINAL: _l("eindverslag (1 maand)")}

#: the finer nature of the breach, as the AP's meldformulier asks it (beyond C/I/A)
BREACH_KINDS = {
    "ingezien": _l("Gelezen of ingezien"),
    "gekopieerd": _l("Gekopieerd"),
    "gewijzigd": _l("Veranderd"),
    "verwijderd": _l("Verwijderd of vernietigd"),
    "gestolen": _l("Gestolen"),
    "verloren": _l("Verloren"),
    "anders": _l("Anders"),
}
OWN_SEVERITY_LABELS = {OwnSeverity.LAAG: _l("laag"), OwnSeverity.GEMIDDELD: _l("gemiddeld"),
                       OwnSeverity.HOOG: _l("hoog"), OwnSeverity.ZEER_HOOG: _l("zeer hoog")}
CORRESPONDENCE_LABELS = {
    CorrespondenceKind.VRAAG_AP: _l("vraag van de AP"),
    CorrespondenceKind.ANTWOORD_AAN_AP: _l("antwoord aan de AP"),
    CorrespondenceKind.DOCUMENT: _l("document uitgewisseld"),
    CorrespondenceKind.DOSSIER_GESLOTEN: _l("AP sluit dossier"),
}
