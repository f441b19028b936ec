"""The shipped playbooks (draaiboeken): ordered steps per category of incident, in Dutch.

They follow the AVG (art. 33: the AP within 72 hours of becoming aware unless a risk to people is
unlikely, every datalek documented; art. 34: the people affected informed when the risk is high;
art. 38: the FG involved in time), the Cyberbeveiligingswet (a significant incident reported to the
CSIRT — for government bodies the NCSC — with an early warning within 24 hours) and the practice of
municipalities (the IBD, VNG's CERT, informed for support; that is not a legal notification).
An organisation adapts them (copy-on-edit, :mod:`bio_register.playbooks.services`); a step's text is
the organisation's own from then on. The texts are translatable: an English-speaking user sees the
shipped steps in English, but the steps applied to an incident keep the words they had then."""

from __future__ import annotations

from bio_register.i18n import lazy_gettext as _l
from bio_register.incidents.models import Category

_FG = _l("Informeer de FG (Functionaris Gegevensbescherming) direct, zodat die de beoordeling en het "
         "besluit over een melding bij de AP kan voorbereiden (AVG art. 38 lid 1).")
_DATALEK = _l("Beoordeel of persoonsgegevens zijn geraakt; zo ja: markeer het incident als datalek. De termijn "
              "van 72 uur voor een melding bij de AP loopt vanaf het moment van bewustwording (AVG art. 33).")
_CATEGORIES = _l("Leg vast welke soorten persoonsgegevens het betreft (bijvoorbeeld NAW, BSN, financiële "
                 "gegevens, gezondheid of andere bijzondere persoonsgegevens), van hoeveel en welke betrokkenen.")
_SUBJECTS = _l("Laat de FG beoordelen of de betrokkenen geïnformeerd moeten worden (AVG art. 34: bij een "
               "waarschijnlijk hoog risico, in duidelijke taal, met wat zij zelf kunnen doen) en leg het besluit "
               "met de motivering vast.")
_CBW = _l("Beoordeel met de CISO of het incident significant is in de zin van de Cyberbeveiligingswet; zo ja: "
          "vroegtijdige waarschuwing aan het CSIRT (NCSC) binnen 24 uur na bewustwording.")
_IBD = _l("Informeer de IBD (Informatiebeveiligingsdienst van de VNG) voor ondersteuning en waarschuwing van "
          "andere gemeenten; dit is geen wettelijke melding.")
_CAUSE = _l("Stel de oorzaak vast, leg de geleerde lessen vast en neem waar nodig maatregelen om herhaling te "
            "voorkomen (koppel ze als maatregel aan dit incident).")

