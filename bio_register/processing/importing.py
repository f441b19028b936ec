"""Import of an existing verwerkingsregister (XLSX or CSV) as verwerkingen. Never commits.

The same steps as the incident register import, on the same engine
(:mod:`bio_register.imports.engine`): read the file, map its columns to our fields (guessed from the
headers of the registers municipalities keep, such as the pre-filled one the IBD publishes), a
:func:`preview` that names every problem by row and column, and :func:`run_import` all rows or none.

Every row is checked by the verwerkingsregister's own rules (:func:`services.check_new_activity`:
purpose and legal basis required, special categories need an art. 9 ground, …) and created by
:func:`services.create_activity`, so an imported verwerking is one that could have been typed in.
Lists (categories, verwerkers) are separated by ``;`` or new lines; a category is one of the breach
assessment's, found by its key, its label or a common word. A verwerker named in the file is the
organisation's verwerker of that name (case and spaces aside), or is created with only its name.
A verwerking whose name the organisation's register already has is refused (imported once).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from bio_register.accounts.models import User
from bio_register.audit import services as audit
from bio_register.database import utcnow
from bio_register.errors import ValidationFailed
from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.imports import engine
from bio_register.imports.engine import EMPTY, CellProblem, ImportField, Sheet
from bio_register.imports.models import PendingImport
from bio_register.organisations.models import Organisation
from bio_register.permissions import Permission, has_permission
from bio_register.processing import labels, services
from bio_register.processing.models import ProcessingActivity, ProcessingStatus, Processor

#: the kind of a pending upload of this import
KIND = "verwerkingen"

FIELDS: tuple[ImportField, ...] = (
    ImportField("name", _l("Naam verwerking"), True,
                ("naam verwerking", "naam van de verwerking", "verwerking", "naam", "verwerkingsactiviteit",
                 "naam verwerkingsactiviteit", "verwerkingen", "proces", "procesnaam", "bedrijfsproces",
                 "naam proces", "titel"),
                _l("Een verwerking die al in het register staat, wordt niet nog eens geïmporteerd.")),
    ImportField("purpose", _l("Doel"), True,
                ("doel", "doel verwerking", "doel van de verwerking", "doelen", "doeleinde", "doeleinden",
                 "verwerkingsdoel", "verwerkingsdoeleinden", "doel(en)", "doel van verwerking", "omschrijving")),
    ImportField("legal_basis", _l("Grondslag (art. 6 AVG)"), True,
                ("grondslag", "grondslag (avg art. 6)", "grondslag (art. 6 avg)", "grondslag avg",
                 "grondslag art. 6", "grondslag art 6 avg", "grondslag art. 6 avg", "rechtsgrond",
                 "rechtmatigheidsgrond", "rechtmatige grondslag", "juridische grondslag", "avg grondslag",
                 "grondslag verwerking", "wettelijke grondslag"),
                _l("De letter (a–f), de woorden („wettelijke verplichting”, „taak van algemeen belang”) "
                   "of onze code.")),
    ImportField("art9_ground", _l("Uitzonderingsgrond (art. 9 lid 2 AVG)"), False,
                ("art. 9-grond", "art 9-grond", "art. 9 grond", "art 9 grond", "art. 9-grond avg",
                 "uitzonderingsgrond", "uitzonderingsgrond art. 9", "uitzondering art. 9", "art. 9 lid 2",
                 "grond bijzondere persoonsgegevens", "grondslag bijzondere persoonsgegevens",
                 "doorbrekingsgrond"),
                _l("Nodig bij bijzondere persoonsgegevens: de letter (a–j), de woorden of onze code.")),
    ImportField("subject_categories", _l("Categorieën betrokkenen"), False,
                ("categorieën betrokkenen", "categorieen betrokkenen", "categorie betrokkenen",
                 "categorieën van betrokkenen", "betrokkenen", "betrokkene", "categorie betrokkene",
                 "groepen betrokkenen"),
                _l("Gescheiden door ; of een nieuwe regel.")),
    ImportField("data_categories", _l("Categorieën persoonsgegevens"), False,
                ("categorieën persoonsgegevens", "categorieen persoonsgegevens", "categorie persoonsgegevens",
                 "categorieën van persoonsgegevens", "persoonsgegevens", "soort persoonsgegevens",
                 "soorten persoonsgegevens", "gegevens", "welke persoonsgegevens"),
                _l("Gescheiden door ; of een nieuwe regel. Een bijzonder persoonsgegeven hier telt als bijzonder, "
                   "BSN als BSN.")),
    ImportField("special_categories", _l("Bijzondere persoonsgegevens"), False,
                ("bijzondere persoonsgegevens", "bijzondere categorieën", "bijzondere categorieen",
                 "bijzondere categorieën persoonsgegevens", "bijzondere gegevens",
                 "bijzondere categorieën van persoonsgegevens", "bijzondere persoonsgegevens (art. 9)"),
                _l("Gescheiden door ; of een nieuwe regel; „nee” of leeg als er geen zijn.")),
    ImportField("bsn", _l("BSN (ja/nee)"), False,
                ("bsn", "burgerservicenummer", "bsn (ja/nee)", "bsn verwerkt", "verwerking bsn",
                 "gebruik bsn", "bsn gebruikt")),
    ImportField("recipients", _l("Ontvangers"), False,
                ("ontvangers", "ontvanger", "categorieën ontvangers", "categorieen ontvangers",
                 "categorieën van ontvangers", "verstrekking aan", "verstrekkingen", "derden")),
    ImportField("processors", _l("Verwerkers"), False,
                ("verwerkers", "verwerker", "verwerker(s)", "naam verwerker", "leverancier", "leveranciers",
                 "leverancier applicatie"),
                _l("Gescheiden door ; of een nieuwe regel. Een verwerker die er nog niet is, wordt aangemaakt.")),
    ImportField("outside_eea", _l("Doorgifte buiten de EER"), False,
                ("doorgifte buiten eer", "doorgifte buiten de eer", "buiten eer", "buiten de eer",
                 "doorgifte derde landen", "doorgifte naar derde landen", "doorgifte", "internationale doorgifte"),
                _l("Ja of nee, of de landen en waarborgen zelf.")),
    ImportField("outside_eea_details", _l("Doorgifte: landen en waarborgen"), False,
                ("landen en waarborgen", "doorgifte landen", "waarborgen", "waarborgen doorgifte",
                 "passende waarborgen", "landen")),
    ImportField("retention", _l("Bewaartermijn"), False,
                ("bewaartermijn", "bewaartermijnen", "bewaartermijn (selectielijst)", "bewaarperiode",
                 "termijn", "bewaren")),
    ImportField("security_measures", _l("Beveiligingsmaatregelen"), False,
                ("beveiligingsmaatregelen", "beveiliging", "technische en organisatorische maatregelen",
                 "technische en organisatorische beveiligingsmaatregelen", "maatregelen", "tom",
                 "beveiligingsmaatregelen (art. 32)")),
    ImportField("dpia_required", _l("DPIA nodig (ja/nee)"), False,
                ("dpia nodig", "dpia vereist", "dpia verplicht", "dpia noodzakelijk", "dpia", "dpia nodig?",
                 "pre-dpia")),
    ImportField("dpia_done", _l("DPIA uitgevoerd (ja/nee)"), False,
                ("dpia uitgevoerd", "dpia gedaan", "dpia afgerond", "dpia uitgevoerd?"),
                _l("Ja of nee, of de datum waarop de DPIA is uitgevoerd.")),
    ImportField("dpia_date", _l("Datum DPIA"), False,
                ("datum dpia", "dpia datum", "dpia uitgevoerd op", "datum uitvoering dpia")),
    ImportField("dpia_link", _l("Vindplaats DPIA"), False,
                ("vindplaats dpia", "link dpia", "dpia link", "dpia document", "locatie dpia")),
    ImportField("owner", _l("Proceseigenaar"), False,
                ("eigenaar", "proceseigenaar", "proces eigenaar", "eigenaar proces", "verantwoordelijke",
                 "verantwoordelijke afdeling", "afdeling", "team", "contactpersoon")),
    ImportField("status", _l("Status"), False, ("status", "stand"),
                _l("Zonder status: actief (een bestaand register beschrijft wat in gebruik is).")),
)
FIELD_KEYS = tuple(f.key for f in FIELDS)
FIELD_BY_KEY = {f.key: f for f in FIELDS}

#: a cell's words that mean "none" in a list column
NONE_WORDS = {"geen", "nee", "n.v.t", "nvt", "niet van toepassing", "-", "n.v.t."}

SUBJECT_WORDS = {
    "inwoners": "inwoners", "inwoner": "inwoners", "burgers": "inwoners", "burger": "inwoners",
    "ingezetenen": "inwoners", "bewoners": "inwoners", "niet-ingezetenen": "inwoners",
    "medewerkers": "medewerkers", "medewerker": "medewerkers", "personeel": "medewerkers",
    "werknemers": "medewerkers", "ambtenaren": "medewerkers", "sollicitanten": "medewerkers",
    "personeelsleden": "medewerkers", "oud-medewerkers": "medewerkers",
    "kinderen": "kinderen", "minderjarigen": "kinderen", "jeugdigen": "kinderen", "leerlingen": "kinderen",
    "cliënten": "clienten_sociaal_domein", "clienten": "clienten_sociaal_domein",
    "cliënten sociaal domein": "clienten_sociaal_domein", "uitkeringsgerechtigden": "clienten_sociaal_domein",
    "aanvragers wmo": "clienten_sociaal_domein", "wmo-cliënten": "clienten_sociaal_domein",
    "ondernemers": "ondernemers", "ondernemer": "ondernemers", "bedrijven": "ondernemers",
    "zzp'ers": "ondernemers", "ondernemingen": "ondernemers", "vergunninghouders": "overig",
    "kwetsbare groepen": "kwetsbaren", "kwetsbaren": "kwetsbaren", "overig": "overig", "overige": "overig",
    "anders": "overig", "bezoekers": "overig", "aanvragers": "overig",
}
DATA_WORDS = {
    "naw": "naw", "naw-gegevens": "naw", "naw gegevens": "naw", "naam": "naw", "adres": "naw",
    "naam en adres": "naw", "adresgegevens": "naw", "naam, adres, woonplaats": "naw", "personalia": "naw",
    "contactgegevens": "contact", "e-mailadres": "contact", "emailadres": "contact", "telefoonnummer": "contact",
    "inloggegevens": "login", "gebruikersnaam": "login", "identificatiegegevens": "login",
    "financiële gegevens": "financieel", "financiele gegevens": "financieel", "financieel": "financieel",
    "inkomen": "financieel", "inkomensgegevens": "financieel", "bankrekeningnummer": "financieel",
    "iban": "financieel", "vermogen": "financieel", "salaris": "financieel",
    "kopie identiteitsbewijs": "id_kopie", "kopie id": "id_kopie", "id-kopie": "id_kopie",
    "identiteitsbewijs": "id_kopie", "paspoort": "id_kopie",
    "geboortedatum": "geslacht_geboorte", "geslacht": "geslacht_geboorte", "leeftijd": "geslacht_geboorte",
    "geboortegegevens": "geslacht_geboorte",
    "locatie": "locatie", "locatiegegevens": "locatie", "kenteken": "overig",
    "overig": "overig", "overige gegevens": "overig", "overige": "overig",
}
SPECIAL_WORDS = {
    "gezondheid": "gezondheid", "gezondheidsgegevens": "gezondheid", "medische gegevens": "gezondheid",
    "religie": "religie", "levensovertuiging": "religie", "godsdienst": "religie",
    "ras": "ras_etniciteit", "etnische afkomst": "ras_etniciteit", "etniciteit": "ras_etniciteit",
    "politieke opvattingen": "politiek", "politieke voorkeur": "politiek",
    "vakbond": "vakbond", "vakbondslidmaatschap": "vakbond", "lidmaatschap vakbond": "vakbond",
    "seksuele geaardheid": "seksueel", "seksueel gedrag": "seksueel", "seksuele gerichtheid": "seksueel",
    "genetische gegevens": "genetisch", "genetisch": "genetisch",
    "biometrische gegevens": "biometrisch", "biometrie": "biometrisch", "biometrisch": "biometrisch",
}
BSN_WORDS = {"bsn", "burgerservicenummer"}

LEGAL_BASIS_LETTERS = dict(zip("abcdef", labels.LEGAL_BASES, strict=True))
LEGAL_BASIS_WORDS = {
    "toestemming": "toestemming", "overeenkomst": "overeenkomst", "wettelijke verplichting": "wettelijke_verplichting",
    "wettelijke plicht": "wettelijke_verplichting", "vitaal belang": "vitaal_belang",
    "vitale belangen": "vitaal_belang", "algemeen belang": "algemeen_belang", "openbaar gezag": "algemeen_belang",
    "publiekrechtelijke taak": "algemeen_belang", "publieke taak": "algemeen_belang",
    "gerechtvaardigd belang": "gerechtvaardigd_belang", "gerechtvaardigde belangen": "gerechtvaardigd_belang",
}
ART9_LETTERS = dict(zip("abcdefghij", labels.ART9_GROUNDS, strict=True))
ART9_WORDS = {
    "uitdrukkelijke toestemming": "uitdrukkelijke_toestemming", "sociale zekerheid": "arbeid_sociale_zekerheid",
    "arbeidsrecht": "arbeid_sociale_zekerheid", "sociale bescherming": "arbeid_sociale_zekerheid",
    "vitaal belang": "vitaal_belang", "openbaar gemaakt": "openbaar_gemaakt", "rechtsvordering": "rechtsvordering",
    "zwaarwegend algemeen belang": "zwaarwegend_algemeen_belang", "gezondheidszorg": "zorg",
    "sociale zorg": "zorg", "volksgezondheid": "volksgezondheid", "archivering": "archief_onderzoek",
    "statistiek": "archief_onderzoek", "wetenschappelijk onderzoek": "archief_onderzoek",
}
STATUS_WORDS = {
    "concept": ProcessingStatus.CONCEPT, "in ontwikkeling": ProcessingStatus.CONCEPT,
    "in voorbereiding": ProcessingStatus.CONCEPT, "gepland": ProcessingStatus.CONCEPT,
    "actief": ProcessingStatus.ACTIEF, "in gebruik": ProcessingStatus.ACTIEF, "lopend": ProcessingStatus.ACTIEF,
    "in productie": ProcessingStatus.ACTIEF, "operationeel": ProcessingStatus.ACTIEF,
    "beëindigd": ProcessingStatus.BEEINDIGD, "beeindigd": ProcessingStatus.BEEINDIGD,
    "gestopt": ProcessingStatus.BEEINDIGD, "vervallen": ProcessingStatus.BEEINDIGD,
    "afgesloten": ProcessingStatus.BEEINDIGD, "niet meer in gebruik": ProcessingStatus.BEEINDIGD,
    "uit gebruik": ProcessingStatus.BEEINDIGD,
}

#: "c", "c.", "sub c", "art. 6 lid 1 sub c", "artikel 6, lid 1, onder c": the letter of a lid
_LETTER = re.compile(r"^(?:art(?:ikel)?\.?\s*[69]\s*,?\s*(?:lid\s*[12]\s*,?\s*)?)?(?:sub\s+|onder\s+)?"
                     r"([a-j])(?:\s*[.)]|\s|$)")


def _by_letter_or_words(word: str, keys: Mapping[str, Any], letters: Mapping[str, str],
                        words: Mapping[str, str], label_of: Mapping[str, Any]) -> str | None:
    """Our code for a legal ground as written: the code, the label, the lid's letter, or one
    (and only one) of the common words somewhere in the text."""
    if word in keys:
        return word
    for key, label in label_of.items():
        if word == engine.normalise(label) or word == engine.normalise(str(label).split(". ", 1)[-1]):
            return key
    match = _LETTER.match(word)
    if match and match.group(1) in letters:
        return letters[match.group(1)]
    found = {code for text, code in words.items() if text in word}
    return found.pop() if len(found) == 1 else None


def legal_basis_of(word: str) -> str | None:
    return _by_letter_or_words(word, labels.LEGAL_BASES, LEGAL_BASIS_LETTERS, LEGAL_BASIS_WORDS, labels.LEGAL_BASES)


def art9_ground_of(word: str) -> str | None:
    return _by_letter_or_words(word, labels.ART9_GROUNDS, ART9_LETTERS, ART9_WORDS, labels.ART9_GROUNDS)


def _category_lookup(choices: Mapping[str, Any], words: Mapping[str, str]) -> Callable[[str], str | None]:
    by_label = {engine.normalise(label): key for key, label in choices.items()}

    def lookup(word: str) -> str | None:
        if word in choices:
            return word
        return by_label.get(word) or words.get(word)
    return lookup


subject_of = _category_lookup(labels.SUBJECT_CATEGORIES, SUBJECT_WORDS)
data_of = _category_lookup(labels.DATA_CATEGORIES, DATA_WORDS)
special_of = _category_lookup(labels.SPECIAL_CATEGORIES, SPECIAL_WORDS)


def _options(choices: Mapping[str, Any]) -> str:
    return ", ".join(str(label) for label in choices.values())


# --- the mapping -------------------------------------------------------------------------------------------

def mapping_from_json(data: Any) -> engine.ColumnMapping:
    """From a JSON object ``{"columns": {field: header}}`` (``--mapping`` of the command)."""
    return engine.mapping_from_json(data, FIELDS)


def guess_mapping(sheet: Sheet) -> engine.ColumnMapping:
    return engine.ColumnMapping(engine.guess_columns(sheet, FIELDS))


def mapping_of(pending: PendingImport, sheet: Sheet) -> engine.ColumnMapping:
    if pending.columns is not None:
        return engine.ColumnMapping(dict(pending.columns))
    return guess_mapping(sheet)


# --- the preview -------------------------------------------------------------------------------------------

@dataclass
class Row(engine.Row):
    #: the verwerkers named in the row, as written (their names; matched or created on import)
    processors: list[str] = field(default_factory=list)


Preview = engine.Preview[Row]
_Reader = engine.RowReader[Row]


@dataclass
class VerwerkerPlan:
    """The verwerkers the file names: the organisation's existing ones by lower-case name, and
    the names (first spelling) that will be created."""

    existing: dict[str, Processor] = field(default_factory=dict)
    new: dict[str, str] = field(default_factory=dict)

    def note(self, name: str) -> None:
        key = " ".join(name.lower().split())
        if key not in self.existing:
            self.new.setdefault(key, name)


@dataclass
class ImportPreview:
    """The engine's preview of the rows, and what happens to the verwerkers."""

    preview: Preview
    verwerkers: VerwerkerPlan
    matched_verwerkers: list[str] = field(default_factory=list)

    @property
    def new_verwerkers(self) -> list[str]:
        return sorted(self.verwerkers.new.values(), key=str.lower)


