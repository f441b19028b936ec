"""The demo's scenarios: the kinds of incident a Dutch municipality registers, as data.

The scenarios follow what municipalities actually register: mostly e-mail or post to the wrong
recipient, then lost devices and paper, publications with unredacted personal data, too-broad
access rights, phishing, incidents at suppliers, outages and a few RSIT classes. Each names its
texts, its follow-up and, for a datalek, the FG's assessment and decision. No real people are
named: only roles and departments. :mod:`bio_register.demo.plan` picks from them and
:mod:`bio_register.demo.incidents` records them through the services.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bio_register.incidents.models import Category, EntryKind, Severity

W = EntryKind.OBSERVATION
A = EntryKind.ACTION
C = EntryKind.COMMUNICATION

L, M, H, K = Severity.LAAG, Severity.MIDDEN, Severity.HOOG, Severity.KRITIEK


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
