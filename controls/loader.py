"""Load and validate the BIO catalogs and the 2013 → 2022 correspondence.

Plain Python on purpose (no Flask, no SQLAlchemy): the web app, the CLI and scripts all read
the same frozen objects. The data files live in ``controls/data/``; their format is described
in ``controls/README.md``. Every record is checked while loading, and a malformed file raises
:class:`CatalogError` naming the file and the line.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any, NoReturn

DATA_DIR = Path(__file__).resolve().parent / "data"
FORMAT_VERSION = 1

_CATALOG_FILES: dict[str, str] = {
    "BIO-1.04": "bio-1.04.jsonl",
    "BIO2-1.3": "bio2-1.3.jsonl",
}
MAPPING_FILE = "mapping-2013-2022.csv"

CATEGORIES = ("basishygiëne", "ketenhygiëne", "overheidsrisico")
STATUSES = ("active", "moved", "withdrawn")
RELATIONS = ("one-to-one", "merged", "split", "many-to-many")


@dataclass(frozen=True)
class _Framework:
    """Identifier rules of the ISO/IEC 27002 edition a catalog follows."""

    group_kinds: dict[str, re.Pattern[str]]
    control: re.Pattern[str]
    measure: re.Pattern[str]
    measure_of: int  # how many leading parts of a measure id form its control id


_FRAMEWORKS: dict[str, _Framework] = {
    "ISO/IEC 27002:2013": _Framework(
        group_kinds={"chapter": re.compile(r"^\d{1,2}$"), "objective": re.compile(r"^\d{1,2}\.\d{1,2}$")},
        control=re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}$"),
        measure=re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}$"),
        measure_of=3,
    ),
    "ISO/IEC 27002:2022": _Framework(
        group_kinds={"theme": re.compile(r"^[5-8]$")},
        control=re.compile(r"^[5-8]\.\d{1,2}$"),
        measure=re.compile(r"^[5-8]\.\d{2}\.\d{2}$"),
        measure_of=2,
    ),
}


class CatalogError(ValueError):
    """A catalog or mapping file is missing, malformed or inconsistent."""

    def __init__(self, message: str, path: Path | str | None = None, line: int | None = None) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        where = self.path or ""
        if where and line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}" if where else message)


@dataclass(frozen=True)
class SourceRef:
    """Where (part of) a catalog's facts come from."""

    id: str
    title: str
    url: str
    commit: str
    licence: str
    used_for: str


@dataclass(frozen=True)
class Group:
    """A chapter or control objective (ISO 27002:2013) or a theme (ISO 27002:2022)."""

    catalog: str
    id: str
    kind: str  # "chapter" / "objective" / "theme"
    title_nl: str
    title_en: str
    parent: str | None = None
    note: str = ""


@dataclass(frozen=True)
class Control:
    """An ISO/IEC 27002 control (beheersmaatregel) as the BIO uses it: number and short titles only."""

    catalog: str
    id: str
    group_id: str
    title_nl: str
    title_en: str
    status: str = "active"  # "active" / "withdrawn" (BIO 1.04: 6.1.4 and 14.2.4)
    bbn: int | None = None  # BIO 1.04: the control's basisbeveiligingsniveau
    new_in_2022: bool = False
    no_government_measure: bool = False  # the source says explicitly: no overheidsmaatregel
    note: str = ""
    replaces: str | None = None  # its number in the previous version, where it moved
    revision: str = ""  # what this version revised in its text (a note: the text itself is never shipped)

    @property
    def key(self) -> str:
        """The id with its catalog version, e.g. ``"BIO2-1.3:5.24"``: store this, never the bare id."""
        return f"{self.catalog}:{self.id}"


@dataclass(frozen=True)
class Measure:
    """An overheidsmaatregel (government measure) under a control."""

    catalog: str
    id: str
    control_id: str
    label_nl: str = ""  # our own short label (BIO2 only), not the BIO text
    bbn: int | None = None  # BIO 1.04 only
    category: tuple[str, ...] = ()  # BIO2: basishygiëne / ketenhygiëne / overheidsrisico
    category_basis: str = ""  # which BIO2 version the category comes from, e.g. "1.2" or "1.2 via 5.04.02"
    status: str = "active"  # "active" / "moved" / "withdrawn"
    moved_to: str | None = None
    refers_to: str | None = None  # the source only says "see measure X"
    source_ref: str = ""  # the number as written in the source, where it differs
    note: str = ""
    replaces: str | None = None  # its number in the previous version, where it moved
    revision: str = ""  # what this version revised in its text (a note: the text itself is never shipped)

    @property
    def key(self) -> str:
        """The id with its catalog version, e.g. ``"BIO2-1.3:5.24.03"``: store this, never the bare id."""
        return f"{self.catalog}:{self.id}"