def preview(organisation: Organisation, sheet: Sheet, mapping: engine.ColumnMapping, *,
            now: dt.datetime | None = None) -> ImportPreview:
    """Every row as it would be imported, with each problem named by row and column, and which
    verwerkers are linked (existing) or created (new)."""
    now = now or utcnow()
    plan = VerwerkerPlan()
    existing_names: dict[str, str] = {}
    seen: dict[str, int] = {}
    matched: set[str] = set()

    def load_existing() -> None:
        existing_names.update(services.activity_names(organisation.id))
        plan.existing.update({" ".join(p.name.lower().split()): p for p in services.processors_of(organisation.id)})

    def read_row(number: int, cells: list[Any]) -> Row:
        reader = _Reader(sheet, mapping, cells, Row(number), now)
        _read_row(reader)
        _check_name_unique(reader, existing_names, seen)
        for name in reader.row.processors:
            key = " ".join(name.lower().split())
            if key in plan.existing:
                matched.add(plan.existing[key].name)
            else:
                plan.note(name)
        return reader.row

    rows = engine.build_preview(sheet, mapping, FIELDS, read_row, before_rows=load_existing)
    return ImportPreview(rows, plan, sorted(matched, key=str.lower))


def _check_name_unique(reader: _Reader, existing: Mapping[str, str], seen: dict[str, int]) -> None:
    name = reader.row.values.get("name")
    if not name:
        return
    column = reader.column("name")
    key = name.lower()
    if key in existing:
        reader.problem(column, _("„%(name)s” staat al in het verwerkingsregister.", name=existing[key]))
    elif key in seen:
        reader.problem(column, _("„%(name)s” staat ook al in rij %(other)d.", name=name, other=seen[key]))
    else:
        seen[key] = reader.row.number


