"""``bio-register import-register``: the spreadsheet import from the command line, for large files."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

#: the time ``import-register`` may take to read its file (a web upload gets ``spreadsheet.MAX_SECONDS``)
CLI_READ_SECONDS = 300.0


@click.command("import-register")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "organisation_code", required=True, help="Organisation code, e.g. DIE.")
@click.option("--mapping", "mapping_source", default="saved", show_default=True,
              help="'saved' (the organisation's saved mapping, completed from the header names) "
                   "or a JSON file {\"columns\": {field: header}, \"categories\": {text: category}}.")
@click.option("--user", "user_email", default=None,
              help="E-mail of the user the import is recorded by (needs incident:write in the organisation); "
                   "required when the file has decisions on the AP-melding.")
@click.option("--dry-run", is_flag=True, help="Check every row and report the problems; import nothing.")
def import_register_command(file: Path, organisation_code: str, mapping_source: str, user_email: str | None,
                            dry_run: bool) -> None:
    """Import an existing incident register (XLSX or CSV): all rows or none."""
    from flask import current_app

    from bio_register import unit_of_work
    from bio_register.accounts.services import find_user_by_email
    from bio_register.errors import DomainError
    from bio_register.extensions import db
    from bio_register.imports import services
    from bio_register.organisations.services import find_by_code
    from bio_register.permissions import Permission, has_permission
    from bio_register.spreadsheet import DEFAULT_LIMITS, check_size

    organisation = find_by_code(organisation_code.strip().upper())
    if organisation is None:
        raise click.ClickException(f"Onbekende organisatie: {organisation_code}")
    user = None
    if user_email:
        user = find_user_by_email(user_email)
        if user is None or not user.active:
            raise click.ClickException(f"Onbekende of inactieve gebruiker: {user_email}")
        if not has_permission(user, Permission.INCIDENT_WRITE, organisation.id):
            raise click.ClickException(f"{user_email} mag geen incidenten vastleggen voor {organisation.code}.")
    limit = services.max_bytes(current_app.config)
    try:
        check_size(file.stat().st_size, limit)  # before reading a huge file into memory
        # no web worker waits for the command: the same limits, but more time to read
        sheet = services.Sheet.read(file.read_bytes(), file.name, max_bytes=limit,
                                    limits=dataclasses.replace(DEFAULT_LIMITS, seconds=CLI_READ_SECONDS))
        if mapping_source == "saved":
            mapping = services.guess_mapping(sheet, services.saved_mapping(organisation))
        else:
            path = Path(mapping_source)
            try:
                mapping = services.ColumnMapping.from_json(json.loads(path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise click.ClickException(f"De koppeling {mapping_source} is niet te lezen: {exc}") from None
        check = services.preview(organisation, sheet, mapping)
        for note in check.notes:
            click.echo(note)
        if not check.ok:
            problems = check.all_problems or ["Het bestand bevat geen rijen om te importeren."]
            for problem in problems:
                click.echo(problem, err=True)
            raise click.ClickException(f"Niets geïmporteerd: {len(problems)} probleem/problemen "
                                       f"in {check.rows_with_problems} rij(en).")
        if dry_run:
            click.echo(f"In orde: {len(check.rows)} rijen zouden worden geïmporteerd (--dry-run: niets gedaan).")
            return
        # all or nothing: the boundary commits every row, or rolls back whatever was written
        with unit_of_work.boundary(db.session), click.progressbar(
                length=len(check.rows), label="Importeren", file=sys.stderr, show_pos=True) as bar:
            result = services.run_import(user, organisation, sheet, mapping, actor_label=None if user else "cli",
                                         progress=bar.update)
    except DomainError as error:
        preview = getattr(error, "preview", None)
        if preview is not None:
            for problem in preview.all_problems:
                click.echo(problem, err=True)
        raise click.ClickException(error.message) from None
    click.echo(f"{result.count} incidenten geïmporteerd uit {file.name} ({result.datalekken} datalekken, "
               f"{result.decisions} besluiten over de AP-melding).")
    for year, count, first, last in result.per_year():
        click.echo(f"  {year}: {count} ({first} … {last})")


@click.command("import-processing")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "organisation_code", required=True, help="Organisation code, e.g. DIE.")
@click.option("--mapping", "mapping_source", default="headers", show_default=True,
              help="'headers' (guessed from the header names) or a JSON file {\"columns\": {field: header}}.")
@click.option("--user", "user_email", default=None,
              help="E-mail of the user the import is recorded by (needs processing:write in the organisation).")
@click.option("--dry-run", is_flag=True, help="Check every row and report the problems; import nothing.")
def import_processing_command(file: Path, organisation_code: str, mapping_source: str, user_email: str | None,
                              dry_run: bool) -> None:
    """Import an existing verwerkingsregister (XLSX or CSV): all rows or none."""
    from flask import current_app

    from bio_register import unit_of_work
    from bio_register.accounts.services import find_user_by_email
    from bio_register.errors import DomainError
    from bio_register.extensions import db
    from bio_register.imports import engine
    from bio_register.organisations.services import find_by_code
    from bio_register.permissions import Permission, has_permission
    from bio_register.processing import importing
    from bio_register.spreadsheet import DEFAULT_LIMITS, check_size

    organisation = find_by_code(organisation_code.strip().upper())
    if organisation is None:
        raise click.ClickException(f"Onbekende organisatie: {organisation_code}")
    user = None
    if user_email:
        user = find_user_by_email(user_email)
        if user is None or not user.active:
            raise click.ClickException(f"Onbekende of inactieve gebruiker: {user_email}")
        if not has_permission(user, Permission.PROCESSING_WRITE, organisation.id):
            raise click.ClickException(f"{user_email} mag het verwerkingsregister van {organisation.code} "
                                       "niet bijhouden.")
    limit = engine.max_bytes(current_app.config)
    try:
        check_size(file.stat().st_size, limit)
        sheet = engine.Sheet.read(file.read_bytes(), file.name, max_bytes=limit,
                                  limits=dataclasses.replace(DEFAULT_LIMITS, seconds=CLI_READ_SECONDS))
        if mapping_source == "headers":
            mapping = importing.guess_mapping(sheet)
        else:
            try:
                mapping = importing.mapping_from_json(json.loads(Path(mapping_source).read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:
                raise click.ClickException(f"De koppeling {mapping_source} is niet te lezen: {exc}") from None
        checked = importing.preview(organisation, sheet, mapping)
        for note in checked.preview.notes:
            click.echo(note)
        if not checked.preview.ok:
            problems = checked.preview.all_problems or ["Het bestand bevat geen rijen om te importeren."]
            for problem in problems:
                click.echo(problem, err=True)
            raise click.ClickException(f"Niets geïmporteerd: {len(problems)} probleem/problemen "
                                       f"in {checked.preview.rows_with_problems} rij(en).")
        if checked.matched_verwerkers:
            click.echo("Bestaande verwerkers: " + ", ".join(checked.matched_verwerkers))
        if checked.new_verwerkers:
            click.echo("Nieuwe verwerkers: " + ", ".join(checked.new_verwerkers))
        if dry_run:
            click.echo(f"In orde: {len(checked.preview.rows)} verwerkingen zouden worden geïmporteerd "
                       "(--dry-run: niets gedaan).")
            return
        with unit_of_work.boundary(db.session):
            result = importing.run_import(user, organisation, sheet, mapping, actor_label=None if user else "cli")
    except DomainError as error:
        preview = getattr(error, "preview", None)
        if preview is not None:
            for problem in preview.all_problems:
                click.echo(problem, err=True)
        raise click.ClickException(error.message) from None
    click.echo(f"{result.count} verwerkingen geïmporteerd uit {file.name} voor {organisation.code} "
               f"({len(result.created_verwerkers)} verwerkers aangemaakt, "
               f"{len(result.linked_verwerkers)} bestaande gekoppeld).")