@dataclass(frozen=True)
class Mapping:
    """One pair of the ISO/IEC 27002:2013 → 2022 correspondence (Annex B of the 2022 edition)."""

    from_catalog: str
    from_id: str
    to_catalog: str
    to_id: str
    relation: str  # "one-to-one" / "merged" / "split" / "many-to-many", derived from the pairs
    evidence: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    key: str
    name: str
    version: str
    published: dt.date | None  # None where the sources give no publication date (BIO 1.04)
    source: str
    groups: tuple[Group, ...]
    controls: tuple[Control, ...]
    measures: tuple[Measure, ...]
    framework: str = ""
    sources: tuple[SourceRef, ...] = field(default=())

    @cached_property
    def _controls_by_id(self) -> dict[str, Control]:
        return {c.id: c for c in self.controls}

    @cached_property
    def _measures_by_id(self) -> dict[str, Measure]:
        return {m.id: m for m in self.measures}

    @cached_property
    def _groups_by_id(self) -> dict[str, Group]:
        return {g.id: g for g in self.groups}

    def control(self, control_id: str) -> Control:
        """The control with this id; ``KeyError`` when the catalog has none."""
        return self._controls_by_id[control_id]

    def measure(self, measure_id: str) -> Measure:
        """The measure with this id; ``KeyError`` when the catalog has none."""
        return self._measures_by_id[measure_id]

    def group(self, group_id: str) -> Group:
        return self._groups_by_id[group_id]

    def has_control(self, control_id: str) -> bool:
        return control_id in self._controls_by_id

    def has_measure(self, measure_id: str) -> bool:
        return measure_id in self._measures_by_id

    def groups_of_kind(self, kind: str) -> list[Group]:
        return [g for g in self.groups if g.kind == kind]

    def controls_in(self, group_id: str) -> list[Control]:
        """The controls directly under a group (objective or theme)."""
        return [c for c in self.controls if c.group_id == group_id]

    def measures_for(self, control_id: str, *, active_only: bool = False) -> list[Measure]:
        return [m for m in self.measures
                if m.control_id == control_id and (m.status == "active" or not active_only)]


# --------------------------------------------------------------------------- public API


def available_catalogs() -> list[str]:
    """The catalog keys shipped with the application, oldest first."""
    return list(_CATALOG_FILES)


def load_catalog(key: str, path: Path | str | None = None) -> Catalog:
    """Load a catalog by key (``"BIO-1.04"``, ``"BIO2-1.3"``).

    ``path`` reads another file instead of the shipped one (tests, a newer catalog version);
    its catalog record must carry the same key. The shipped catalogs are loaded once and cached.
    """
    if path is not None:
        return _parse_catalog(Path(path), expected_key=key)
    if key not in _CATALOG_FILES:
        raise CatalogError(f"unknown catalog {key!r}; available: {', '.join(_CATALOG_FILES)}")
    return _load_shipped(key)


def read_catalog_file(path: Path | str) -> Catalog:
    """A catalog file of any key (a new version to import): checked like the shipped ones, with the
    version's format checked too; :class:`CatalogError` names the line and the problem."""
    return _parse_catalog(Path(path))


def load_mapping(path: Path | str | None = None) -> list[Mapping]:
    """The ISO/IEC 27002:2013 → 2022 correspondence, BIO 1.04 controls → BIO2 controls.

    Every id is checked against the catalogs the rows name.
    """
    if path is not None:
        return _parse_mapping(Path(path))
    return list(_load_shipped_mapping())


@cache
def _load_shipped(key: str) -> Catalog:
    return _parse_catalog(DATA_DIR / _CATALOG_FILES[key], expected_key=key)


@cache
def _load_shipped_mapping() -> tuple[Mapping, ...]:
    return tuple(_parse_mapping(DATA_DIR / MAPPING_FILE))


# --------------------------------------------------------------------------- parsing


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for every record of a JSON Lines file; blank and ``#`` lines are skipped."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CatalogError("file not found", path) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"cannot read file: {exc}", path) from exc
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CatalogError(f"invalid JSON: {exc.msg} (column {exc.colno})", path, number) from exc
        if not isinstance(record, dict):
            raise CatalogError("a record must be a JSON object", path, number)
        yield number, record


