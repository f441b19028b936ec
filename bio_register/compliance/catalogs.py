"""Loading the catalogs of ``controls/`` into the database, and an organisation's own full texts.

Idempotent: importing a catalog that is already there changes nothing; a new catalog version
(another key) is added beside the old one, whose assessments keep their ids.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bio_register.audit import services as audit
from bio_register.compliance.models import Control, ControlCatalog, ControlKind, ControlMapping
from bio_register.compliance.services import sort_key
from bio_register.errors import ValidationFailed
from bio_register.extensions import db

MAX_TEXT = 50_000
MAX_FILE = 20 * 1024 * 1024


def import_catalog(catalog: Any, *, actor_label: str = "cli") -> tuple[ControlCatalog, bool]:
    """Load a :class:`controls.loader.Catalog`; returns (row, created)."""
    existing = db.session.scalar(select(ControlCatalog).where(ControlCatalog.key == catalog.key))
    if existing is not None:
        return existing, False
    row = ControlCatalog(key=catalog.key, name=catalog.name, version=catalog.version, published=catalog.published)
    db.session.add(row)
    db.session.flush()
    groups = _Groups({g.id: g for g in catalog.groups})
    controls = {control.id: control for control in catalog.controls}
    for control in catalog.controls:
        db.session.add(_control_row(row.id, control, groups))
    for measure in catalog.measures:
        db.session.add(_measure_row(row.id, measure, controls[measure.control_id], groups))
    db.session.flush()
    audit.record(None, "control_catalog", row.id, "import",
                 audit.created({"key": catalog.key, "controls": len(catalog.controls),
                                "measures": len(catalog.measures)}), actor_label=actor_label)
    return row, True


class _Groups:
    """A catalog's groups (chapters, objectives, themes) by id."""

    def __init__(self, groups: dict[str, Any]) -> None:
        self.groups = groups

    def top(self, group_id: str) -> Any:
        group = self.groups[group_id]
        while group.parent:
            group = self.groups[group.parent]
        return group

    def placement(self, group_id: str) -> dict[str, Any]:
        """The columns that place a control under its top group (chapter or theme) and, where it
        sits deeper, its objective."""
        top = self.top(group_id)
        objective = self.groups[group_id] if group_id != top.id else None
        return {
            "group_code": top.id, "group_title_nl": top.title_nl, "group_title_en": top.title_en or None,
            "objective_code": objective.id if objective else None,
            "objective_title_nl": objective.title_nl if objective else None,
        }


def _control_row(catalog_id: int, control: Any, groups: _Groups) -> Control:
    return Control(
        catalog_id=catalog_id, code=control.id, kind=ControlKind.CONTROL, parent_code=None,
        **groups.placement(control.group_id),
        title_nl=control.title_nl or control.title_en or control.id, title_en=control.title_en or None,
        bbn=getattr(control, "bbn", None), categories=[], status=getattr(control, "status", "active") or "active",
        moved_to=None, replaces=getattr(control, "replaces", None) or None,
        revision=getattr(control, "revision", None) or None, sort_key=sort_key(control.id))


def _measure_row(catalog_id: int, measure: Any, parent: Any, groups: _Groups) -> Control:
    return Control(
        catalog_id=catalog_id, code=measure.id, kind=ControlKind.MEASURE, parent_code=parent.id,
        **groups.placement(parent.group_id),
        title_nl=getattr(measure, "label_nl", None) or f"Overheidsmaatregel {measure.id} bij {parent.id}",
        title_en=None, bbn=getattr(measure, "bbn", None), categories=list(measure.category or ()),
        status=measure.status or "active", moved_to=getattr(measure, "moved_to", None) or None,
        replaces=getattr(measure, "replaces", None) or None, revision=getattr(measure, "revision", None) or None,
        sort_key=sort_key(measure.id))


def import_mappings(mappings: Iterable[Any], *, actor_label: str = "cli") -> int:
    """Add the correspondence rows whose two controls are in the database; returns how many were new."""
    index: dict[tuple[str, str], int] = {}
    for catalog_key, code, control_id in db.session.execute(
            select(ControlCatalog.key, Control.code, Control.id).join(Control.catalog)):
        index[(catalog_key, code)] = control_id
    existing = {(from_id, to_id) for from_id, to_id in
                db.session.execute(select(ControlMapping.from_control_id, ControlMapping.to_control_id))}
    added = 0
    for mapping in mappings:
        source = index.get((mapping.from_catalog, mapping.from_id))
        target = index.get((mapping.to_catalog, mapping.to_id))
        if source is None or target is None or (source, target) in existing:
            continue
        db.session.add(ControlMapping(from_control_id=source, to_control_id=target, relation=mapping.relation))
        existing.add((source, target))
        added += 1
    if added:
        db.session.flush()
        audit.record(None, "control_mapping", "-", "import", {"rows": {"before": None, "after": added}},
                     actor_label=actor_label)
    return added


