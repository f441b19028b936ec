"""The shipped BIO catalogs and the 2013 → 2022 correspondence: counts, ids, labels, loader errors."""

from __future__ import annotations

import ast
import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from controls import CATEGORIES, CatalogError, available_catalogs, load_catalog, load_mapping
from controls.loader import DATA_DIR

CONTROL_2013 = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}$")
CONTROL_2022 = re.compile(r"^[5-8]\.\d{1,2}$")
MEASURE_104 = re.compile(r"^\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}$")
MEASURE_BIO2 = re.compile(r"^[5-8]\.\d{2}\.\d{2}$")


@pytest.fixture(scope="module")
def bio104():
    return load_catalog("BIO-1.04")


@pytest.fixture(scope="module")
def bio2():
    return load_catalog("BIO2-1.3")


def test_available_catalogs():
    assert available_catalogs() == ["BIO-1.04", "BIO2-1.3"]
    for key in available_catalogs():
        assert load_catalog(key).key == key
    assert load_catalog("BIO2-1.3") is load_catalog("BIO2-1.3")  # cached


def test_unknown_catalog():
    with pytest.raises(CatalogError, match="unknown catalog 'BIO-9'"):
        load_catalog("BIO-9")


def test_catalog_metadata(bio104, bio2):
    assert (bio104.name, bio104.version, bio104.framework) == ("BIO 1.04", "1.04", "ISO/IEC 27002:2013")
    assert bio104.published is None  # the sources give no date for 1.04
    assert (bio2.name, bio2.version, bio2.published) == ("BIO2 1.3", "1.3", dt.date(2026, 1, 9))
    assert bio2.framework == "ISO/IEC 27002:2022"
    for catalog in (bio104, bio2):
        assert catalog.source
        assert catalog.sources
        assert all(s.licence and s.commit for s in catalog.sources)


# --------------------------------------------------------------------------- BIO 1.04


def test_bio104_counts(bio104):
    chapters = bio104.groups_of_kind("chapter")
    objectives = bio104.groups_of_kind("objective")
    assert len(chapters) == 14
    assert [g.id for g in chapters] == [str(n) for n in range(5, 19)]
    assert len(objectives) == 35
    assert len(bio104.controls) == 114
    assert len(bio104.groups) == 49
    assert all(o.parent in {c.id for c in chapters} for o in objectives)
    assert all(c.group_id in {o.id for o in objectives} for c in bio104.controls)
    per_chapter = Counter(c.id.split(".")[0] for c in bio104.controls)
    assert per_chapter["12"] == 14 and per_chapter["9"] == 14 and per_chapter["14"] == 13 and per_chapter["5"] == 2


def test_bio104_titles(bio104):
    for group in bio104.groups:
        assert group.title_nl or group.id == "15.2", group  # 15.2: copy error in the source, left empty
        assert group.title_en or group.kind == "objective", group  # no English objective titles in any source
    for control in bio104.controls:
        assert control.title_en, control
        assert control.title_nl or control.status == "withdrawn", control
    assert bio104.group("10.1").title_nl == "Cryptografische beheersmaatregelen"
    assert bio104.control("12.4.1").title_en == "Event logging"


def test_bio104_measures(bio104):
    assert len(bio104.measures) == 137
    assert Counter(m.bbn for m in bio104.measures) == {1: 71, 2: 66}
    assert all(m.status == "active" and not m.label_nl and not m.category for m in bio104.measures)
    assert {c.id for c in bio104.controls if c.status == "withdrawn"} == {"6.1.4", "14.2.4"}
    per_control = Counter(m.control_id for m in bio104.measures)
    assert per_control["16.1.2"] == 7
    assert per_control["12.2.1"] == 5
    assert per_control["9.4.3"] == 5
    assert per_control["5.1.1"] == 1
    for control in bio104.controls:
        if control.no_government_measure or control.status == "withdrawn":
            assert per_control[control.id] == 0, control
        else:
            assert per_control[control.id] > 0, control
    assert sum(c.no_government_measure for c in bio104.controls) == 45
    assert bio104.measure("14.2.5.1").refers_to == "14.2.1.1"
    assert bio104.measure("12.4.1.2").source_ref == "12.04.01/02"