def _read_row(reader: _Reader) -> None:
    data: dict[str, Any] = {}
    for key in ("name", "purpose", "recipients", "outside_eea_details", "retention", "security_measures",
                "dpia_link", "owner"):
        if reader.column(key):
            data[key] = reader.text(key)
    data["legal_basis"] = _legal_basis(reader)
    art9 = reader.word("art9_ground", art9_ground_of, lambda text: _(
        "onbekende uitzonderingsgrond „%(text)s”; schrijf de letter uit art. 9 lid 2 AVG (a–j) of de grond "
        "zelf, bijvoorbeeld „h. gezondheidszorg, sociale zorg of behandeling”.", text=text))
    if art9 is not EMPTY:
        data["art9_ground"] = art9
    _read_categories(reader, data)
    for key in ("bsn", "dpia_required"):
        flag = reader.parse(key, engine.parse_yes_no)
        if flag is not None:
            data[key] = bool(flag) or data.get(key, False)
    _read_outside_eea(reader, data)
    _read_dpia(reader, data)
    status = reader.word("status", STATUS_WORDS.get, lambda text: _(
        "onbekende status „%(text)s”; gebruik concept, actief of beëindigd.", text=text))
    data["status"] = (ProcessingStatus.ACTIEF if status is EMPTY else status or ProcessingStatus.ACTIEF).value
    reader.row.processors = _read_processors(reader)
    _check_as_new_activity(reader, data)