class _Reader:
    """Typed access to the fields of one record, with errors that name the file and line."""

    def __init__(self, path: Path, line: int, record: dict[str, Any], allowed: set[str]) -> None:
        self.path, self.line, self.record = path, line, record
        unknown = set(record) - allowed - {"type"}
        if unknown:
            self.fail(f"unknown field(s) {', '.join(sorted(unknown))} in a {record.get('type')!r} record")

    def fail(self, message: str) -> NoReturn:
        raise CatalogError(message, self.path, self.line)

    def check(self, *rules: tuple[bool, str]) -> None:
        """Fail with the message of the first rule that does not hold: (holds, message), in order."""
        for holds, message in rules:
            if not holds:
                self.fail(message)

    def text(self, name: str, *, required: bool = False) -> str:
        value = self.record.get(name, "")
        if not isinstance(value, str):
            self.fail(f"field {name!r} must be a string")
        value = value.strip()
        if required and not value:
            self.fail(f"field {name!r} is required")
        return value

    def optional_text(self, name: str) -> str | None:
        return self.text(name) or None

    def flag(self, name: str) -> bool:
        value = self.record.get(name, False)
        if not isinstance(value, bool):
            self.fail(f"field {name!r} must be true or false")
        return value

    def bbn(self) -> int | None:
        value = self.record.get("bbn")
        if value is None:
            return None
        if isinstance(value, bool) or value not in (1, 2, 3):
            self.fail(f"field 'bbn' must be 1, 2 or 3, not {value!r}")
        return int(value)

    def date(self, name: str) -> dt.date | None:
        value = self.text(name)
        if not value:
            return None
        try:
            if len(value) != 10:
                raise ValueError(value)
            return dt.date.fromisoformat(value)
        except ValueError:
            self.fail(f"field {name!r} must be a date YYYY-MM-DD, not {value!r}")

    def text_list(self, name: str) -> tuple[str, ...]:
        value = self.record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(f"field {name!r} must be a list of strings")
        return tuple(v.strip() for v in value)


_FIELDS = {
    "catalog": {"format", "key", "name", "version", "published", "framework", "source"},
    "source": {"id", "title", "url", "commit", "licence", "used_for"},
    "group": {"id", "kind", "parent", "title_nl", "title_en", "note"},
    "control": {"id", "group", "title_nl", "title_en", "status", "bbn", "new_in_2022", "no_government_measure", "note",
                "replaces", "revision"},
    "measure": {"id", "control", "label_nl", "bbn", "category", "category_basis", "status", "moved_to", "refers_to",
                "source_ref", "note", "replaces", "revision"},
}
#: a catalog's version: numbers with dots, optionally a suffix ("1.04", "1.3", "1.4-test")
_VERSION = re.compile(r"^\d{1,3}(\.\d{1,3}){1,3}(-[a-z0-9]{1,20})?$")
_COMMIT = re.compile(r"^[0-9a-f]{7,40}$")
_LABEL_MAX = 100


def _parse_catalog(path: Path, expected_key: str | None = None) -> Catalog:
    builder = _CatalogBuilder(path, expected_key)
    for line, record in _records(path):
        builder.add(line, record)
    return builder.build()