def test_bio104_ids(bio104):
    assert all(CONTROL_2013.match(c.id) for c in bio104.controls)
    assert all(MEASURE_104.match(m.id) for m in bio104.measures)
    for measure in bio104.measures:
        assert bio104.has_control(measure.control_id)
        assert measure.id.rsplit(".", 1)[0] == measure.control_id
        assert measure.bbn in (1, 2, 3)


# --------------------------------------------------------------------------- BIO2 1.3


def test_bio2_counts(bio2):
    themes = bio2.groups_of_kind("theme")
    assert [(t.id, t.title_en) for t in themes] == [
        ("5", "Organisational"), ("6", "People"), ("7", "Physical"), ("8", "Technological"),
    ]
    assert len(bio2.controls) == 93
    assert {t.id: len(bio2.controls_in(t.id)) for t in themes} == {"5": 37, "6": 8, "7": 14, "8": 34}
    assert all(c.title_nl and c.title_en for c in bio2.controls)
    assert sum(c.new_in_2022 for c in bio2.controls) == 11


def test_bio2_measures(bio2):
    assert len(bio2.measures) == 127
    assert Counter(m.status for m in bio2.measures) == {"active": 118, "moved": 5, "withdrawn": 4}
    per_control = Counter(m.control_id for m in bio2.measures)
    assert sum(per_control.values()) == len(bio2.measures)
    assert per_control["5.24"] == 8
    assert per_control["5.20"] == 6
    assert per_control["8.15"] == 6
    assert per_control["5.10"] == 2
    for control in bio2.controls:
        if control.no_government_measure:
            assert per_control[control.id] == 0, control
        else:
            assert per_control[control.id] > 0, control
    assert sum(c.no_government_measure for c in bio2.controls) == 38
    without_active = {c.id for c in bio2.controls if not bio2.measures_for(c.id, active_only=True)}
    assert len(without_active) == 39
    assert without_active - {c.id for c in bio2.controls if c.no_government_measure} == {"5.25"}


def test_bio2_ids(bio2):
    assert all(CONTROL_2022.match(c.id) for c in bio2.controls)
    for measure in bio2.measures:
        assert MEASURE_BIO2.match(measure.id), measure
        assert bio2.has_control(measure.control_id), measure
        theme, number, _ = (int(part) for part in measure.id.split("."))
        assert measure.control_id == f"{theme}.{number}"
    assert bio2.measure("5.24.03").key == "BIO2-1.3:5.24.03"
    assert bio2.control("5.24").key == "BIO2-1.3:5.24"


def test_bio2_moved_and_withdrawn(bio2):
    moved = {m.id: m.moved_to for m in bio2.measures if m.status == "moved"}
    assert moved == {
        "5.04.02": "5.10.02", "5.04.03": "5.10.03", "5.24.06": "5.21.05",
        "5.25.01": "5.26.02", "5.26.01": "5.25.02",
    }
    dangling = {mid for mid, target in moved.items() if not bio2.has_measure(target)}
    assert dangling == {"5.26.01"}  # the source moves it to a number that 1.3 does not have
    assert "5.25.02" in bio2.measure("5.26.01").note
    withdrawn = {m.id for m in bio2.measures if m.status == "withdrawn"}
    assert withdrawn == {"5.21.01", "5.35.01", "7.01.01", "8.24.03"}
    reference = bio2.measure("8.08.06")
    assert (reference.status, reference.refers_to) == ("active", "5.24.08")
    assert all(m.moved_to is None for m in bio2.measures if m.status != "moved")


