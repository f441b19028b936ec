"""Form fields shared by the areas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from flask import current_app
from wtforms import Field
from wtforms.widgets import DateTimeLocalInput

from bio_register.i18n import gettext as _
from bio_register.i18n import lazy_gettext as _l
from bio_register.timeutil import AmbiguousLocalTime, NonexistentLocalTime, to_local, to_utc

if TYPE_CHECKING:
    from wtforms.meta import _MultiDictLikeWithGetlist

FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M")


class LocalDateTimeField(Field):
    """A ``datetime-local`` input in the configured time zone; ``data`` is aware UTC.

    At the autumn change the hour 02:00–03:00 happens twice: the field then asks which one
    (summer or winter time) through a second input ``<name>_fold`` instead of guessing. A time
    in the skipped spring hour is refused.
    """

    widget = DateTimeLocalInput()

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        self.ambiguous: tuple[dt.datetime, dt.datetime] | None = None
        self.fold: int | None = None
        self.raw: str | None = None

    def _value(self) -> str:
        if self.raw is not None:
            return self.raw
        if self.data is None:
            return ""
        return to_local(self.data, current_app.config["TIMEZONE"]).strftime("%Y-%m-%dT%H:%M")

    def process(self, formdata: _MultiDictLikeWithGetlist | None, data: Any = None,
                extra_filters: Sequence[Callable[[Any], Any]] | None = None) -> None:
        if formdata is not None:
            folds = formdata.getlist(f"{self.name}_fold")
            self.fold = int(folds[0]) if folds and folds[0] in ("0", "1") else None
        super().process(formdata, data, extra_filters)

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist:
            return
        self.raw = valuelist[0].strip()
        if not self.raw:
            self.data = None
            return
        for fmt in FORMATS:
            try:
                local = dt.datetime.strptime(self.raw, fmt)
                break
            except ValueError:
                continue
        else:
            self.data = None
            raise ValueError(_("Geen geldig tijdstip; gebruik dag-maand-jaar uur:minuut."))
        if not 1970 <= local.year < 2100:
            self.data = None
            raise ValueError(_("Kies een tijdstip tussen 1970 en 2100."))
        try:
            self.data = to_utc(local, current_app.config["TIMEZONE"], self.fold)
        except AmbiguousLocalTime as exc:
            self.data = None
            self.ambiguous = exc.options
            raise ValueError(_("Dit tijdstip komt twee keer voor (de klok ging een uur terug). "
                               "Kies zomertijd of wintertijd.")) from None
        except NonexistentLocalTime:
            self.data = None
            raise ValueError(_("Dit tijdstip bestaat niet (de klok ging een uur vooruit).")) from None


FOLD_LABELS = (_l("zomertijd (UTC+2)"), _l("wintertijd (UTC+1)"))
