"""Shared form helpers."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# WTForms 3.3's option type; types-WTForms 3.2 predates it. Import it from here, where the ignore is.
from wtforms.fields.choices import SelectChoice  # type: ignore[attr-defined]  # types-WTForms 3.2 lacks it

from bio_register.errors import DomainError
from bio_register.paging import MAX_PAGE


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def page_arg(value: Any) -> int:
    """The ``page`` argument of a list: a number from 1 to MAX_PAGE; anything else is the first page."""
    try:
        return max(1, min(int(value), MAX_PAGE))
    except (TypeError, ValueError):
        return 1


def expected_version(field: Any) -> int:
    """The version a form was loaded with; a missing one counts as stale (0), never as "any"."""
    data = field.data or ""
    return int(data) if str(data).isdigit() else 0


def differences(fields: Iterable[str], labels: Mapping[str, Any], stored: Mapping[str, Any],
                typed: Mapping[str, Any]) -> list[tuple[str, Any, Any]]:
    """(label, stored value, typed value) for each field where the user's input differs from what
    someone else saved in between — shown beside the form after an edit conflict."""
    return [(str(labels[name]), stored[name], typed[name]) for name in fields
            if name in typed and (typed[name] or None) != (stored[name] or None)]


def apply_errors(form: Any, error: DomainError) -> None:
    """Put a service's field errors on the form's fields (or on the form itself)."""
    for name, messages in (error.errors or {"": [error.message]}).items():
        field = getattr(form, name, None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = [*list(field.errors), *messages]
        else:
            form.form_errors.extend(messages)