def test_bio2_labels(bio2):
    for measure in bio2.measures:
        label = measure.label_nl
        assert label and label == label.strip(), measure
        assert len(label) <= 100, measure
        assert label.casefold() != bio2.control(measure.control_id).title_nl.casefold(), measure
        assert label.casefold() != bio2.control(measure.control_id).title_en.casefold(), measure
    active_labels = Counter(m.label_nl for m in bio2.measures if m.status == "active")
    assert max(active_labels.values()) == 1
    assert all(m.label_nl.startswith("Verplaatst naar " + m.moved_to) for m in bio2.measures if m.status == "moved")


def test_bio2_categories(bio2):
    for measure in bio2.measures:
        assert set(measure.category) <= set(CATEGORIES), measure
        assert bool(measure.category) == bool(measure.category_basis), measure
        assert measure.bbn is None
    assert {m.id for m in bio2.measures if not m.category} == {"5.24.08", "6.03.04"}  # new in 1.3
    assert bio2.measure("5.10.02").category_basis == "1.2 via 5.04.02"
    assert bio2.measure("5.01.01").category == ("basishygiëne", "ketenhygiëne")


# --------------------------------------------------------------------------- mapping


def test_mapping(bio104, bio2):
    mapping = load_mapping()
    assert len(mapping) == 115
    for pair in mapping:
        assert (pair.from_catalog, pair.to_catalog) == ("BIO-1.04", "BIO2-1.3")
        assert bio104.has_control(pair.from_id), pair
        assert bio2.has_control(pair.to_id), pair
        assert "annex-b" in pair.evidence
        assert pair.relation in ("one-to-one", "merged", "split", "many-to-many")
    assert {p.from_id for p in mapping} == {c.id for c in bio104.controls}
    successors = {c.id for c in bio2.controls} - {p.to_id for p in mapping}
    assert successors == {c.id for c in bio2.controls if c.new_in_2022}
    pairs = {(p.from_id, p.to_id) for p in mapping}
    assert {("16.1.1", "5.24"), ("12.6.1", "8.8"), ("18.2.3", "8.8"), ("14.2.4", "8.32")} <= pairs
    assert ("9.1.2", "8.20") not in pairs  # single-source pair that contradicts Annex B


# --------------------------------------------------------------------------- loader