#: category → the steps, in order
DEFAULTS: dict[Category, tuple[object, ...]] = {
    Category.WRONG_RECIPIENT_EMAIL: (
        _l("Vraag de onbedoelde ontvanger de e-mail en eventuele bijlagen te verwijderen (ook uit de map "
           "Verwijderde items), niet door te sturen, en dat schriftelijk te bevestigen."),
        _l("Probeer de e-mail terug te halen als de ontvanger binnen de eigen organisatie valt, en leg vast of "
           "dat gelukt is."),
        _l("Leg vast wie de ontvanger is (persoon of organisatie, binnen of buiten de overheid) en of er "
           "redenen zijn om te twijfelen aan de verwijdering."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _l("Stuur de e-mail alsnog naar de juiste ontvanger, als dat nodig is."),
        _l("Bespreek met de medewerker hoe het is gebeurd (automatisch aanvullen van adressen, CC in plaats van "
           "BCC, verkeerde bijlage) en overweeg maatregelen zoals een uitgestelde verzending of een "
           "waarschuwing bij externe ontvangers."),
        _CAUSE,
    ),
    Category.WRONG_RECIPIENT_POST: (
        _l("Neem contact op met de onbedoelde ontvanger: vraag de brief terug te sturen of te vernietigen en "
           "dat te bevestigen; haal de brief zo nodig op."),
        _l("Ga na hoeveel brieven verkeerd zijn verstuurd (één brief, of een fout in een bestand of "
           "adresbestand waardoor meer brieven zijn geraakt)."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _l("Stuur de brief alsnog naar de juiste ontvanger en corrigeer het adres in de bronregistratie als "
           "het daar fout stond."),
        _CAUSE,
    ),
    Category.LOST_STOLEN_DEVICE: (
        _l("Leg vast welk apparaat het is (laptop, telefoon, tablet, USB-stick), van wie, wanneer en waar het "
           "verloren of gestolen is."),
        _l("Laat het apparaat op afstand blokkeren en wissen (mobiel apparaatbeheer) en leg vast of dat gelukt "
           "is."),
        _l("Blokkeer de accounts en sessies op het apparaat en laat de gebruiker zijn wachtwoorden wijzigen "
           "(ook van diensten waarvoor het apparaat als tweede factor diende)."),
        _l("Ga na of de opslag versleuteld was en de sleutel niet in handen van de vinder of dief is; alleen "
           "dan is het risico voor betrokkenen onwaarschijnlijk."),
        _l("Doe aangifte bij de politie bij diefstal, en meld verlies bij de vervoerder of de locatie waar het "
           "apparaat is achtergelaten."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _CAUSE,
    ),
    Category.LOST_STOLEN_PAPER: (
        _l("Leg vast welke stukken het zijn (dossier, lijsten, brieven), van wie, wanneer en waar ze verloren of "
           "gestolen zijn."),
        _l("Probeer de stukken terug te vinden (de plek zelf, gevonden voorwerpen, vervoerder); doe bij "
           "diefstal aangifte bij de politie."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _CAUSE,
    ),
    Category.PUBLISHED_BY_MISTAKE: (
        _l("Haal de gegevens direct offline (website, openbare bekendmaking, Woo-publicatie, sociale media of "
           "gedeelde map) en bewaar een kopie van wat er stond voor het dossier."),
        _l("Vraag zoekmachines de pagina uit hun cache te verwijderen en vraag een verwijdering aan bij "
           "webarchieven die de pagina hebben opgeslagen."),
        _l("Stel vast hoe lang de gegevens openbaar waren en, uit de logbestanden, hoe vaak en door wie ze zijn "
           "bekeken of gedownload."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _l("Controleer andere publicaties uit hetzelfde proces (zelfde sjabloon, zelfde lakwerkwijze) op "
           "dezelfde fout."),
        _CAUSE,
    ),
    Category.EXCESSIVE_ACCESS: (
        _l("Beperk de toegangsrechten direct tot wat nodig is en leg vast wie te ruime rechten had, op welk "
           "systeem en sinds wanneer."),
        _l("Ga met de logbestanden na of gegevens met die rechten daadwerkelijk zijn ingezien, gewijzigd of "
           "geëxporteerd, en door wie."),
        _l("Informeer de eigenaar van het systeem of de verwerking en, als een verwerker het systeem beheert, "
           "de verwerker."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _l("Herzie de autorisatiematrix en de procedure voor het toekennen en intrekken van rechten (in- en "
           "uitdiensttreding, functiewijziging)."),
        _CAUSE,
    ),
    Category.PHISHING: (
        _l("Leg vast wie de phishingmail heeft ontvangen en of iemand op een link heeft geklikt, een bijlage "
           "heeft geopend of gegevens heeft ingevuld."),
        _l("Laat de mail uit alle postvakken verwijderen en blokkeer de afzender, de links en de domeinen."),
        _l("Wie inloggegevens heeft ingevuld: wijzig het wachtwoord, beëindig alle sessies, controleer de "
           "tweede factor en zoek in de aanmeldlogboeken naar misbruik (onbekende locaties, "
           "doorstuurregels in de mailbox)."),
        _l("Waarschuw de medewerkers met een voorbeeld van de mail."),
        _DATALEK,
        _FG,
        _CBW,
        _IBD,
        _CAUSE,
    ),
    Category.MALWARE_RANSOMWARE: (
        _l("Isoleer de besmette systemen van het netwerk (kabel los, wifi uit), maar zet ze niet uit: het "
           "geheugen kan sporen bevatten die voor onderzoek nodig zijn."),
        _l("Schakel het crisisteam of de incidentresponsprocedure in en informeer de CISO en de "
           "ICT-leverancier."),
        _l("Stel de back-ups veilig: koppel ze los van het netwerk en controleer of ze intact zijn voordat je "
           "ermee herstelt."),
        _CBW,
        _IBD,
        _DATALEK,
        _FG,
        _l("Bewaar het bewijs (logbestanden, losgeldbericht, besmette bestanden) en doe aangifte bij de "
           "politie."),
        _l("Betaal geen losgeld zonder bestuurlijk besluit; de IBD en het NCSC adviseren niet te betalen."),
        _l("Herstel de systemen vanuit schone back-ups, wijzig de wachtwoorden van (beheer)accounts en dicht "
           "het lek waardoor de aanvaller binnenkwam."),
        _CAUSE,
    ),
    Category.UNAVAILABILITY: (
        _l("Leg vast welke systemen of diensten niet beschikbaar zijn, sinds wanneer en voor wie."),
        _l("Schakel de leverancier of de beheerpartij in en houd de verwachte hersteltijd bij."),
        _l("Informeer de gebruikers en zo nodig de burgers (website, telefoon) over de storing en de "
           "uitwijkmogelijkheden."),
        _l("Ga na of gegevens verloren zijn gegaan of niet tijdig beschikbaar waren voor betrokkenen; zo ja: "
           "beoordeel of het een datalek is (ook verlies van beschikbaarheid telt) en informeer de FG."),
        _CBW,
        _CAUSE,
    ),
    Category.MALICIOUS_CODE: (
        _l("Isoleer de besmette systemen van het netwerk, maar zet ze niet uit."),
        _l("Laat de ICT-leverancier of het securityteam vaststellen welke malware het is en welke systemen en "
           "accounts geraakt zijn."),
        _CBW,
        _IBD,
        _DATALEK,
        _FG,
        _l("Verwijder de malware of herstel vanuit schone back-ups en wijzig de wachtwoorden van de geraakte "
           "accounts."),
        _CAUSE,
    ),
    Category.INTRUSIONS: (
        _l("Blokkeer het gecompromitteerde account of isoleer het systeem; beëindig alle sessies en wijzig de "
           "wachtwoorden."),
        _l("Zoek in de logbestanden wat de aanvaller heeft gedaan: ingezien, gekopieerd, gewijzigd, "
           "doorstuurregels of nieuwe accounts aangemaakt."),
        _CBW,
        _IBD,
        _DATALEK,
        _FG,
        _l("Bewaar het bewijs en doe zo nodig aangifte bij de politie."),
        _CAUSE,
    ),
    Category.INFORMATION_CONTENT_SECURITY: (
        _l("Stop het lek: trek de toegang in, haal de gegevens offline of herstel de gewijzigde gegevens."),
        _l("Stel vast welke gegevens zijn ingezien, gelekt, gewijzigd of verloren, en sinds wanneer."),
        _CATEGORIES,
        _FG,
        _SUBJECTS,
        _CBW,
        _CAUSE,
    ),
    Category.FRAUD: (
        _l("Leg vast wat er is gebeurd (valse factuur, CEO-fraude, misbruik van een identiteit) en welk "
           "bedrag of welke gegevens het betreft."),
        _l("Neem direct contact op met de bank om een betaling terug te halen of te blokkeren."),
        _l("Doe aangifte bij de politie en bewaar het bewijs (e-mails met headers, facturen)."),
        _DATALEK,
        _FG,
        _IBD,
        _CAUSE,
    ),
}


def steps_of(category: Category) -> list[str]:
    """The shipped steps of ``category`` in the current language (empty: none shipped)."""
    return [str(step) for step in DEFAULTS.get(category, ())]