class _CatalogBuilder:
    """Collects a catalog file's records in order, each checked against the ones above it."""

    def __init__(self, path: Path, expected_key: str | None) -> None:
        self.path, self.expected_key = path, expected_key
        self.head: dict[str, Any] | None = None
        self._framework: _Framework | None = None
        self.sources: list[SourceRef] = []
        self.groups: dict[str, Group] = {}
        self.controls: dict[str, Control] = {}
        self.measures: dict[str, tuple[int, Measure]] = {}
        self._adders = {"catalog": self._catalog, "source": self._source, "group": self._group,
                        "control": self._control, "measure": self._measure}

    def add(self, line: int, record: dict[str, Any]) -> None:
        kind = record.get("type")
        if kind not in _FIELDS:
            raise CatalogError(f"unknown record type {kind!r}", self.path, line)
        r = _Reader(self.path, line, record, _FIELDS[kind])
        if kind != "catalog" and self.head is None:
            r.fail("the first record must be the catalog record")
        self._adders[kind](r)

    @property
    def key(self) -> str:
        assert self.head is not None
        return str(self.head["key"])

    @property
    def framework_name(self) -> str:
        assert self.head is not None
        return str(self.head["framework"])

    @property
    def framework(self) -> _Framework:
        assert self._framework is not None
        return self._framework

    def _catalog(self, r: _Reader) -> None:
        r.check((self.head is None, "a second catalog record"),
                (r.record.get("format") == FORMAT_VERSION,
                 f"unsupported format {r.record.get('format')!r} (expected {FORMAT_VERSION})"))
        head = {name: r.text(name, required=True) for name in ("key", "name", "version", "framework", "source")}
        r.check((self.expected_key is None or head["key"] == self.expected_key,
                 f"catalog key {head['key']!r} where {self.expected_key!r} was asked for"))
        r.check((bool(_VERSION.match(head["version"])),
                 f"unknown version format {head['version'][:30]!r} (expected numbers with dots, e.g. 1.3 or 1.4-test)"),
                (len(head["key"]) <= 30 and len(head["name"]) <= 100,
                 "the key may be at most 30 characters, the name at most 100"),
                (head["key"].endswith("-" + head["version"]),
                 f"catalog key {head['key'][:30]!r} does not end in its version {head['version'][:30]!r}"))
        published = r.date("published")
        framework = _FRAMEWORKS.get(head["framework"])
        r.check((framework is not None, f"unknown framework {head['framework']!r}; known: {', '.join(_FRAMEWORKS)}"))
        self.head, self._framework = {**head, "published": published}, framework

    def _source(self, r: _Reader) -> None:
        commit = r.text("commit")
        r.check((not commit or bool(_COMMIT.match(commit)), f"'commit' must be a git hash, not {commit!r}"))
        self.sources.append(SourceRef(r.text("id", required=True), r.text("title", required=True), r.text("url"),
                                      commit, r.text("licence", required=True), r.text("used_for")))

    def _group(self, r: _Reader) -> None:
        gid, gkind = r.text("id", required=True), r.text("kind", required=True)
        pattern = self.framework.group_kinds.get(gkind)
        r.check((pattern is not None, f"group kind {gkind!r} is not used in {self.framework_name}"))
        assert pattern is not None
        r.check((bool(pattern.match(gid)), f"malformed {gkind} id {gid!r}"),
                (gid not in self.groups, f"duplicate group {gid!r}"))
        parent = r.optional_text("parent")
        r.check((parent is None or parent in self.groups, f"group {gid!r}: parent {parent!r} is not defined above it"),
                (gkind != "objective" or (parent is not None and gid.startswith(parent + ".")),
                 f"objective {gid!r} must sit under its chapter"))
        self.groups[gid] = Group(self.key, gid, gkind, r.text("title_nl"), r.text("title_en"), parent, r.text("note"))

    def _control(self, r: _Reader) -> None:
        cid, gid = r.text("id", required=True), r.text("group", required=True)
        r.check((bool(self.framework.control.match(cid)), f"malformed control id {cid!r} for {self.framework_name}"),
                (cid not in self.controls, f"duplicate control {cid!r}"),
                (gid in self.groups, f"control {cid!r}: group {gid!r} is not defined above it"),
                (cid.startswith(gid + "."), f"control {cid!r} does not belong to group {gid!r}"))
        status = r.text("status") or "active"
        r.check((status in ("active", "withdrawn"), f"control status must be 'active' or 'withdrawn', not {status!r}"))
        title_nl = r.text("title_nl")
        r.check((status != "active" or bool(title_nl or r.text("title_en")), f"control {cid!r} has no title"),
                (len(title_nl) <= 300 and len(r.text("title_en")) <= 300,
                 f"control {cid!r}: a title may be at most 300 characters"))
        replaces = r.optional_text("replaces")
        r.check((replaces is None or bool(self.framework.control.match(replaces)),
                 f"control {cid!r}: malformed replaces {replaces!r}"),
                (replaces != cid, f"control {cid!r} cannot replace itself"))
        self.controls[cid] = Control(
            self.key, cid, gid, title_nl, r.text("title_en"), status, r.bbn(), r.flag("new_in_2022"),
            r.flag("no_government_measure"), r.text("note"), replaces, r.text("revision"),
        )

    def _measure(self, r: _Reader) -> None:
        mid, cid = r.text("id", required=True), r.text("control", required=True)
        measure_id = self.framework.measure
        r.check((bool(measure_id.match(mid)), f"malformed measure id {mid!r} for {self.framework_name}"),
                (mid not in self.measures, f"duplicate measure {mid!r}"),
                (cid in self.controls, f"measure {mid!r}: control {cid!r} is not defined above it"))
        r.check((_numbers(mid)[: self.framework.measure_of] == _numbers(cid),
                 f"measure {mid!r} does not belong to control {cid!r}"))
        status = r.text("status") or "active"
        r.check((status in STATUSES, f"measure status must be one of {', '.join(STATUSES)}, not {status!r}"))
        moved_to, refers_to = r.optional_text("moved_to"), r.optional_text("refers_to")
        replaces = r.optional_text("replaces")
        r.check(((status == "moved") == (moved_to is not None),
                 f"measure {mid!r}: 'moved_to' is required for, and only for, status 'moved'"),
                *((target is None or bool(measure_id.match(target)), f"measure {mid!r}: malformed {name} {target!r}")
                  for name, target in (("moved_to", moved_to), ("refers_to", refers_to), ("replaces", replaces))),
                (replaces != mid, f"measure {mid!r} cannot replace itself"))
        category = r.text_list("category")
        wrong = [c for c in category if c not in CATEGORIES]
        r.check((not wrong, f"unknown categor{'y' if len(wrong) == 1 else 'ies'} {', '.join(wrong)}; "
                            f"known: {', '.join(CATEGORIES)}"))
        label = r.text("label_nl")
        r.check((len(label) <= _LABEL_MAX,
                 f"label_nl of {mid!r} is longer than {_LABEL_MAX} characters: a short label, not a text"))
        self.measures[mid] = (r.line, Measure(
            self.key, mid, cid, label, r.bbn(), category, r.text("category_basis"), status, moved_to, refers_to,
            r.text("source_ref"), r.text("note"), replaces, r.text("revision"),
        ))

    def build(self) -> Catalog:
        if self.head is None:
            raise CatalogError("no catalog record", self.path)
        for line, measure in self.measures.values():
            if measure.refers_to is not None and measure.refers_to not in self.measures:
                raise CatalogError(f"measure {measure.id!r} refers to unknown measure {measure.refers_to!r}",
                                   self.path, line)
        head = self.head
        return Catalog(
            key=head["key"], name=head["name"], version=head["version"], published=head["published"],
            source=head["source"], groups=tuple(self.groups.values()), controls=tuple(self.controls.values()),
            measures=tuple(m for _, m in self.measures.values()), framework=head["framework"],
            sources=tuple(self.sources),
        )