def _legal_basis(reader: _Reader) -> str | None:
    found = reader.word("legal_basis", legal_basis_of, lambda text: _(
        "onbekende grondslag „%(text)s”; schrijf de letter uit art. 6 lid 1 AVG (a–f) of de grondslag zelf: "
        "%(options)s.", text=text, options=_options(labels.LEGAL_BASES)))
    return None if found is EMPTY else found


def _read_categories(reader: _Reader, data: dict[str, Any]) -> None:
    """The three category lists; in the data column a special category counts as special, and BSN as BSN."""
    def unknown(kind: Any, choices: Mapping[str, Any]) -> Callable[[str], str]:
        return lambda text: _("onbekende %(kind)s „%(text)s”; kies uit: %(options)s.", kind=kind, text=text,
                              options=_options(choices))

    subjects = reader.words("subject_categories", lambda w: "" if w in NONE_WORDS else subject_of(w),
                            unknown(_("categorie betrokkenen"), labels.SUBJECT_CATEGORIES))
    if subjects is not EMPTY:
        data["subject_categories"] = [s for s in subjects if s]
    specials: list[str] = []
    found = reader.words("data_categories",
                         lambda w: "" if w in NONE_WORDS else "bsn" if w in BSN_WORDS else data_of(w) or (
                             f"special:{special_of(w)}" if special_of(w) else None),
                         unknown(_("categorie persoonsgegevens"), labels.DATA_CATEGORIES))
    if found is not EMPTY:
        data["data_categories"] = [c for c in found if c and c != "bsn" and not c.startswith("special:")]
        specials += [c.split(":", 1)[1] for c in found if c.startswith("special:")]
        if "bsn" in found:
            data["bsn"] = True
    special = reader.words("special_categories", lambda w: "" if w in NONE_WORDS else special_of(w),
                           unknown(_("bijzondere categorie"), labels.SPECIAL_CATEGORIES))
    if special is not EMPTY:
        specials += [c for c in special if c]
    if specials or special is not EMPTY:
        data["special_categories"] = list(dict.fromkeys(specials))


