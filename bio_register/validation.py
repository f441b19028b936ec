"""Shared input checks for services: text cleaning and an error collector."""

from __future__ import annotations

import re
from typing import Any

from bio_register.errors import ValidationFailed
from bio_register.i18n import gettext as _

# C0 control characters except tab, newline and carriage return (PostgreSQL refuses NUL).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Errors:
    """Collects field errors so a form can show them all at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed.collect(self.errors)

    def text(self, field: str, value: Any, *, max_length: int, required: bool = False,
             single_line: bool = False) -> str | None:
        """The cleaned text (stripped, control characters removed), or None when empty."""
        if value is None:
            value = ""
        if not isinstance(value, str):
            self.add(field, _("Vul tekst in."))
            return None
        value = _CONTROL.sub("", value).strip()
        if single_line:
            value = " ".join(value.split())
        if not value:
            if required:
                self.add(field, _("Dit veld is verplicht."))
            return None
        if len(value) > max_length:
            self.add(field, _("Hoogstens %(n)d tekens (nu %(m)d).", n=max_length, m=len(value)))
            return None
        return value