def import_all(*, actor_label: str = "cli") -> list[tuple[str, bool]]:
    """Every catalog shipped in ``controls/`` and the correspondence between them."""
    from controls import loader

    results = []
    for key in loader.available_catalogs():
        row, created = import_catalog(loader.load_catalog(key), actor_label=actor_label)
        results.append((row.key, created))
    import_mappings(loader.load_mapping(), actor_label=actor_label)
    return results


# --- full texts from the organisation's licensed copy ---------------------------------------------------

def _read_rows(path: Path) -> list[tuple[int, list[str]]]:
    """The non-empty rows of the file, each with its number as the sheet shows it."""
    from bio_register.spreadsheet import cell_text, read_table, summarise

    if path.suffix.lower() not in (".xlsx", ".csv"):
        raise ValidationFailed("Gebruik een .xlsx- of .csv-bestand met de kolommen id en text.", field="file")
    if path.stat().st_size > MAX_FILE:
        raise ValidationFailed(f"Het bestand is groter dan {MAX_FILE // (1024 * 1024)} MB.", field="file")
    table = read_table(path.read_bytes(), path.name, max_bytes=MAX_FILE)
    if table.problems:
        raise ValidationFailed(f"Niets geïmporteerd. {summarise(table.problems)}.", field="file")
    return [(number, [cell_text(v) for v in cells]) for number, cells in table.rows]


def import_texts(catalog_key: str, path: Path, *, actor_label: str = "cli") -> int:
    """Add full texts (columns ``id`` and ``text``) to a catalog's controls. All rows or none:
    every problem is named by row and column."""
    catalog = db.session.scalar(select(ControlCatalog).where(ControlCatalog.key == catalog_key))
    if catalog is None:
        raise ValidationFailed(f"Onbekende catalogus: {catalog_key}.", field="catalog")
    rows = _read_rows(path)
    if not rows:
        raise ValidationFailed("Het bestand is leeg.", field="file")
    id_col, text_col = _text_columns(rows[0])
    controls = {c.code: c for c in db.session.scalars(select(Control).where(Control.catalog_id == catalog.id))}
    problems, updates = _check_texts(rows[1:], id_col, text_col, controls, catalog.key)
    if problems:
        from bio_register.spreadsheet import summarise

        raise ValidationFailed(f"Niets geïmporteerd. {summarise(problems)}.", field="file")
    for control, text in updates:
        control.full_text = text
    db.session.flush()
    audit.record(None, "control_catalog", catalog.id, "import_texts",
                 {"texts": {"before": None, "after": len(updates)}}, actor_label=actor_label)
    return len(updates)


def _check_texts(rows: list[tuple[int, list[str]]], id_col: int, text_col: int, controls: Mapping[str, Control],
                 catalog_key: str) -> tuple[list[str], list[tuple[Control, str]]]:
    """The problems of the rows below the header, and the (control, text) of the good ones."""
    problems: list[str] = []
    seen: dict[str, int] = {}
    updates: list[tuple[Control, str]] = []
    for number, row in rows:
        code = row[id_col].strip() if id_col < len(row) else ""
        text = row[text_col].strip() if text_col < len(row) else ""
        id_problem = _id_problem(code, controls, seen, catalog_key)
        problems.extend(f"rij {number}, kolom {column}: {problem}"
                        for column, problem in (("id", id_problem), ("text", _text_problem(text)))
                        if problem is not None)
        if id_problem is None and text:
            updates.append((controls[code], text))
        if code:
            seen.setdefault(code, number)
    return problems, updates


def _text_columns(header_row: tuple[int, list[str]]) -> tuple[int, int]:
    """The positions of the columns id and text in the header."""
    number, cells = header_row
    header = [cell.strip().lower() for cell in cells]
    missing = [name for name in ("id", "text") if name not in header]
    if missing:
        raise ValidationFailed(f"Rij {number}: de kolom(men) {', '.join(missing)} ontbreken (nodig: id en text).",
                               field="file")
    return header.index("id"), header.index("text")


def _id_problem(code: str, controls: Mapping[str, Control], seen: Mapping[str, int], catalog_key: str) -> str | None:
    if not code:
        return "leeg"
    if code not in controls:
        return f"{code[:20]!r} bestaat niet in {catalog_key}"
    if code in seen:
        return f"{code} staat ook al in rij {seen[code]}"
    return None


#: the checks of a full text, in order: (fails, problem)
_TEXT_RULES: tuple[tuple[Callable[[str], bool], str], ...] = (
    (lambda text: not text, "leeg"),
    (lambda text: len(text) > MAX_TEXT, f"langer dan {MAX_TEXT} tekens"),
    (lambda text: text.startswith(("=", "+", "@")) and text[1:2].isalpha(), "lijkt een formule"),
)


def _text_problem(text: str) -> str | None:
    return next((problem for fails, problem in _TEXT_RULES if fails(text)), None)
