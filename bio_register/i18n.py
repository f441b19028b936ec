"""Translations: the source strings are Dutch; English comes from ``translations/en``."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any
from zoneinfo import ZoneInfo

import flask_babel
from babel import Locale
from babel.numbers import format_decimal
from flask import current_app, has_request_context, request, session
from flask_login import current_user

__all__ = [
    "format_fixed",
    "format_hours",
    "format_local",
    "format_percentage",
    "format_period",
    "gettext",
    "lazy_gettext",
    "local_time",
    "ngettext",
    "pgettext",
    "select_locale",
]


# Typed wrappers (flask_babel has no type hints): the names are the ones pybabel extracts.
def gettext(string: str, **variables: Any) -> str:
    return str(flask_babel.gettext(string, **variables))


def ngettext(singular: str, plural: str, num: int, **variables: Any) -> str:
    return str(flask_babel.ngettext(singular, plural, num, **variables))


def pgettext(context: str, string: str, **variables: Any) -> str:
    """A word that the same Dutch spells for two meanings ("volledig": fully implemented, or a
    complete section), told apart for the translation by ``context``."""
    return str(flask_babel.pgettext(context, string, **variables))


def lazy_gettext(string: str, **variables: Any) -> Any:
    """A string translated when it is used (in the locale of that moment): for module constants."""
    return flask_babel.lazy_gettext(string, **variables)


def select_locale() -> str:
    """?lang= (remembered in the session), then the user's own choice, else Dutch.

    The browser's Accept-Language is deliberately not used: the tool is Dutch, and a civil
    servant with an English operating system should not get a half-English register by surprise.
    """
    languages: list[str] = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked in languages:
        session["lang"] = asked
        return asked
    if session.get("lang") in languages:
        return session["lang"]
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return user_locale
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def local_time(value: dt.datetime) -> dt.datetime:
    """A stored UTC time in the configured time zone (Europe/Amsterdam by default)."""
    return value.astimezone(ZoneInfo(current_app.config["TIMEZONE"]))


def format_local(value: dt.datetime | None, with_offset: bool = False) -> str:
    """``22-11-2026 14:05`` in Amsterdam time. ``with_offset``: where the time could be misread —
    in the hour the clocks go back, which comes twice — the UTC offset follows
    (``25-10-2026 02:30 (UTC+01:00)``); every other time reads without one."""
    if value is None:
        return ""
    local = local_time(value)
    text = local.strftime("%d-%m-%Y %H:%M")
    if with_offset and is_ambiguous(local):
        offset = local.strftime("%z")
        text += f" (UTC{offset[:3]}:{offset[3:]})"
    return text


def is_ambiguous(local: dt.datetime) -> bool:
    """Whether this wall-clock time occurs twice (the hour the clocks go back)."""
    return local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset()


# --- numbers and durations in the user's language (Babel) ------------------------------------------

#: from this many hours a duration reads in days and hours ("5 dagen en 3 uur", not "123,0 uur")
DAYS_FROM_HOURS = 48


@functools.lru_cache(maxsize=4096)
def _fixed(value: float, digits: int, locale: Locale) -> str:
    """``value`` with ``digits`` decimals in ``locale``, remembered: a page of hundreds of
    percentages (concern control's compliance overview) repeats the same few hundred values, and
    Babel parses the pattern and quantizes a Decimal for each call (about 15 µs)."""
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return str(format_decimal(value, format=pattern, locale=locale))


def format_fixed(value: float, digits: int = 1) -> str:
    """A number with exactly ``digits`` decimals: ``1.234,5`` in Dutch, ``1,234.5`` in English."""
    locale = flask_babel.get_locale()
    if locale is None:  # outside a request: Babel's default locale, as flask_babel.format_decimal
        return str(flask_babel.format_decimal(value, format="#,##0" + ("." + "0" * digits if digits > 0 else "")))
    return _fixed(value, digits, locale)


def format_percentage(value: float, digits: int = 1) -> str:
    """``70,0 %`` in Dutch (a space before the sign, as the Dutch style guides write it), ``70.0%``
    in English."""
    locale = flask_babel.get_locale()  # asked once: a page of 350 organisations shows 700 of these
    if locale is None:
        number = format_fixed(value, digits)
        return f"{number}\u00a0%"
    return _percentage(value, digits, locale)


@functools.lru_cache(maxsize=4096)
def _percentage(value: float, digits: int, locale: Locale) -> str:
    number = _fixed(value, digits, locale)
    return f"{number}\u00a0%" if str(locale).startswith("nl") else f"{number}%"


def format_hours(hours: float) -> str:
    """A length of time given in hours (its sign ignored): ``19,7 uur`` below 48 hours, beyond that
    in whole days and hours, ``5 dagen en 3 uur``."""
    hours = abs(hours)
    if hours < DAYS_FROM_HOURS:
        return gettext("%(h)s uur", h=format_fixed(hours, 1))
    days, rest = divmod(round(hours), 24)
    in_days = ngettext("%(num)d dag", "%(num)d dagen", days)
    if rest == 0:
        return in_days
    return gettext("%(days)s en %(hours)s", days=in_days, hours=ngettext("%(num)d uur", "%(num)d uur", rest))


def format_period(period: str) -> str:
    """A report period as people say it: ``2026-Q4`` → "4e kwartaal 2026" (English "Q4 2026"),
    ``2026-10`` → "oktober 2026" ("October 2026"). Anything else is shown as it is."""
    import re

    quarter = re.fullmatch(r"(\d{4})-Q([1-4])", period)
    if quarter:
        return gettext("%(q)se kwartaal %(y)s", q=quarter.group(2), y=quarter.group(1))
    month = re.fullmatch(r"(\d{4})-(\d{2})", period)
    if month and 1 <= int(month.group(2)) <= 12:
        return str(flask_babel.format_date(dt.date(int(month.group(1)), int(month.group(2)), 1), "LLLL y"))
    return period
