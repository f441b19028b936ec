"""Loading the catalogs of ``controls/`` into the database, and an organisation's own full texts.

Idempotent: importing a catalog that is already there changes nothing; a new catalog version
(another key) is added beside the old one, whose assessments keep their ids.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def _top_group(groups: dict[str, Any], group_id: str) -> Any:
    group = groups[group_id]
    while group.parent:
        group = groups[group.parent]
    return group


def _placement(groups: dict[str, Any], group_id: str) -> dict[str, Any]:
    """Where a control sits: its theme or chapter (the top group) and, below that, its objective."""
    top = _top_group(groups, group_id)
    objective = groups[group_id] if group_id != top.id else None
    return {"group_code": top.id, "group_title_nl": top.title_nl, "group_title_en": top.title_en or None,
            "objective_code": objective.id if objective else None,
            "objective_title_nl": objective.title_nl if objective else None}


def _control_row(catalog_id: int, groups: dict[str, Any], control: Any) -> Control:
    return Control(
        catalog_id=catalog_id, code=control.id, kind=ControlKind.CONTROL, parent_code=None,
        **_placement(groups, control.group_id),
        title_nl=control.title_nl or control.title_en or control.id, title_en=control.title_en or None,
        bbn=getattr(control, "bbn", None), categories=[], status=getattr(control, "status", "active") or "active",
        moved_to=None, sort_key=sort_key(control.id))


def _measure_row(catalog_id: int, groups: dict[str, Any], parent: Any, measure: Any) -> Control:
    label = getattr(measure, "label_nl", None) or f"Overheidsmaatregel {measure.id} bij {parent.id}"
    return Control(
        catalog_id=catalog_id, code=measure.id, kind=ControlKind.MEASURE, parent_code=parent.id,
        **_placement(groups, parent.group_id),
        title_nl=label, title_en=None, bbn=getattr(measure, "bbn", None), categories=list(measure.category or ()),
        status=measure.status or "active", moved_to=getattr(measure, "moved_to", None) or None,
        sort_key=sort_key(measure.id))


def import_catalog(catalog: Any, *, actor_label: str = "cli") -> tuple[ControlCatalog, bool]:
    """Load a :class:`controls.loader.Catalog`; returns (row, created)."""
    existing = db.session.scalar(select(ControlCatalog).where(ControlCatalog.key == catalog.key))
    if existing is not None:
        return existing, False
    row = ControlCatalog(key=catalog.key, name=catalog.name, version=catalog.version, published=catalog.published)
    db.session.add(row)
    db.session.flush()
    groups = {g.id: g for g in catalog.groups}
    controls = {control.id: control for control in catalog.controls}
    db.session.add_all([_control_row(row.id, groups, control) for control in catalog.controls])
    db.session.add_all([_measure_row(row.id, groups, controls[measure.control_id], measure)
                        for measure in catalog.measures])
    db.session.flush()
    audit.record(None, "control_catalog", row.id, "import",
                 audit.created({"key": catalog.key, "controls": len(catalog.controls),
                                "measures": len(catalog.measures)}), actor_label=actor_label)
    return row, True


def import_mappings(mappings: Iterable[Any], *, actor_label: str = "cli") -> int:
    """Add the correspondence rows whose two controls are in the database; returns how many were new."""
    index: dict[tuple[str, str], int] = {}
    for catalog_key, code, control_id in db.session.execute(
            select(ControlCatalog.key, Control.code, Control.id).join(Control.catalog)):
        index[(catalog_key, code)] = control_id
    existing = set(db.session.execute(select(ControlMapping.from_control_id, ControlMapping.to_control_id)).all())
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


def _header(rows: list[tuple[int, list[str]]]) -> tuple[int, int]:
    """The positions of the columns ``id`` and ``text`` in the first row."""
    if not rows:
        raise ValidationFailed("Het bestand is leeg.", field="file")
    header = [cell.strip().lower() for cell in rows[0][1]]
    missing = [name for name in ("id", "text") if name not in header]
    if missing:
        raise ValidationFailed(f"Rij {rows[0][0]}: de kolom(men) {', '.join(missing)} ontbreken (nodig: id en text).",
                               field="file")
    return header.index("id"), header.index("text")


def _code_problem(code: str, controls: dict[str, Control], seen: dict[str, int], catalog_key: str) -> str | None:
    if not code:
        return "leeg"
    if code not in controls:
        return f"{code[:20]!r} bestaat niet in {catalog_key}"
    if code in seen:
        return f"{code} staat ook al in rij {seen[code]}"
    return None


def _text_problem(text: str) -> str | None:
    if not text:
        return "leeg"
    if len(text) > MAX_TEXT:
        return f"langer dan {MAX_TEXT} tekens"
    if text.startswith(("=", "+", "@")) and text[1:2].isalpha():
        return "lijkt een formule"
    return None


def _cell(row: list[str], column: int) -> str:
    return row[column].strip() if column < len(row) else ""


def import_texts(catalog_key: str, path: Path, *, actor_label: str = "cli") -> int:
    """Add full texts (columns ``id`` and ``text``) to a catalog's controls. All rows or none:
    every problem is named by row and column."""
    catalog = db.session.scalar(select(ControlCatalog).where(ControlCatalog.key == catalog_key))
    if catalog is None:
        raise ValidationFailed(f"Onbekende catalogus: {catalog_key}.", field="catalog")
    rows = _read_rows(path)
    id_col, text_col = _header(rows)
    controls = {c.code: c for c in db.session.scalars(select(Control).where(Control.catalog_id == catalog.id))}
    problems: list[str] = []
    seen: dict[str, int] = {}
    updates: list[tuple[Control, str]] = []
    for number, row in rows[1:]:
        code, text = _cell(row, id_col), _cell(row, text_col)
        code_problem, text_problem = _code_problem(code, controls, seen, catalog.key), _text_problem(text)
        problems += [f"rij {number}, kolom {column}: {problem}"
                     for column, problem in (("id", code_problem), ("text", text_problem)) if problem]
        if code_problem is None and text:
            updates.append((controls[code], text))
        if code:
            seen.setdefault(code, number)
    if problems:
        from bio_register.spreadsheet import summarise

        raise ValidationFailed(f"Niets geïmporteerd. {summarise(problems)}.", field="file")
    for control, text in updates:
        control.full_text = text
    db.session.flush()
    audit.record(None, "control_catalog", catalog.id, "import_texts",
                 {"texts": {"before": None, "after": len(updates)}}, actor_label=actor_label)
    return len(updates)
