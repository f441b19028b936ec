"""Demo incidents: a realistic year of security incidents and datalekken per municipality.

Everything goes through the public services (incidents: create, status, update, timeline;
breaches: the FG's assessment, AP decision, AP notification and art. 34 decision), so each demo
record has a proper reference, audit trail and timeline; nothing is inserted directly. The
scenarios follow what Dutch municipalities actually register: mostly e-mail or post to the
wrong recipient, then lost devices and paper, publications with unredacted personal data,
too-broad access rights, phishing, incidents at suppliers, outages and a few RSIT classes.
Diemen registered 9 security incidents and 17 datalekken in 2021, so about 60–65 % of the
demo incidents are datalekken. No real people are named: only roles and departments.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bio_register.accounts.models import User
from bio_register.breaches import services as breaches
from bio_register.incidents import services
from bio_register.incidents.models import Category, EntryKind, Incident, Severity, Status
from bio_register.organisations.models import Organisation
from bio_register.permissions import Role
from bio_register.timeutil import DEFAULT_TZ

DIEMEN_CODE = "DIE"
DIEMEN_VERBINDINGSOFFICIER = "verbindingsofficier@demo.bio-register.nl"

#: incidents per municipality (inclusive)
PER_ORGANISATION = (25, 35)
#: the share of datalekken (Diemen 2021: 17 of 26)
DATALEK_SHARE = (0.60, 0.65)
#: the same scenario at most this often per municipality
MAX_REPEATS = 3

W = EntryKind.OBSERVATION
A = EntryKind.ACTION
C = EntryKind.COMMUNICATION

L, M, H, K = Severity.LAAG, Severity.MIDDEN, Severity.HOOG, Severity.KRITIEK

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Breach:
    """The FG's assessment of a datalek (ENISA inputs and the AP meldformulier) and decision."""

    data: tuple[str, ...]                     # breaches.catalog.DATA_CATEGORIES keys
    special: tuple[str, ...] = ()
    subjects: tuple[str, ...] = ("inwoners",)
    bsn: bool = False
    criminal: bool = False
    dpc: int = 1
    ei: str = "1"
    conf: str = "0.25"
    integ: str = "0"
    avail: str = "0"
    malicious: bool = False
    notify: bool = False                      # notified to the AP (and the data subjects informed)
    processor: str | None = None
    consequences: str = ""


@dataclass(frozen=True)
class Scenario:
    """One kind of incident. Texts may use ``{placeholders}`` filled from ``fill`` and ``{n}``."""

    category: Category
    is_datalek: bool
    weight: float
    title: str
    description: str
    severities: tuple[Severity, ...]
    cia: str                                  # letters of the impact flags: "C", "CI", "A", …
    reporters: tuple[str, ...]
    steps: tuple[tuple[EntryKind, str], ...]  # the follow-up, in order; the first is the observation
    decision: str                             # by the FG (datalek) or the CISO (security incident)
    cause: str
    lessons: str
    occurred: tuple[float, float] | None = (0.5, 24)   # hours before discovery; None: unknown
    people: tuple[int, int] = (1, 1)
    fill: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    withdraw: str | None = None               # the reason when this kind turns out not to be an incident
    days_to_close: tuple[float, float] = (1, 14)
    any_time: bool = False                    # may be discovered at night or in the weekend
    breach: Breach | None = None              # datalekken: the FG's assessment and decision