def _read_outside_eea(reader: _Reader, data: dict[str, Any]) -> None:
    """Yes or no; a text that is neither names the countries (and the transfer is a yes)."""
    value, column = reader.cell("outside_eea")
    if column is None:
        return
    try:
        flag = engine.parse_yes_no(value)
    except CellProblem:
        text = reader.text("outside_eea", limit=services.MAX_TEXT)
        if text:
            data["outside_eea"] = True
            details = data.get("outside_eea_details")
            data["outside_eea_details"] = f"{text}\n{details}" if details else text
        return
    data["outside_eea"] = bool(flag)


def _read_dpia(reader: _Reader, data: dict[str, Any]) -> None:
    """Done: yes or no, or the date it was done; the date column, when given, is the date."""
    value, column = reader.cell("dpia_done")
    done_date: dt.date | None = None
    if column is not None:
        try:
            done = engine.parse_yes_no(value)
        except CellProblem as problem:
            try:
                done_date = engine.parse_date(value)
            except CellProblem:
                reader.problem(column, str(problem))
                done = None
            else:
                done = True
        if done is not None:
            data["dpia_done"] = done
    dpia_date = reader.parse("dpia_date", engine.parse_date) if reader.column("dpia_date") else None
    if dpia_date or done_date:
        data["dpia_date"] = dpia_date or done_date
        if "dpia_done" not in data:
            data["dpia_done"] = True  # a date without a yes/no column: the DPIA was done then
    if data.get("dpia_done") and "dpia_required" not in data:
        data["dpia_required"] = True