def _numbers(identifier: str) -> tuple[int, ...]:
    return tuple(int(part) for part in identifier.split("."))


_MAPPING_COLUMNS = ["from_catalog", "from_id", "to_catalog", "to_id", "relation", "evidence"]


def _parse_mapping(path: Path) -> list[Mapping]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.reader(fh))
    except FileNotFoundError as exc:
        raise CatalogError("file not found", path) from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CatalogError(f"cannot read file: {exc}", path) from exc
    if not rows or rows[0] != _MAPPING_COLUMNS:
        raise CatalogError(f"the header must be {','.join(_MAPPING_COLUMNS)}", path, 1)
    catalogs: dict[str, Catalog] = {}
    result: list[Mapping] = []
    seen: set[tuple[str, str, str, str]] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(_MAPPING_COLUMNS):
            raise CatalogError(f"expected {len(_MAPPING_COLUMNS)} columns, found {len(row)}", path, line)
        from_cat, from_id, to_cat, to_id, relation, evidence = (cell.strip() for cell in row)
        for key, ident in ((from_cat, from_id), (to_cat, to_id)):
            if key not in catalogs:
                if key not in _CATALOG_FILES:
                    raise CatalogError(f"unknown catalog {key!r}", path, line)
                catalogs[key] = _load_shipped(key)
            catalog = catalogs[key]
            if not _FRAMEWORKS[catalog.framework].control.match(ident):
                raise CatalogError(f"malformed control id {ident!r} for {key}", path, line)
            if not catalog.has_control(ident):
                raise CatalogError(f"control {ident!r} does not exist in {key}", path, line)
        if relation not in RELATIONS:
            raise CatalogError(f"relation must be one of {', '.join(RELATIONS)}, not {relation!r}", path, line)
        pair = (from_cat, from_id, to_cat, to_id)
        if pair in seen:
            raise CatalogError(f"duplicate pair {from_id} → {to_id}", path, line)
        seen.add(pair)
        result.append(Mapping(from_cat, from_id, to_cat, to_id, relation,
                              tuple(e for e in evidence.split(";") if e)))
    return result