SCENARIOS: tuple[Scenario, ...] = (
    # --- e-mail to the wrong recipient ------------------------------------------------------------
    Scenario(
        Category.WRONG_RECIPIENT_EMAIL, True, 3.0,
        "E-mail met {stuk} naar verkeerde ontvanger ({afdeling})",
        "Een medewerker van {afdeling} stuurde een e-mail met {stuk} van een inwoner naar een verkeerd "
        "e-mailadres: de automatische aanvulling koos een andere inwoner met dezelfde achternaam. "
        "De ontvanger meldde dit zelf via het algemene contactformulier. In de bijlage stonden NAW-gegevens, "
        "het BSN en de inhoud van het besluit.",
        (L, M), "C",
        ("Teamleider {afdeling}", "Medewerker {afdeling}", "Klantcontactcentrum"),
        ((W, "Ontvanger meldt via het contactformulier een e-mail te hebben ontvangen die niet voor hem is."),
         (A, "Ontvanger gebeld en gevraagd de e-mail en bijlage te verwijderen; verwijdering schriftelijk "
             "bevestigd gevraagd."),
         (C, "Ontvanger heeft per e-mail bevestigd dat de e-mail en de bijlage zijn verwijderd.")),
        "Besluit FG: niet melden bij de AP. Eén betrokkene, de ontvanger is bekend en heeft de verwijdering "
        "bevestigd; het risico voor de betrokkene is klein. Betrokkene is wel geïnformeerd.",
        "Menselijke fout: de automatische aanvulling van adressen in Outlook koos het verkeerde adres.",
        "Automatische aanvulling voor externe adressen uitgezet bij het team; besluiten voortaan via de "
        "berichtenbox of beveiligde e-mail versturen.",
        occurred=(0.5, 30),
        fill={"afdeling|stuk": ("WMO|een WMO-beschikking",
                                "Participatie|een besluit over bijzondere bijstand",
                                "Burgerzaken|een uittreksel uit de BRP",
                                "Schuldhulpverlening|een budgetplan")},
        withdraw="Na onderzoek geen incident: de ontvanger was wel bevoegd (gemachtigde van de inwoner).",
        breach=Breach(("naw",), bsn=True, dpc=2,
                      consequences="Eén bekende ontvanger zag een besluit over de betrokkene."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_EMAIL, True, 2.0,
        "Bijlage met gegevens van een andere inwoner meegestuurd ({afdeling})",
        "Bij het beantwoorden van een vraag over een uitkering stuurde een consulent van {afdeling} per "
        "abuis ook {bijlage} van een andere inwoner mee. De ontvangende inwoner belde het "
        "klantcontactcentrum.",
        (M,), "C",
        ("Consulent {afdeling}", "Klantcontactcentrum", "Teamleider {afdeling}"),
        ((W, "Inwoner belt dat hij bij een antwoord op zijn vraag gegevens van een ander heeft ontvangen."),
         (A, "Verbindingsofficier heeft met de consulent vastgesteld welke bijlage is meegestuurd."),
         (C, "Ontvangende inwoner bezocht; de afdruk is meegenomen en de e-mail is in bijzijn verwijderd."),
         (C, "Betrokken inwoner telefonisch en per brief geïnformeerd over wat er is gebeurd.")),
        "Besluit FG: niet melden bij de AP. Gegevens van één persoon, ontvanger bekend en "
        "medewerkend, gegevens verwijderd. Betrokkene geïnformeerd.",
        "Menselijke fout: bij het opslaan van scans stonden documenten van twee cliënten in dezelfde map.",
        "Scanmap per cliënt ingericht; vier-ogencontrole bij uitgaande e-mail met bijlagen besproken in het "
        "werkoverleg.",
        occurred=(1, 48),
        fill={"afdeling": ("Participatie", "Schuldhulpverlening", "Sociaal Domein"),
              "bijlage": ("bankafschriften", "een loonstrook", "een kopie van het identiteitsbewijs")},
        withdraw="Na onderzoek geen incident: de bijlage betrof de partner van de ontvanger, die gezamenlijk "
                 "de uitkering ontvangen.",
        breach=Breach(("naw", "financieel"), subjects=("clienten_sociaal_domein",), dpc=3, ei="0.75",
                      consequences="Financiële gegevens van één persoon bekend bij een andere inwoner."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_EMAIL, True, 2.0,
        "Uitnodiging voor {bijeenkomst} in CC in plaats van BCC verstuurd",
        "{afdeling} verstuurde een uitnodiging voor {bijeenkomst} aan {n} inwoners, met alle adressen "
        "zichtbaar in het CC-veld. Uit de bijeenkomst en de adressen valt af te leiden dat deze inwoners "
        "met {afdeling} te maken hebben.",
        (L, M), "C",
        ("Medewerker Communicatie", "Teamleider {afdeling}", "Inwoner via klantcontactcentrum"),
        ((W, "Inwoners reageren met 'allen beantwoorden' op de uitnodiging; adressen zijn zichtbaar."),
         (A, "Recall geprobeerd (werkt niet voor externe adressen); ontvangers gevraagd de e-mail te "
             "verwijderen en niet te beantwoorden."),
         (C, "Excuusbericht (in BCC) aan alle ontvangers verstuurd.")),
        "Besluit FG: niet melden bij de AP. Alleen e-mailadressen, maar wel in de context van {afdeling}; "
        "risico beperkt, betrokkenen zijn met het excuusbericht geïnformeerd.",
        "Menselijke fout: de ontvangers zijn in het verkeerde veld geplakt.",
        "Groepsberichten aan inwoners voortaan via de nieuwsbriefmodule in plaats van Outlook.",
        occurred=(0.2, 3), people=(12, 85),
        fill={"afdeling": ("Schuldhulpverlening", "Jeugd", "WMO", "Sociaal Domein"),
              "bijeenkomst": ("een informatieavond", "een ouderavond", "een inloopspreekuur")},
        breach=Breach(("contact",), subjects=("inwoners", "clienten_sociaal_domein"), dpc=2, ei="0.75",
                      consequences="Ontvangers zien dat de betrokkenen met {afdeling} te maken hebben."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_EMAIL, True, 1.0,
        "Volledige lijst {lijst} naar externe partij gestuurd (Leerplicht)",
        "Een leerplichtambtenaar stuurde een Excel-bestand met {lijst} ({n} leerlingen, met naam, "
        "geboortedatum, adres en school) naar een samenwerkingspartner. Bedoeld was een gefilterde "
        "lijst van de leerlingen waarvoor die partner een taak heeft.",
        (M, H), "C",
        ("Leerplichtambtenaar", "Teamleider Jeugd"),
        ((W, "Leerplichtambtenaar ziet bij controle van verzonden items dat het hele bestand is verstuurd."),
         (A, "Partner gevraagd het bestand te verwijderen uit mailbox en eventuele opslaglocaties."),
         (C, "Partner bevestigt schriftelijk dat het bestand is verwijderd en niet verder is gedeeld.")),
        "Besluit FG: niet melden bij de AP. Ontvanger is een professionele partij met geheimhoudingsplicht "
        "en heeft verwijdering bevestigd; geen bijzondere persoonsgegevens.",
        "Filter in Excel stond aan op het scherm, maar het volledige tabblad werd opgeslagen en verstuurd.",
        "Gegevens aan partners voortaan via de beveiligde uitwisselomgeving met een export per partner.",
        occurred=(0.5, 72), people=(120, 640),
        fill={"lijst": ("leerplichtige jongeren", "schoolverzuimmeldingen", "vroegtijdig schoolverlaters")},
        breach=Breach(("naw", "geslacht_geboorte"), subjects=("kinderen",), dpc=2,
                      consequences="Gegevens van leerlingen bij een partner zonder taak voor hen."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_EMAIL, False, 1.0,
        "Vertrouwelijk collegeadvies naar verkeerde interne verzendlijst",
        "Een vertrouwelijk collegeadvies over {onderwerp} is per abuis naar een brede interne verzendlijst "
        "gestuurd in plaats van naar het managementteam. Er stonden geen persoonsgegevens in, wel "
        "vertrouwelijke financiële informatie.",
        (L,), "C",
        ("Bestuurssecretariaat", "Concernstaf"),
        ((W, "Meerdere medewerkers melden dat zij een vertrouwelijk stuk hebben ontvangen."),
         (A, "Bericht door Servicedesk Duo+ uit alle interne mailboxen verwijderd.")),
        "Besluit CISO: afgehandeld; geen persoonsgegevens, stuk alleen intern verspreid en verwijderd.",
        "Verkeerde verzendlijst gekozen; de namen van beide lijsten lijken op elkaar.",
        "Verzendlijsten hernoemd; vertrouwelijke stukken via de beveiligde samenwerkingsruimte delen.",
        occurred=(0.2, 4),
        fill={"onderwerp": ("een grondtransactie", "een aanbesteding", "de begroting")},
    ),
    # --- post to the wrong recipient --------------------------------------------------------------
    Scenario(
        Category.WRONG_RECIPIENT_POST, True, 2.0,
        "Twee aanslagen gemeentelijke belastingen in één envelop",
        "Een inwoner ontving in de envelop met zijn aanslag ook de aanslag van een andere inwoner. Bij "
        "het kuvertteren van een handmatige batch van Belastingen zijn twee brieven samen gevouwen.",
        (L,), "C",
        ("Medewerker Belastingen", "Klantcontactcentrum"),
        ((W, "Inwoner brengt de aanslag van een ander langs bij de balie."),
         (A, "Nagegaan in welke batch de fout is ontstaan; de rest van de batch gecontroleerd."),
         (C, "Betrokkene per brief geïnformeerd en een nieuwe aanslag gestuurd.")),
        "Besluit FG: niet melden bij de AP. Eén betrokkene, de brief is teruggebracht, financieel belang "
        "beperkt.",
        "Handmatige kuvertering bij een kleine batch; geen telling per envelop.",
        "Kleine batches ook via de printstraat met gewichtscontrole laten lopen.",
        occurred=(24, 120),
        withdraw="Na onderzoek geen incident: de tweede aanslag betrof de echtgenote op hetzelfde adres.",
        breach=Breach(("naw", "financieel"), dpc=2,
                      consequences="Eén inwoner ziet de aanslag van een ander."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_POST, True, 1.5,
        "Beschikking jeugdhulp naar adres van de andere ouder gestuurd",
        "Een beschikking jeugdhulp is verstuurd naar het adres van de andere (gescheiden) ouder, die geen "
        "gezag heeft. In de beschikking staan de naam van het kind, de vorm van jeugdhulp en de "
        "zorgaanbieder.",
        (H,), "C",
        ("Consulent Jeugd", "Teamleider Jeugd", "Wijkteam"),
        ((W, "Ouder met gezag belt dat de andere ouder een beschikking over hun kind heeft ontvangen."),
         (A, "Adresgegevens in het zaaksysteem gecorrigeerd; de verkeerde adressering kwam uit een oud "
             "contactpersoonveld."),
         (C, "Ouder zonder gezag gevraagd de brief terug te sturen; brief is retour ontvangen."),
         (C, "Gesprek met de ouder met gezag over wat er is gebeurd en welke maatregelen zijn genomen.")),
        "Besluit FG: niet melden bij de AP na afweging: gezondheidsgegevens van een kind, maar de ontvanger "
        "is de andere ouder die de situatie kent, de brief is retour en de ouder met gezag is geïnformeerd. "
        "Afweging vastgelegd.",
        "Het zaaksysteem gebruikte een verouderd adres van een contactpersoon in plaats van de BRP.",
        "Adressering van beschikkingen altijd uit de BRP; contactpersoonvelden opgeschoond.",
        occurred=(24, 168),
        breach=Breach(("naw", "geslacht_geboorte"), special=("gezondheid",), subjects=("kinderen",), dpc=3,
                      consequences="De ouder zonder gezag kent de jeugdhulp van het kind; kans op conflict."),
    ),
    Scenario(
        Category.WRONG_RECIPIENT_POST, True, 1.0,
        "Brief over {zaak} met gegevens van bezwaarmaker naar aanvrager gestuurd",
        "Team Vergunningen stuurde de aanvrager van {zaak} een brief waarin de naam, het adres en het "
        "telefoonnummer van een bezwaarmaker (een buurman) niet waren weggelaten.",
        (M,), "C",
        ("Jurist Vergunningen", "Medewerker Vergunningen"),
        ((W, "Bezwaarmaker meldt dat de aanvrager hem heeft aangesproken op zijn bezwaar."),
         (A, "Brief en verzendlijst nagekeken; vastgesteld dat de anonimisering is overgeslagen."),
         (C, "Bezwaarmaker uitgebreid geïnformeerd; excuses aangeboden.")),
        "Besluit FG: niet melden bij de AP. NAW- en contactgegevens van één persoon, de gegevens waren "
        "deels al bekend bij de ontvanger; betrokkene is geïnformeerd.",
        "Het sjabloon voor de ontvangstbevestiging nam de bezwaarmakers automatisch over.",
        "Sjabloon aangepast; anonimiseren is een verplichte stap in het zaaktype.",
        occurred=(24, 240),
        fill={"zaak": ("een omgevingsvergunning", "een dakkapel", "een kapvergunning")},
        breach=Breach(("naw", "contact"), dpc=1,
                      consequences="Aanvrager kent de bezwaarmaker; kans op burenruzie."),
    ),
    # --- lost or stolen devices -----------------------------------------------------------------
    Scenario(
        Category.LOST_STOLEN_DEVICE, False, 1.5,
        "Laptop van medewerker {afdeling} gestolen uit auto",
        "Uit de auto van een medewerker van {afdeling} is een laptop van de gemeente gestolen. De laptop "
        "is versleuteld met BitLocker en beveiligd met een pincode; er stonden geen bestanden lokaal.",
        (L, M), "CA",
        ("Medewerker {afdeling}", "Servicedesk Duo+"),
        ((W, "Medewerker meldt de diefstal bij de Servicedesk Duo+; aangifte is gedaan bij de politie."),
         (A, "Servicedesk heeft het apparaat op afstand gewist en het account van de medewerker "
             "geblokkeerd en een nieuw wachtwoord uitgegeven."),
         (A, "Controle aanmeldlogboek: geen aanmeldpogingen na het moment van diefstal.")),
        "Besluit CISO: geen datalek (versleuteld, sleutel niet gecompromitteerd, geen lokale bestanden); "
        "afgehandeld als beveiligingsincident.",
        "Diefstal uit een geparkeerde auto.",
        "Herinnering aan alle medewerkers: apparatuur niet in de auto achterlaten.",
        occurred=(2, 14),
        fill={"afdeling": ("Handhaving", "Wijkteam", "Vergunningen", "Openbare Ruimte")},
        withdraw="Na onderzoek geen incident: de laptop is teruggevonden in een vergaderruimte op het "
                 "gemeentehuis.",
        any_time=True,
    ),
    Scenario(
        Category.LOST_STOLEN_DEVICE, True, 1.0,
        "Diensttelefoon {afdeling} verloren, zonder schermvergrendeling",
        "Een consulent van {afdeling} is een diensttelefoon kwijtgeraakt. De telefoon had geen "
        "schermvergrendeling; in WhatsApp en de mail stonden berichten met cliënten over hun situatie.",
        (M, H), "CA",
        ("Consulent {afdeling}", "Servicedesk Duo+"),
        ((W, "Consulent meldt verlies van de diensttelefoon na een huisbezoek."),
         (A, "Servicedesk heeft de telefoon via het MDM op afstand gewist (bevestiging ontvangen na "
             "verbinding)."),
         (A, "Nagegaan met welke cliënten contact via de telefoon liep.")),
        "Besluit FG: niet melden bij de AP. De telefoon is binnen enkele uren gewist en er zijn geen "
        "aanwijzingen dat iemand de gegevens heeft ingezien; afweging vastgelegd.",
        "Schermvergrendeling was uitgezet omdat die 'onhandig' was tijdens huisbezoeken.",
        "Schermvergrendeling is nu via het MDM afgedwongen; WhatsApp met cliënten vervangen door de "
        "beveiligde chat in het cliëntportaal.",
        occurred=(1, 20),
        fill={"afdeling": ("Jeugd", "WMO", "Wijkteam")},
        withdraw="Na onderzoek geen incident: de telefoon lag nog bij de cliënt en is dezelfde dag "
                 "teruggebracht.",
        breach=Breach(("naw", "contact"), special=("gezondheid",), subjects=("clienten_sociaal_domein",),
                      dpc=3,
                      ei="0.75", conf="0.5", avail="0.25",
                      consequences="Een vinder kan berichten over de situatie van cliënten lezen."),
    ),
    Scenario(
        Category.LOST_STOLEN_DEVICE, True, 0.7,
        "USB-stick met {bestand} verloren (Burgerzaken)",
        "Een medewerker van Burgerzaken heeft een onversleutelde USB-stick verloren met {bestand} "
        "(ongeveer {n} personen, met NAW-gegevens, geboortedatum en telefoonnummer).",
        (M,), "CA",
        ("Medewerker Burgerzaken", "Teamleider Burgerzaken"),
        ((W, "Medewerker meldt dat de USB-stick niet meer te vinden is na de training op locatie."),
         (A, "Locatie gebeld en gezocht; stick niet gevonden."),
         (A, "Nagegaan welk bestand op de stick stond en of er een actuele kopie op de netwerkschijf is.")),
        "Besluit FG: niet melden bij de AP. Geen bijzondere gegevens, stick waarschijnlijk op een "
        "afgesloten locatie verloren; betrokkenen per e-mail geïnformeerd.",
        "Gebruik van een eigen, onversleutelde USB-stick voor werkbestanden.",
        "USB-poorten alleen nog voor versleutelde sticks van Duo+; bestanden via de samenwerkingsomgeving.",
        occurred=(2, 72), people=(80, 180),
        fill={"bestand": ("de lijst met stembureauleden", "de planning van ceremonieel ambtenaren")},
        breach=Breach(("naw", "contact", "geslacht_geboorte"), dpc=1, conf="0.5", avail="0.25",
                      consequences="Contactgegevens mogelijk bij een onbekende vinder."),
    ),
    # --- lost or stolen paper -------------------------------------------------------------------
    Scenario(
        Category.LOST_STOLEN_PAPER, True, 1.0,
        "Dossiermap keukentafelgesprek WMO in trein laten liggen",
        "Een WMO-consulent heeft een map met aantekeningen van {n} keukentafelgesprekken in de trein laten "
        "liggen. In de aantekeningen staan namen, adressen en gegevens over gezondheid en beperkingen.",
        (H,), "C",
        ("WMO-consulent", "Teamleider WMO"),
        ((W, "Consulent meldt dat de map na de treinreis niet meer in de tas zat."),
         (A, "Gevonden voorwerpen van NS gecontacteerd en verlies gemeld."),
         (C, "Betrokkenen telefonisch geïnformeerd door de consulent en de teamleider.")),
        "Besluit FG: gemeld bij de AP. Gezondheidsgegevens van meerdere personen, niet teruggevonden; "
        "risico niet uit te sluiten. Betrokkenen zijn geïnformeerd (art. 34 AVG).",
        "Papieren aantekeningen meegenomen buiten kantoor, niet in een afgesloten tas.",
        "Keukentafelgesprekken voortaan direct digitaal vastleggen op de tablet; geen papieren dossiers mee.",
        occurred=(1, 8), people=(3, 6), days_to_close=(10, 30),
        withdraw="Na onderzoek geen incident: de map is de volgende ochtend teruggevonden in de eigen auto.",
        breach=Breach(("naw",), special=("gezondheid",), subjects=("clienten_sociaal_domein", "kwetsbaren"),
                      dpc=4, conf="0.5", avail="0.25", notify=True,
                      consequences="Gezondheidsgegevens van kwetsbare inwoners mogelijk bij onbekenden."),
    ),
    Scenario(
        Category.LOST_STOLEN_PAPER, True, 1.0,
        "Uitdraai met BSN's gevonden bij openbare printer",
        "Een bezoeker van de bibliotheek gaf een uitdraai af die in de openbare printer lag: een lijst "
        "van {n} inwoners met naam, BSN en {soort} van {afdeling}.",
        (M,), "C",
        ("Bibliotheekmedewerker via receptie", "Teamleider {afdeling}"),
        ((W, "Receptie ontvangt een uitdraai die bij de openbare printer in de bibliotheek is gevonden."),
         (A, "Nagegaan wie de uitdraai heeft gemaakt: een thuiswerkende medewerker die het verkeerde "
             "printerprofiel gebruikte."),
         (A, "Printerprofiel van de openbare printer verwijderd uit de standaardlijst.")),
        "Besluit FG: niet melden bij de AP. De uitdraai is door een bekende persoon teruggebracht en lag "
        "kort in een ruimte met weinig bezoekers; risico klein.",
        "De openbare printer stond in de standaard printerlijst van de gemeentelijke werkplek.",
        "Openbare printers afgeschermd van de werkplek; 'follow-me'-printen met pas verplicht.",
        occurred=(1, 30), people=(20, 60),
        fill={"afdeling|soort": ("Belastingen|openstaande bedragen", "Participatie|het uitkeringsbedrag")},
        breach=Breach(("naw", "financieel"), bsn=True, dpc=2,
                      consequences="Kort inzage voor een bezoeker van de bibliotheek."),
    ),
    Scenario(
        Category.LOST_STOLEN_PAPER, True, 0.5,
        "Tas met verslagen van huisbezoeken gestolen (Handhaving)",
        "Bij een inbraak in de dienstauto van Handhaving is een tas gestolen met verslagen van "
        "huisbezoeken naar aanleiding van adresonderzoek (BRP), met namen, adressen en bevindingen.",
        (H,), "CA",
        ("Teamleider Handhaving", "Boa Handhaving"),
        ((W, "Boa meldt inbraak in de dienstauto; de tas met verslagen ontbreekt."),
         (A, "Aangifte gedaan bij de politie; lijst van adressen gereconstrueerd uit het zaaksysteem."),
         (C, "Betrokken bewoners per brief geïnformeerd.")),
        "Besluit FG: gemeld bij de AP. Gegevens over adresonderzoek en mogelijke fraude, dader onbekend en "
        "kwaadwillend; betrokkenen geïnformeerd.",
        "Papieren verslagen achtergelaten in de dienstauto.",
        "Verslagen alleen nog digitaal op de tablet; geen papieren stukken in voertuigen achterlaten.",
        occurred=(2, 16), people=(6, 14), days_to_close=(10, 35), any_time=True,
        breach=Breach(("naw",), criminal=True, dpc=3, conf="0.5", avail="0.25", malicious=True, notify=True,
                      consequences="Gegevens over adresonderzoek en vermoedens van fraude bij een dader."),
    ),
    # --- published by mistake -------------------------------------------------------------------
    Scenario(
        Category.PUBLISHED_BY_MISTAKE, True, 1.0,
        "Raadsstuk met ongelakte persoonsgegevens op de website",
        "Bij een raadsvoorstel over {onderwerp} is een bijlage gepubliceerd waarin namen, adressen en "
        "handtekeningen van {n} insprekers niet waren gelakt. Het stuk stond enkele dagen op de "
        "website en in het raadsinformatiesysteem.",
        (M, H), "C",
        ("Griffie", "Medewerker Communicatie"),
        ((W, "Een raadslid wijst de griffie op niet-gelakte namen in een bijlage."),
         (A, "Bijlage offline gehaald en een gelakte versie gepubliceerd."),
         (A, "Zoekmachines gevraagd de gecachete versie te verwijderen."),
         (C, "Insprekers per brief geïnformeerd.")),
        "Besluit FG: niet melden bij de AP. NAW-gegevens en handtekeningen, kort openbaar, insprekers "
        "hadden zelf al publiek gesproken; wel geïnformeerd. Afweging vastgelegd.",
        "De lakfunctie was toegepast als zwarte vlakken over de tekst; de tekst was nog te selecteren.",
        "Lakken alleen met de lakmodule van het DMS; publicatiecheck door een tweede medewerker.",
        occurred=(48, 240), people=(4, 12), days_to_close=(5, 20),
        fill={"onderwerp": ("een bestemmingsplan", "de herinrichting van een plein", "windmolens")},
        breach=Breach(("naw", "overig"), dpc=1, conf="0.5",
                      consequences="Namen, adressen en handtekeningen enkele dagen openbaar."),
    ),
    Scenario(
        Category.PUBLISHED_BY_MISTAKE, True, 1.0,
        "Woo-besluit gepubliceerd met niet-gelakte namen en telefoonnummers",
        "Een besluit op een Woo-verzoek over {onderwerp} is met de documenten gepubliceerd op de website "
        "en PLOOI. In {n} documenten zijn namen, e-mailadressen en telefoonnummers van medewerkers van "
        "externe partijen en van inwoners niet gelakt.",
        (M,), "C",
        ("Woo-coördinator", "Jurist Bestuurszaken"),
        ((W, "Woo-coördinator ziet bij nacontrole niet-gelakte gegevens in de gepubliceerde set."),
         (A, "Documenten offline gehaald bij de website en verwijdering bij PLOOI aangevraagd."),
         (A, "Opnieuw gelakte set gepubliceerd na vier-ogencontrole.")),
        "Besluit FG: niet melden bij de AP. Contactgegevens in zakelijke context, korte tijd openbaar; "
        "risico klein.",
        "Bij een groot Woo-verzoek is de lakronde van een deel van de documenten overgeslagen.",
        "Checklist voor Woo-publicaties met verplichte nacontrole vóór publicatie.",
        occurred=(24, 336), people=(5, 25),
        fill={"onderwerp": ("een subsidieregeling", "de opvang van statushouders",
                            "evenementenvergunningen")},
        withdraw="Na onderzoek geen incident: de namen waren van bestuurders die in functie handelden.",
        breach=Breach(("naw", "contact"), subjects=("inwoners", "overig"), dpc=1, ei="0.75", conf="0.5",
                      consequences="Contactgegevens korte tijd openbaar; kans op ongewenst contact."),
    ),
    Scenario(
        Category.PUBLISHED_BY_MISTAKE, True, 0.7,
        "Bouwtekeningen met persoonsgegevens aanvrager zichtbaar op het omgevingsloket",
        "Bij de bekendmaking van een aanvraag omgevingsvergunning zijn de volledige aanvraagstukken "
        "gepubliceerd, inclusief naam, telefoonnummer, e-mailadres en handtekening van de aanvrager.",
        (L,), "C",
        ("Medewerker Vergunningen",),
        ((W, "Aanvrager belt dat zijn telefoonnummer online staat."),
         (A, "Publicatie aangepast: alleen nog de tekeningen zonder het aanvraagformulier.")),
        "Besluit FG: niet melden bij de AP. Contactgegevens van één persoon; risico klein.",
        "Het aanvraagformulier zat in hetzelfde PDF-bestand als de tekeningen.",
        "Bij ontvangst van aanvragen het formulier en de tekeningen als aparte documenten opslaan.",
        occurred=(72, 500),
        breach=Breach(("naw", "contact"), dpc=1, conf="0.5",
                      consequences="Telefoonnummer en handtekening openbaar."),
    ),
    Scenario(
        Category.PUBLISHED_BY_MISTAKE, False, 0.5,
        "Netwerkschema in openbare presentatie op de website",
        "In een presentatie over digitalisering op de website stond een dia met het netwerkschema van "
        "het gemeentehuis, inclusief IP-adressen en typen firewalls.",
        (M,), "C",
        ("Servicedesk Duo+", "Medewerker Communicatie"),
        ((W, "Een beveiligingsonderzoeker meldt via het CVD-formulier dat een netwerkschema online staat."),
         (A, "Presentatie offline gehaald en zonder de dia opnieuw geplaatst."),
         (C, "Melder bedankt via de CVD-procedure.")),
        "Besluit CISO: afgehandeld; geen persoonsgegevens. Firewallregels nagelopen, geen misbruik gezien.",
        "Een interne presentatie is zonder controle hergebruikt voor de website.",
        "Publicaties over ICT vooraf laten toetsen door de CISO.",
        occurred=(240, 2000),
    ),
    # --- too-broad access -------------------------------------------------------------------------
    Scenario(
        Category.EXCESSIVE_ACCESS, True, 0.8,
        "Netwerkmap met jeugdzorgdossiers leesbaar voor hele afdeling",
        "Een netwerkmap met dossiers van jeugdzorgcliënten (gezinsplannen, verslagen, "
        "indicatiebesluiten) bleek leesbaar voor de hele afdeling Sociaal Domein (ongeveer 90 "
        "medewerkers) in plaats van alleen voor het team Jeugd. Het gaat om ongeveer {n} kinderen.",
        (H,), "C",
        ("Teamleider Jeugd", "Functioneel beheerder Sociaal Domein"),
        ((W, "Een medewerker van WMO merkt dat hij jeugddossiers kan openen."),
         (A, "Rechten op de map direct beperkt tot het team Jeugd."),
         (A, "Toegangslogboek van drie maanden opgevraagd bij Duo+ en geanalyseerd."),
         (C, "Ouders van betrokken kinderen per brief geïnformeerd.")),
        "Besluit FG: gemeld bij de AP. Bijzondere gegevens over kinderen; uit het logboek blijkt dat een "
        "aantal mappen door medewerkers buiten het team is geopend. Betrokkenen geïnformeerd.",
        "Bij de migratie naar de nieuwe fileserver zijn de rechten van de bovenliggende map overgenomen.",
        "Na migraties een rechtencheck op mappen met bijzondere persoonsgegevens; dossiers naar het "
        "zaaksysteem.",
        occurred=None, people=(150, 400), days_to_close=(14, 45),
        breach=Breach(("naw", "geslacht_geboorte"), special=("gezondheid",),
                      subjects=("kinderen", "clienten_sociaal_domein"), dpc=4, notify=True,
                      consequences="Collega's buiten het team Jeugd konden dossiers van kinderen inzien."),
    ),
    Scenario(
        Category.EXCESSIVE_ACCESS, False, 1.0,
        "Account van vertrokken medewerker {afdeling} niet tijdig geblokkeerd",
        "Bij de kwartaalcontrole van accounts bleek dat een medewerker van {afdeling} die drie maanden "
        "geleden uit dienst ging, nog een actief account had met toegang tot het zaaksysteem.",
        (L, M), "C",
        ("Functioneel beheerder", "HR Duo+"),
        ((W, "Kwartaalcontrole accounts: account van een vertrokken medewerker is nog actief."),
         (A, "Account geblokkeerd; aanmeldlogboek sinds de uitdiensttreding gecontroleerd: niet gebruikt.")),
        "Besluit CISO: geen datalek (account aantoonbaar niet gebruikt); afgehandeld.",
        "De uitdienstmelding van HR kwam niet bij het functioneel beheer van het zaaksysteem aan.",
        "Uitdienstproces gekoppeld aan het automatisch blokkeren van alle accounts.",
        occurred=None,
        fill={"afdeling": ("Belastingen", "Burgerzaken", "Sociaal Domein", "Vergunningen")},
    ),
    Scenario(
        Category.EXCESSIVE_ACCESS, True, 0.8,
        "Teams-kanaal met bijstandsdossiers gedeeld met externe gast",
        "In een Teams-kanaal van Participatie met documenten over bijstandsaanvragen was een externe "
        "gast (een medewerker van een re-integratiebedrijf) toegevoegd, die daardoor alle documenten "
        "van ongeveer {n} cliënten kon inzien.",
        (M, H), "C",
        ("Teamleider Participatie", "Servicedesk Duo+"),
        ((W, "Bij een review van gasttoegang ziet de servicedesk een gast in een Participatie-kanaal."),
         (A, "Gast verwijderd; auditlog van Microsoft 365 opgevraagd."),
         (C, "Re-integratiebedrijf bevestigt dat er geen documenten zijn gedownload."),
         (A, "Gastbeleid aangescherpt: gasten alleen in aparte kanalen zonder dossiers.")),
        "Besluit FG: niet melden bij de AP. Volgens het auditlog zijn geen documenten geopend door de "
        "gast; de ontvanger heeft een verwerkersovereenkomst.",
        "Gast toegevoegd aan het hoofdkanaal in plaats van aan een apart overlegkanaal.",
        "Periodieke review van gasttoegang; gevoelige dossiers niet in Teams maar in het zaaksysteem.",
        occurred=(100, 1500), people=(40, 120),
        breach=Breach(("naw", "financieel"), subjects=("clienten_sociaal_domein",), dpc=3, ei="0.5",
                      consequences="Een externe partij had inzage in dossiers buiten haar opdracht."),
    ),
    # --- phishing and fraud -----------------------------------------------------------------------
    Scenario(
        Category.PHISHING, False, 2.0,
        "Inloggegevens ingevuld op nep-Microsoft 365-pagina",
        "Een medewerker van {afdeling} vulde zijn gebruikersnaam en wachtwoord in op een nagemaakte "
        "Microsoft 365-inlogpagina na een e-mail over een 'gedeeld document'. MFA blokkeerde de "
        "aanmelding van de aanvaller.",
        (M,), "C",
        ("Medewerker {afdeling}", "Servicedesk Duo+"),
        ((W, "Medewerker meldt zelf dat hij zijn gegevens heeft ingevuld op een verdachte pagina."),
         (A, "Wachtwoord gereset, sessies ingetrokken, MFA-methoden gecontroleerd."),
         (A, "Phishingmail uit alle mailboxen verwijderd; URL geblokkeerd in de webfilter."),
         (A, "Aanmeldlogboek gecontroleerd: mislukte aanmelding vanuit het buitenland, geen toegang.")),
        "Besluit CISO: geen datalek (MFA blokkeerde de aanmelding, geen toegang tot de mailbox); "
        "afgehandeld.",
        "Geloofwaardige phishingmail vanaf een gecompromitteerd account van een leverancier.",
        "Melding als positief voorbeeld gedeeld op intranet; extra phishingoefening voor het team.",
        occurred=(0.2, 6),
        fill={"afdeling": ("Burgerzaken", "Belastingen", "Vergunningen", "Sociaal Domein", "Financiën")},
        withdraw="Na onderzoek geen incident: de e-mail was een aangekondigde phishingoefening van Duo+.",
    ),
    Scenario(
        Category.PHISHING, True, 0.7,
        "Mailbox {afdeling} overgenomen na phishing; doorstuurregel naar extern adres",
        "Na een phishingmail kreeg een aanvaller toegang tot de mailbox van een medewerker van {afdeling} "
        "en maakte een regel die alle inkomende e-mail doorstuurde naar een extern adres. In de "
        "doorgestuurde e-mails stonden gegevens van ongeveer {n} inwoners.",
        (H,), "CI",
        ("Servicedesk Duo+", "Security Operations Center Duo+"),
        ((W, "SOC ziet een verdachte doorstuurregel naar een extern Gmail-adres."),
         (A, "Account geblokkeerd, regel verwijderd, sessies ingetrokken en MFA opnieuw ingericht."),
         (A, "Met het auditlog vastgesteld welke e-mails zijn doorgestuurd en van welke inwoners."),
         (C, "Betrokken inwoners per brief geïnformeerd; IBD ingelicht over de indicatoren.")),
        "Besluit FG: gemeld bij de AP. Kwaadwillende toegang tot correspondentie met financiële gegevens "
        "van inwoners; betrokkenen geïnformeerd.",
        "Het account viel onder een uitzondering op MFA voor een oude scanner.",
        "Uitzonderingen op MFA opgeheven; doorsturen naar externe adressen centraal geblokkeerd.",
        occurred=(24, 240), people=(30, 90), days_to_close=(14, 40), any_time=True,
        fill={"afdeling": ("Belastingen", "Participatie")},
        breach=Breach(("naw", "contact", "financieel"), bsn=True, dpc=3, conf="0.5", integ="0.25",
                      malicious=True, notify=True,
                      consequences="Kans op fraude en gerichte phishing met de buitgemaakte gegevens."),
    ),
    Scenario(
        Category.FRAUD, False, 0.8,
        "Phishingmail uit naam van de burgemeester met verzoek om betaling",
        "Een medewerker van Financiën ontving een e-mail die van de burgemeester leek te komen, met "
        "het verzoek een spoedbetaling van {bedrag} te doen aan een leverancier. De medewerker "
        "vertrouwde het niet en belde het bestuurssecretariaat.",
        (L,), "I",
        ("Medewerker Financiën", "Bestuurssecretariaat"),
        ((W, "Medewerker Financiën meldt een verdacht betaalverzoek uit naam van de burgemeester."),
         (A, "Afzenderdomein geblokkeerd; waarschuwing op intranet geplaatst.")),
        "Besluit CISO: poging tot CEO-fraude zonder schade; afgehandeld.",
        "Gerichte fraudepoging met een lijkend domein.",
        "Betaalverzoeken per e-mail altijd telefonisch verifiëren (stond al in de procedure; werkte).",
        occurred=(0.5, 5),
        fill={"bedrag": ("€ 18.450", "€ 24.900", "€ 9.875")},
    ),
    # --- malware and ransomware -------------------------------------------------------------------
    Scenario(
        Category.MALWARE_RANSOMWARE, True, 0.5,
        "Ransomware bij leverancier van {dienst}",
        "De leverancier van {dienst} meldt dat zijn systemen zijn getroffen door ransomware. De gemeente "
        "is verwerkingsverantwoordelijke; de leverancier verwerkt gegevens van ongeveer {n} inwoners. "
        "Volgens de leverancier zijn mogelijk gegevens buitgemaakt.",
        (H, K), "CA",
        ("Contractmanager Duo+", "CISO Duo+", "Leverancier (verwerker)"),
        ((W, "Leverancier informeert de gemeente per e-mail over een ransomware-aanval (art. 33 lid 2 AVG)."),
         (A, "Koppelingen met de leverancier uitgezet; IBD ingelicht."),
         (C, "Leverancier levert een lijst van getroffen gegevens; gegevens van de gemeente staan erop."),
         (C, "Publiekscommunicatie en brief aan betrokkenen afgestemd met de leverancier en andere "
             "gemeenten.")),
        "Besluit FG: gemeld bij de AP. Mogelijke exfiltratie door een kwaadwillende partij; betrokkenen "
        "geïnformeerd via een gezamenlijke brief.",
        "Ransomware-aanval op de leverancier via een niet-gepatchte VPN-server van de leverancier.",
        "Beveiligingseisen en meldplicht in de verwerkersovereenkomst aangescherpt; jaarlijkse "
        "leveranciersaudit.",
        occurred=(24, 240), people=(500, 4000), days_to_close=(21, 60), any_time=True,
        fill={"dienst": ("parkeervergunningen", "het inwonerspanel", "de printstraat voor brieven")},
        breach=Breach(("naw", "contact"), dpc=2, conf="0.5", avail="0.25", malicious=True, notify=True,
                      processor="Leverancier van {dienst}",
                      consequences="Gegevens mogelijk gepubliceerd door de criminelen; kans op phishing."),
    ),
    Scenario(
        Category.MALWARE_RANSOMWARE, False, 1.0,
        "Malware op werkplek {afdeling} via bijlage, door EDR geblokkeerd",
        "Een medewerker van {afdeling} opende een Word-bijlage met een macro. De EDR-software blokkeerde "
        "het script en isoleerde de werkplek automatisch.",
        (M,), "CI",
        ("Security Operations Center Duo+", "Servicedesk Duo+"),
        ((W, "EDR-melding: kwaadaardige macro geblokkeerd, werkplek geïsoleerd."),
         (A, "Werkplek opnieuw geïnstalleerd; wachtwoord van de gebruiker gereset."),
         (A, "Zoektocht naar dezelfde bijlage in alle mailboxen; twee exemplaren verwijderd.")),
        "Besluit CISO: geen verdere verspreiding vastgesteld; afgehandeld.",
        "Bijlage met macro van een onbekende afzender geopend.",
        "Macro's uit internetbestanden standaard geblokkeerd.",
        occurred=(0, 0.5), any_time=True,
        fill={"afdeling": ("Openbare Ruimte", "Vergunningen", "Financiën")},
    ),
    # --- unavailability ---------------------------------------------------------------------------
    Scenario(
        Category.UNAVAILABILITY, False, 1.2,
        "Storing DigiD-koppeling: inwoners konden niet inloggen op {portaal}",
        "Door een verlopen certificaat werkte de DigiD-koppeling van {portaal} ongeveer {n} uur niet. "
        "Inwoners konden geen aanvragen doen of hun gegevens inzien.",
        (M,), "A",
        ("Klantcontactcentrum", "Functioneel beheerder Publiekszaken", "Servicedesk Duo+"),
        ((W, "Klantcontactcentrum krijgt meerdere telefoontjes dat inloggen met DigiD mislukt."),
         (A, "Oorzaak gevonden: verlopen PKIoverheid-certificaat; nieuw certificaat geïnstalleerd."),
         (C, "Storingsmelding op de website geplaatst en na herstel weer verwijderd.")),
        "Besluit CISO: afgehandeld; certificaatbeheer als verbeterpunt in het ISMS opgenomen.",
        "Het certificaat was verlopen; de herinnering ging naar een opgeheven mailbox.",
        "Certificaten in de CMDB met bewaking op verloopdatum, meldingen naar een teammailbox.",
        occurred=(0.5, 8), people=(3, 9),
        fill={"portaal": ("Mijn Gemeente", "het e-loket", "het belastingportaal")},
        any_time=True,
    ),
    Scenario(
        Category.UNAVAILABILITY, False, 1.2,
        "Storing in {systeem} na mislukte update",
        "Na een update door de leverancier was {systeem} een werkdag niet beschikbaar. Medewerkers "
        "van {afdeling} konden geen zaken behandelen; wettelijke termijnen kwamen niet in gevaar.",
        (L, M), "A",
        ("Functioneel beheerder {afdeling}", "Servicedesk Duo+"),
        ((W, "Servicedesk ontvangt meldingen dat {systeem} niet start."),
         (A, "Leverancier heeft de update teruggedraaid; systeem 's middags weer beschikbaar."),
         (C, "Leverancier gevraagd om een rapportage over de oorzaak.")),
        "Besluit CISO: afgehandeld; updates voortaan eerst in de acceptatieomgeving.",
        "Update van de leverancier zonder test op de acceptatieomgeving uitgerold.",
        "Wijzigingsproces met de leverancier aangescherpt: eerst acceptatie, dan productie.",
        occurred=(0.5, 4),
        fill={"systeem|afdeling": ("het zaaksysteem|Vergunningen",
                                   "Suite voor het Sociaal Domein|Sociaal Domein",
                                   "het belastingsysteem|Belastingen")},
        any_time=True,
    ),
    Scenario(
        Category.UNAVAILABILITY, False, 0.6,
        "Storing in datacenter Duo+: werkplekken en telefonie {n} uur onbeschikbaar",
        "Door een storing in de stroomvoorziening van het datacenter van Duo+ waren werkplekken, "
        "telefonie en de publieksbalie {n} uur niet beschikbaar. De noodstroom nam niet alles over.",
        (H,), "A",
        ("Servicedesk Duo+", "Teamleider Burgerzaken"),
        ((W, "Servicedesk meldt uitval van centrale systemen in alle drie de gemeenten."),
         (A, "Leverancier noodstroom ter plaatse; systemen gefaseerd opgestart."),
         (C, "Inwoners via website en sociale media geïnformeerd; afspraken Burgerzaken verzet."),
         (A, "Evaluatie met de datacenterbeheerder; test van de noodstroomvoorziening gepland.")),
        "Besluit CISO: afgehandeld na evaluatie; bevindingen in het continuïteitsplan verwerkt.",
        "Een defecte schakelaar verhinderde de overname door de noodstroomvoorziening.",
        "Jaarlijkse test onder belasting van de noodstroomvoorziening.",
        occurred=(0.2, 1), people=(2, 6), days_to_close=(7, 30), any_time=True,
    ),
    # --- RSIT classes ------------------------------------------------------------------------------
    Scenario(
        Category.INFORMATION_GATHERING, False, 1.0,
        "Poortscan op publieke IP-adressen gemeld door de IBD",
        "De IBD meldt dat publieke IP-adressen van de gemeente zijn gescand vanaf een bekend kwaadwillend "
        "adres. De scan zocht naar open RDP- en VPN-poorten.",
        (L,), "",
        ("IBD", "Security Operations Center Duo+"),
        ((W, "IBD-melding over scanactiviteit op onze publieke adressen."),
         (A, "Firewalllogboek gecontroleerd: alle poorten dicht behalve de bekende; bronadres geblokkeerd.")),
        "Besluit CISO: afgehandeld; geen kwetsbaarheid gevonden.",
        "Ongerichte scanactiviteit vanaf het internet.",
        "Geen aanvullende maatregelen; de externe scan van Duo+ maandelijks blijven uitvoeren.",
        occurred=(2, 48), any_time=True,
    ),
    Scenario(
        Category.INTRUSION_ATTEMPTS, False, 1.0,
        "Brute-force-inlogpogingen op de VPN-gateway",
        "Het SOC zag in één nacht ruim {pogingen} mislukte aanmeldpogingen op de VPN-gateway, "
        "verspreid over veel accounts (password spraying). Geen enkele poging slaagde.",
        (M,), "",
        ("Security Operations Center Duo+",),
        ((W, "SOC-alarm: groot aantal mislukte aanmeldingen op de VPN-gateway."),
         (A, "Bron-IP-reeksen geblokkeerd; geo-blokkering voor de VPN ingesteld."),
         (A, "Gecontroleerd dat alle VPN-accounts MFA hebben.")),
        "Besluit CISO: afgehandeld; geen geslaagde aanmelding.",
        "Geautomatiseerde aanval van buitenaf.",
        "VPN-aanmelding alleen nog met certificaat en MFA; alarmdrempel verlaagd.",
        occurred=(4, 12), any_time=True,
        fill={"pogingen": ("3.000", "7.500", "12.000")},
    ),
    Scenario(
        Category.VULNERABLE, False, 0.8,
        "Kritieke kwetsbaarheid in {product} (IBD-advies), noodpatch",
        "De IBD publiceerde een advies met hoge kans en hoge schade over een kwetsbaarheid in {product}, "
        "die de gemeente gebruikt. Er was nog geen patch van de leverancier beschikbaar.",
        (H,), "",
        ("IBD", "CISO Duo+"),
        ((W, "IBD-beveiligingsadvies ontvangen (kans hoog, schade hoog)."),
         (A, "Tijdelijke mitigatie toegepast volgens het advies van de leverancier."),
         (A, "Patch geïnstalleerd zodra beschikbaar; logboeken nagelopen op indicatoren: niets gevonden.")),
        "Besluit CISO: afgehandeld; geen aanwijzingen voor misbruik.",
        "Kwetsbaarheid in software van een leverancier.",
        "Patchproces voor kritieke IBD-adviezen binnen 48 uur gehaald; vastgelegd als norm.",
        occurred=None, days_to_close=(2, 10),
        fill={"product": ("de firewall", "de VPN-gateway", "het bestandsoverdrachtsysteem")},
    ),
    Scenario(
        Category.INFORMATION_CONTENT_SECURITY, True, 0.7,
        "Medewerker raadpleegde BRP-gegevens zonder werkgerelateerde reden",
        "Uit de periodieke logcontrole van Burgerzaken blijkt dat een medewerker de BRP-gegevens van een "
        "bekende (een buurtgenoot) heeft geraadpleegd zonder dat daar een zaak of taak voor was.",
        (M, H), "C",
        ("Teamleider Burgerzaken", "Privacy officer"),
        ((W, "Logcontrole BRP-raadplegingen: raadpleging zonder gekoppelde zaak."),
         (A, "Gesprek met de medewerker gevoerd; HR Duo+ betrokken."),
         (C, "Betrokkene geïnformeerd over de onrechtmatige raadpleging.")),
        "Besluit FG: niet melden bij de AP. Eén betrokkene, gegevens niet verder verspreid; wel "
        "betrokkene geïnformeerd en arbeidsrechtelijke maatregelen genomen.",
        "Nieuwsgierigheid van een medewerker; misbruik van bevoegdheid.",
        "Logcontrole maandelijks in plaats van per kwartaal; jaarlijkse bewustwordingssessie over "
        "beroepsgeheim en raadpleging.",
        occurred=(24, 900),
        withdraw="Na onderzoek geen incident: er liep een adresonderzoek waarvoor de raadpleging nodig was.",
        breach=Breach(("naw", "geslacht_geboorte"), bsn=True, dpc=1, malicious=True,
                      consequences="Een bekende van de betrokkene zag zijn persoonsgegevens."),
    ),
)


# --- the people -------------------------------------------------------------------------------

def _with_role(users: Mapping[str, User], role: Role, code: str) -> User | None:
    for user in users.values():
        if any(m.role == role and m.organisation.code == code for m in user.memberships):
            return user
    return None


def _actor(users: Mapping[str, User], organisation: Organisation) -> User:
    """The demo verbindingsofficier of the organisation, else the Diemen one."""
    actor = (_with_role(users, Role.VERBINDINGSOFFICIER, organisation.code)
             or _with_role(users, Role.VERBINDINGSOFFICIER, DIEMEN_CODE)
             or users.get(DIEMEN_VERBINDINGSOFFICIER))
    if actor is None:
        raise ValueError("Geen demo-verbindingsofficier gevonden voor de demo-incidenten.")
    return actor


# --- the times -----------------------------------------------------------------------------------

def _local_office_time(rng: random.Random, moment: dt.datetime, any_time: bool) -> dt.datetime:
    """``moment`` moved to office hours on a weekday (local time), unless ``any_time``."""
    zone = ZoneInfo(DEFAULT_TZ)
    local = moment.astimezone(zone)
    if any_time and rng.random() < 0.5:
        return moment
    day = local.date()
    if day.weekday() >= 5:  # a weekend day: a working day of the same week instead
        day -= dt.timedelta(days=day.weekday() - rng.randrange(5))
    hour = rng.choice((8, 9, 9, 10, 10, 11, 11, 12, 13, 13, 14, 14, 15, 15, 16, 17))
    naive = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)))
    return naive.replace(tzinfo=zone).astimezone(dt.UTC)


def _discovered(rng: random.Random, now: dt.datetime, scenario: Scenario, min_hours: float,
                max_hours: float) -> dt.datetime:
    raw = now - dt.timedelta(hours=rng.uniform(min_hours, max_hours))
    snapped = _local_office_time(rng, raw, scenario.any_time)
    age = now - snapped
    # keep recent ones recent and nothing in the future or beyond the year
    if not dt.timedelta(hours=max(2, min_hours)) <= age <= dt.timedelta(hours=max_hours):
        return raw
    return snapped


def _moment(rng: random.Random, start: dt.datetime, end: dt.datetime, any_time: bool,
            bias: float = 1.0) -> dt.datetime:
    """A moment strictly between start and end (early ones likelier with ``bias`` > 1), moved to
    office hours where that still fits."""
    fraction = 0.05 + 0.9 * rng.random() ** bias
    moment = start + (end - start) * fraction
    snapped = _local_office_time(rng, moment, any_time)
    return snapped if start < snapped < end else moment


# --- building one incident --------------------------------------------------------------------------

def _pick_scenarios(rng: random.Random, count: int, datalekken: int) -> list[Scenario]:
    picked: list[Scenario] = []
    for want_datalek, how_many in ((True, datalekken), (False, count - datalekken)):
        pool = [s for s in SCENARIOS if s.is_datalek is want_datalek]
        weights = [s.weight for s in pool]
        while how_many:
            scenario = rng.choices(pool, weights)[0]
            if picked.count(scenario) < MAX_REPEATS:
                picked.append(scenario)
                how_many -= 1
    return picked


def _status_for(rng: random.Random, age: dt.timedelta, scenario: Scenario) -> Status:
    roll = rng.random()
    if age < 3 * DAY:
        status = Status.NIEUW if roll < 0.5 else Status.IN_BEHANDELING
    elif age < 14 * DAY:
        status = (Status.NIEUW if roll < 0.05 else Status.IN_BEHANDELING if roll < 0.6
                  else Status.INGETROKKEN if roll < 0.65 else Status.AFGEHANDELD)
    elif age < 45 * DAY:
        status = (Status.IN_BEHANDELING if roll < 0.2 else Status.INGETROKKEN if roll < 0.25
                  else Status.AFGEHANDELD)
    else:
        status = (Status.IN_BEHANDELING if roll < 0.02 else Status.INGETROKKEN if roll < 0.10
                  else Status.AFGEHANDELD)
    if status is Status.INGETROKKEN and scenario.withdraw is None:
        status = Status.AFGEHANDELD
    return status


@dataclass
class _Plan:
    scenario: Scenario
    discovered_at: dt.datetime
    status: Status = Status.NIEUW


def _plan(rng: random.Random, now: dt.datetime) -> list[_Plan]:
    count = rng.randint(*PER_ORGANISATION)
    datalekken = round(count * rng.uniform(*DATALEK_SHARE))
    scenarios = _pick_scenarios(rng, count, datalekken)
    rng.shuffle(scenarios)
    # one datalek discovered in the last 72 hours, still open: the AP clock is running
    first_datalek = next(i for i, s in enumerate(scenarios) if s.is_datalek)
    plans = []
    for index, scenario in enumerate(scenarios):
        if index == first_datalek:
            discovered = _discovered(rng, now, scenario, 3, 60)
        else:
            discovered = _discovered(rng, now, scenario, 12, 360 * 24)
        plans.append(_Plan(scenario, discovered))
    for plan in plans:
        plan.status = _status_for(rng, now - plan.discovered_at, plan.scenario)
    recent = plans[first_datalek]
    recent.status = rng.choice((Status.NIEUW, Status.IN_BEHANDELING))
    plans.sort(key=lambda p: p.discovered_at)
    # at least one of each status per municipality, so every view has something to show
    if not any(p.status is Status.NIEUW for p in plans):
        recent.status = Status.NIEUW
    older = [p for p in plans if now - p.discovered_at > 30 * DAY]
    if not any(p.status is Status.INGETROKKEN for p in plans):
        withdrawable = [p for p in older if p.scenario.withdraw]
        if withdrawable:
            rng.choice(withdrawable).status = Status.INGETROKKEN
    if not any(p.status is Status.IN_BEHANDELING for p in plans):
        next(p for p in reversed(plans) if p.status is Status.AFGEHANDELD).status = Status.IN_BEHANDELING
    return plans


def _values(rng: random.Random, scenario: Scenario) -> dict[str, str]:
    values: dict[str, str] = {}
    for names, options in scenario.fill.items():
        # "a|b" fills two placeholders that belong together ("systeem|afdeling")
        values.update(zip(names.split("|"), rng.choice(options).split("|"), strict=True))
    values["n"] = str(rng.randint(*scenario.people))
    return values


def _create_one(rng: random.Random, organisation: Organisation, plan: _Plan, actor: User,
                fg: User, ciso: User, now: dt.datetime) -> Incident:
    scenario = plan.scenario
    values = _values(rng, scenario)
    discovered = plan.discovered_at
    occurred = None
    if scenario.occurred is not None:
        occurred = discovered - dt.timedelta(hours=rng.uniform(*scenario.occurred))
        occurred = occurred.replace(second=0, microsecond=0)
    limit = now - dt.timedelta(minutes=1)
    created = min(discovered + dt.timedelta(minutes=rng.uniform(5, 180)),
                  discovered + (limit - discovered) / 4)
    data: dict[str, Any] = {
        "title": scenario.title.format(**values),
        "description": scenario.description.format(**values),
        "category": scenario.category,
        "severity": rng.choice(scenario.severities),
        "impact_confidentiality": "C" in scenario.cia,
        "impact_integrity": "I" in scenario.cia,
        "impact_availability": "A" in scenario.cia,
        "occurred_at": occurred,
        "discovered_at": discovered,
        "reporter": rng.choice(scenario.reporters).format(**values),
        "is_datalek": scenario.is_datalek,
    }
    incident = services.create_incident(actor, organisation, data, now=created)
    steps = [(kind, text.format(**values)) for kind, text in scenario.steps]
    # the observation is recorded at once, dated the moment of discovery
    services.add_entry(actor, incident, steps[0][0], steps[0][1], discovered, now=created)
    if plan.status is Status.NIEUW:
        return incident

    decider = fg if scenario.is_datalek else ciso
    decision = (EntryKind.DECISION, scenario.decision.format(**values))
    if plan.status is Status.AFGEHANDELD:
        days = rng.uniform(*scenario.days_to_close)
        end = min(created + dt.timedelta(days=days), created + (limit - created) * 0.9)
        follow_up = [*steps[1:rng.randint(1, len(steps) - 1)], decision]
    elif plan.status is Status.INGETROKKEN:
        hours = rng.uniform(2, 72)
        end = min(created + dt.timedelta(hours=hours), created + (limit - created) * 0.9)
        follow_up = steps[1:2] if rng.random() < 0.6 else []
    else:  # in behandeling
        end = limit
        taken = rng.randint(0, min(2, len(steps) - 1))
        follow_up = steps[1:1 + taken]
        # an open datalek past its 72 hours usually has the FG's decision already
        if now - discovered > 3 * DAY and rng.random() < (0.8 if scenario.is_datalek else 0.3):
            follow_up.append(decision)
    # picked up within a day; follow-up early on; the FG decides a datalek within about 72 hours
    started = _moment(rng, created, min(end, created + DAY), scenario.any_time)
    closing = end
    snapped_end = _local_office_time(rng, end, scenario.any_time)
    if plan.status in (Status.AFGEHANDELD, Status.INGETROKKEN) and started < snapped_end < limit:
        closing = snapped_end
    last = closing
    decided: dt.datetime | None = None
    if follow_up and follow_up[-1] is decision:
        target = discovered + dt.timedelta(hours=rng.uniform(20, 70))
        if scenario.is_datalek and started < target < closing:
            decided = _moment(rng, max(started, target - HOUR), min(closing, target + HOUR),
                              scenario.any_time)
        else:
            decided = _moment(rng, started + (closing - started) / 2, closing, scenario.any_time)
        last = decided
    entry_times = sorted(_moment(rng, started, last, scenario.any_time, bias=2.0)
                         for _ in range(len(follow_up) - (decided is not None)))
    if decided is not None:
        entry_times.append(decided)

    if plan.status is Status.INGETROKKEN and not follow_up and rng.random() < 0.5:
        services.change_status(actor, incident, Status.INGETROKKEN, incident.version,
                               reason=scenario.withdraw, now=started)
        return incident
    services.change_status(actor, incident, Status.IN_BEHANDELING, incident.version, now=started)
    breach = scenario.breach if scenario.is_datalek else None
    if breach is not None and decided is None and plan.status is Status.IN_BEHANDELING and rng.random() < 0.5:
        _assess(fg, incident, breach, values, steps, now=started)  # the FG has started on it
    for (kind, text), at in zip(follow_up, entry_times, strict=True):
        if breach is not None and kind is EntryKind.DECISION:
            assessed = max(started, at - dt.timedelta(minutes=rng.uniform(15, 120)))
            _assess(fg, incident, breach, values, steps, now=assessed)
            breaches.decide(fg, incident, breach.notify, text, now=at)
        author = decider if kind is EntryKind.DECISION else actor
        services.add_entry(author, incident, kind, text, at, now=at)
    if breach is not None and breach.notify and decided is not None:
        _notify_ap(rng, fg, incident, decided, closing, scenario.any_time)
    if plan.status is Status.AFGEHANDELD:
        edited = max(closing - dt.timedelta(minutes=rng.uniform(1, 30)),
                     entry_times[-1] if entry_times else started)
        services.update_incident(actor, incident,
                                 {"cause": scenario.cause, "lessons_learned": scenario.lessons},
                                 incident.version, now=edited)
        services.change_status(actor, incident, Status.AFGEHANDELD, incident.version, now=closing)
    elif plan.status is Status.INGETROKKEN:
        services.change_status(actor, incident, Status.INGETROKKEN, incident.version,
                               reason=scenario.withdraw, now=closing)
    return incident


def _assess(fg: User, incident: Incident, breach: Breach, values: Mapping[str, str],
            steps: Sequence[tuple[EntryKind, str]], *, now: dt.datetime) -> None:
    """The FG's assessment: what the AP's meldformulier asks, and the ENISA inputs."""
    measures = " ".join(text for kind, text in steps if kind is EntryKind.ACTION)
    breaches.save_assessment(fg, incident, {
        "aware_at": incident.discovered_at,
        "data_categories": list(breach.data),
        "special_categories": list(breach.special),
        "subject_categories": list(breach.subjects),
        "bsn": breach.bsn,
        "criminal_data": breach.criminal,
        "subjects_count": int(values["n"]),
        "nature_confidentiality": incident.impact_confidentiality,
        "nature_integrity": incident.impact_integrity,
        "nature_availability": incident.impact_availability,
        "processor_involved": breach.processor is not None,
        "processor_name": breach.processor.format(**values) if breach.processor else None,
        "likely_consequences": breach.consequences.format(**values),
        "measures_taken": measures or None,
        "enisa_dpc": breach.dpc,
        "enisa_ei": breach.ei,
        "enisa_cb_confidentiality": breach.conf,
        "enisa_cb_integrity": breach.integ,
        "enisa_cb_availability": breach.avail,
        "enisa_cb_malicious": breach.malicious,
    }, now=now)


def _notify_ap(rng: random.Random, fg: User, incident: Incident, decided: dt.datetime, until: dt.datetime,
               any_time: bool) -> None:
    """The FG notifies the AP soon after deciding to, then the data subjects are informed (art. 34)."""
    submitted = _moment(rng, decided, min(until, decided + 4 * HOUR), any_time)
    late = None
    if submitted > breaches.ap_deadline(incident, breaches.assessment_of(incident)):
        late = ("De aard en omvang van het datalek werden pas na onderzoek duidelijk; daarna is direct "
                "gemeld.")
    breaches.record_notification(fg, incident, "initial", submitted, str(rng.randint(10**6, 10**7 - 1)), late,
                                 now=submitted)
    informed = _moment(rng, submitted, until, any_time)
    breaches.decide_data_subjects(fg, incident, True, now=informed, notified_at=informed, channel="Brief",
                                  explanation="Hoog risico voor de betrokkenen (art. 34 AVG).")


def create_demo_incidents(organisations: Sequence[Organisation], users: Mapping[str, User], *,
                          now: dt.datetime, seed: int = 2026) -> int:
    """A year (before ``now``) of incidents and datalekken for each organisation; never commits.

    ``users`` maps e-mail to the demo users; the organisation's verbindingsofficier (else the
    one of Diemen) logs and follows the incidents, the FG and the CISO record decisions.
    Returns how many incidents were created.
    """
    created = 0
    for organisation in organisations:
        rng = random.Random(f"{seed}:{organisation.code}")  # noqa: S311  # nosec B311 # demo data, not security
        actor = _actor(users, organisation)
        fg = _with_role(users, Role.FG, organisation.code)
        if fg is None:  # only the organisation's FG may decide on a datalek before it is closed
            raise ValueError(f"Geen demo-FG gevonden voor {organisation.code}.")
        ciso = _with_role(users, Role.CISO, organisation.code) or actor
        for plan in _plan(rng, now):
            _create_one(rng, organisation, plan, actor, fg, ciso, now)
            created += 1
    return created