def _read_processors(reader: _Reader) -> list[str]:
    value, column = reader.cell("processors")
    if column is None:
        return []
    names: dict[str, str] = {}
    for name in engine.parse_list(value):
        if engine.normalise(name) in NONE_WORDS:
            continue
        if len(name) > services.MAX_NAME:
            reader.problem(column, _("de naam van een verwerker is langer dan %(n)d tekens.", n=services.MAX_NAME))
            continue
        names.setdefault(name.lower(), name)
    if len(names) > services.MAX_LINKS:
        reader.problem(column, _("hoogstens %(n)d verwerkers per verwerking.", n=services.MAX_LINKS))
    return list(names.values())


#: a rule's field that has no column of its own → the column to name instead
_RULE_COLUMN = {"outside_eea_details": "outside_eea", "art9_ground": "special_categories",
                "dpia_done": "dpia_date", "special_categories": "data_categories"}


def _check_as_new_activity(reader: _Reader, data: dict[str, Any]) -> None:
    """The verwerkingsregister's own rules for a new verwerking, each problem named by its column."""
    row = reader.row
    try:
        row.values = services.check_new_activity(data)
    except ValidationFailed as error:
        for name, messages in error.errors.items():
            column = reader.column(name) or reader.column(_RULE_COLUMN.get(name, ""))
            for message in messages:
                if reader.named(column):
                    continue
                label = FIELD_BY_KEY[name].label if name in FIELD_BY_KEY else labels.FIELD.get(name, name)
                reader.problem(column, message if column else f"{label}: {message}")
        row.values = {k: v for k, v in data.items() if v is not None}