def test_loader_uses_the_standard_library_only():
    """No Flask or SQLAlchemy: the loader imports nothing outside the standard library."""
    imported: set[str] = set()
    for name in ("__init__.py", "loader.py"):
        tree = ast.parse((DATA_DIR.parent / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                imported.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"controls"}


def _broken_copy(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of a shipped file with one substring replaced; returns the path and the changed line."""
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    line = text[: text.index(old)].count("\n") + 1
    path = tmp_path / name
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path, line


def test_shipped_file_loads_from_path(tmp_path):
    path, _ = _broken_copy(tmp_path, "bio2-1.3.jsonl", '"id": "5.24.03"', '"id": "5.24.03"')
    assert len(load_catalog("BIO2-1.3", path=path).measures) == 127


@pytest.mark.parametrize(("name", "old", "new", "message"), [
    ("bio2-1.3.jsonl", '"id": "5.24.03"', '"id": "5.24.3"', "malformed measure id '5.24.3'"),
    ("bio2-1.3.jsonl", '"id": "5.24", "group"', '"id": "5.240", "group"', "malformed control id '5.240'"),
    ("bio2-1.3.jsonl", '"id": "5.24.03", "control": "5.24"', '"id": "5.24.03", "control": "5.23"',
     "does not belong to control '5.23'"),
    ("bio2-1.3.jsonl", '"id": "5.24.03", "control": "5.24"', '"id": "5.24.03", "control": "5.99"',
     "control '5.99' is not defined"),
    ("bio2-1.3.jsonl", '"id": "5.24.02"', '"id": "5.24.01"', "duplicate measure '5.24.01'"),
    ("bio2-1.3.jsonl", '"status": "moved", "moved_to": "5.10.02"', '"status": "moved"', "'moved_to' is required"),
    ("bio2-1.3.jsonl", 'het oplossen van incidenten", "category": ["basishygiëne"]',
     'het oplossen van incidenten", "category": ["hygiëne"]', "unknown category hygiëne"),
    ("bio2-1.3.jsonl", '{"type": "group", "id": "6"', '{"type": "group" "id": "6"', "invalid JSON"),
    ("bio-1.04.jsonl", '"id": "12.4.1.2"', '"id": "12.4.1.b"', "malformed measure id '12.4.1.b'"),
    ("bio-1.04.jsonl", '"id": "12.4.1", "group"', '"id": "12.4", "group"', "malformed control id '12.4'"),
    ("bio-1.04.jsonl", '"id": "12.4.1.2", "control": "12.4.1", "bbn": 1',
     '"id": "12.4.1.2", "control": "12.4.1", "bbn": 7', "'bbn' must be 1, 2 or 3"),
])
def test_malformed_catalog_names_file_and_line(tmp_path, name, old, new, message):
    path, line = _broken_copy(tmp_path, name, old, new)
    key = "BIO2-1.3" if name.startswith("bio2") else "BIO-1.04"
    with pytest.raises(CatalogError, match=re.escape(message)) as info:
        load_catalog(key, path=path)
    assert info.value.path == str(path)
    assert info.value.line == line
    assert f"{path}, line {line}:" in str(info.value)


def test_catalog_key_must_match(tmp_path):
    path, line = _broken_copy(tmp_path, "bio2-1.3.jsonl", '"key": "BIO2-1.3"', '"key": "BIO2-1.4"')
    with pytest.raises(CatalogError, match=re.escape("'BIO2-1.4' where 'BIO2-1.3' was asked for")) as info:
        load_catalog("BIO2-1.3", path=path)
    assert info.value.line == line


def test_bad_published_date(tmp_path):
    path, line = _broken_copy(tmp_path, "bio2-1.3.jsonl", '"published": "2026-01-09"', '"published": "9-1-2026"')
    with pytest.raises(CatalogError, match="must be a date YYYY-MM-DD") as info:
        load_catalog("BIO2-1.3", path=path)
    assert info.value.line == line


def test_missing_catalog_record_and_file(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text('# nothing\n{"type": "group", "id": "5", "kind": "theme"}\n', encoding="utf-8")
    with pytest.raises(CatalogError, match="first record must be the catalog record") as info:
        load_catalog("BIO2-1.3", path=path)
    assert info.value.line == 2
    with pytest.raises(CatalogError, match="file not found"):
        load_catalog("BIO2-1.3", path=tmp_path / "absent.jsonl")


@pytest.mark.parametrize(("old", "new", "message"), [
    ("BIO-1.04,16.1.1,BIO2-1.3,5.24,", "BIO-1.04,16.1.9,BIO2-1.3,5.24,", "control '16.1.9' does not exist in BIO-1.04"),
    ("BIO-1.04,16.1.1,BIO2-1.3,5.24,", "BIO-1.04,16.1.1,BIO2-1.3,5.99,", "control '5.99' does not exist in BIO2-1.3"),
    ("BIO-1.04,16.1.1,BIO2-1.3,5.24,", "BIO-1.04,16.1,BIO2-1.3,5.24,", "malformed control id '16.1'"),
    ("BIO-1.04,16.1.1,BIO2-1.3,5.24,", "BIO-1.04,16.1.1,BIO2-1.3,5.24.01,", "malformed control id '5.24.01'"),
    ("BIO-1.04,16.1.1,BIO2-1.3,5.24,one-to-one", "BIO-1.04,16.1.1,BIO2-1.3,5.24,equal", "relation must be one of"),
])
def test_malformed_mapping_names_file_and_line(tmp_path, old, new, message):
    path, line = _broken_copy(tmp_path, "mapping-2013-2022.csv", old, new)
    with pytest.raises(CatalogError, match=re.escape(message)) as info:
        load_mapping(path=path)
    assert info.value.line == line
    assert str(path) in str(info.value)