# --- the import --------------------------------------------------------------------------------------------

@dataclass
class ImportResult:
    filename: str
    imported: list[ProcessingActivity]
    created_verwerkers: list[str]
    linked_verwerkers: list[str]

    @property
    def count(self) -> int:
        return len(self.imported)


def run_import(actor: User | None, organisation: Organisation, sheet: Sheet, mapping: engine.ColumnMapping, *,
               now: dt.datetime | None = None, actor_label: str | None = None,
               progress: Callable[[int], None] | None = None) -> ImportResult:
    """Import every row or none: any problem raises :class:`engine.ImportRefused` before anything
    is written; a failure while writing leaves the caller's transaction to roll back. The verwerkers
    the file names that the organisation does not have yet are created first (audited, with only
    their name: the verwerkersovereenkomst is then missing, which the verwerkers page shows)."""
    now = now or utcnow()
    checked = preview(organisation, sheet, mapping, now=now)
    if not checked.preview.ok:
        raise engine.ImportRefused(checked.preview)
    by_name = dict(checked.verwerkers.existing)
    created = []
    for key, name in sorted(checked.verwerkers.new.items()):
        by_name[key] = services.create_processor(actor, organisation, {"name": name}, now=now,
                                                 actor_label=actor_label)
        created.append(name)

    def write(row: Row) -> ProcessingActivity:
        ids = [by_name[" ".join(n.lower().split())].id for n in row.processors]
        return services.create_activity(actor, organisation, {**row.values, "processors": ids}, now=now,
                                        actor_label=actor_label)

    imported: list[ProcessingActivity] = engine.apply_rows(checked.preview, write, progress=progress)
    result = ImportResult(sheet.filename, imported, sorted(created, key=str.lower), checked.matched_verwerkers)
    audit.record(actor, "processing_import", organisation.id, "import", audit.created({
        "file": sheet.filename, "rows": result.count, "verwerkers_created": result.created_verwerkers,
        "verwerkers_linked": result.linked_verwerkers, "mapping": mapping.columns,
    }), organisation_id=organisation.id, actor_label=actor_label)
    return result


# --- files between the steps ------------------------------------------------------------------------------

def store_upload(actor: User, organisation: Organisation, filename: str, content: bytes, *,
                 max_bytes: int = engine.DEFAULT_MAX_MB * engine.MIB, now: dt.datetime | None = None) -> PendingImport:
    if not has_permission(actor, Permission.PROCESSING_WRITE, organisation.id):
        raise ValidationFailed(_("U kunt voor deze organisatie het verwerkingsregister niet bijhouden."),
                               field="organisation")
    return engine.store_pending(actor, organisation, filename, content, kind=KIND, max_bytes=max_bytes, now=now)


def find_pending(user_id: int | None, pending_id: int, *, now: dt.datetime | None = None) -> PendingImport | None:
    return engine.find_pending(user_id, pending_id, kind=KIND, now=now)


def choose_mapping(pending: PendingImport, mapping: engine.ColumnMapping) -> None:
    engine.choose_on_pending(pending, mapping)
