"""Charts on screen: the reports' chart code (``reports.charts``, the same drawings as in the PDFs)
with labels in the reader's language and number format, put inline in the page as ``<svg>`` (no
``style`` attributes, so the strict Content Security Policy holds). Each chart is shown next to a
table with the same numbers (the templates' job).

Drawing a chart and writing its SVG takes 10–15 ms; the same figures in the same language give the
same SVG, so the last few hundred are kept (``lru_cache``, keyed on the figures and the locale)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from flask_babel import format_decimal, get_locale
from markupsafe import Markup

from bio_register.i18n import format_percentage, format_period
from bio_register.i18n import gettext as _
from bio_register.main.trends import QuarterFigures, Trend
from reports import charts
from reports.data import Count

#: text on screen: 1.6 × the PDF's 7.5–8.5 points, 12–13.6 px at the chart's drawn width
TEXT_SCALE = 1.6
WIDTH = 760


def period_lines(label: str) -> str:
    """"2026-Q3" → "3e kwartaal\\n2026": the quarter on two lines under its bars."""
    words = format_period(label).rsplit(" ", 1)
    return "\n".join(words)


def trend_chart(trend: Trend) -> Markup:
    """The start page's eight quarters: incidents (not datalekken), datalekken and, for who reads
    datalekken, the initial AP meldingen on time and late."""
    return _safe(_trend_svg(tuple(trend.quarters), trend.shows_ap, _locale()))


@lru_cache(maxsize=256)
def _trend_svg(quarters: tuple[QuarterFigures, ...], shows_ap: bool, locale: str) -> str:
    series = [charts.Series(_("incidenten (geen datalek)"), charts.INCIDENT, [q.incidents for q in quarters]),
              charts.Series(_("datalekken"), charts.DATALEK, [q.datalekken for q in quarters])]
    if shows_ap:
        series += [charts.Series(_("AP-meldingen op tijd"), charts.ON_TIME, [q.ap_on_time for q in quarters]),
                   charts.Series(_("AP-meldingen te laat"), charts.LATE, [q.ap_late for q in quarters])]
    drawing = charts.bar_trend_chart([period_lines(q.period) for q in quarters], series, width=WIDTH, height=330,
                                     text_scale=TEXT_SCALE, value_label=_integer, axis_label=_integer,
                                     empty=_("Geen gegevens"))
    return charts.to_inline_svg(drawing, _("Staafdiagram: incidenten, datalekken en AP-meldingen per "
                                           "kwartaal, de laatste acht kwartalen"))


def implementation_chart(bars: Sequence[charts.ImplementationBar]) -> Markup:
    """Implementation per theme or chapter; beside each bar "20 van 54": the fully implemented of
    the applicable controls."""
    return _safe(_implementation_svg(tuple(bars), _locale()))


@lru_cache(maxsize=256)
def _implementation_svg(bars: tuple[charts.ImplementationBar, ...], locale: str) -> str:
    legend = [_("volledig"), _("gedeeltelijk"), _("niet"), _("niet van toepassing / niet beoordeeld")]
    drawing = charts.implementation_chart(
        bars, width=WIDTH, legend=legend, text_scale=TEXT_SCALE,
        count_label=lambda bar: _("%(done)s van %(of)s", done=_integer(bar.volledig),
                                  of=_integer(bar.total - bar.not_applicable)))
    return charts.to_inline_svg(drawing, _("Gestapeld staafdiagram: de implementatie per thema of hoofdstuk"))


def percentage_trend_chart(points: Sequence[tuple[str, float | None]], name: str) -> Markup:
    """The implementation percentage at the end of each quarter (the last: now)."""
    return _safe(_percentage_svg(tuple(points), name, _locale()))


@lru_cache(maxsize=256)
def _percentage_svg(points: tuple[tuple[str, float | None], ...], name: str, locale: str) -> str:
    drawing = charts.bar_trend_chart(
        [period_lines(label) for label, _value in points],
        [charts.Series(name, charts.VOLLEDIG, [value for _label, value in points])],
        width=WIDTH, height=300, text_scale=TEXT_SCALE, ceiling=100,
        value_label=lambda v: format_percentage(v, 0), axis_label=lambda v: format_percentage(v, 0),
        empty=_("Geen gegevens"))
    return charts.to_inline_svg(drawing, _("Staafdiagram: %(name)s aan het eind van elk kwartaal", name=name))


def distribution_chart(counts: Sequence[Count]) -> Markup:
    """How many organisations fall in each band of implementation."""
    return _safe(_distribution_svg(tuple(counts), _locale()))


@lru_cache(maxsize=64)
def _distribution_svg(counts: tuple[Count, ...], locale: str) -> str:
    drawing = charts.breakdown_chart(counts, None, width=WIDTH, limit=len(counts) or 1,
                                     legend=(_("aantal organisaties"), ""), text_scale=TEXT_SCALE,
                                     empty=_("Geen gegevens"))
    return charts.to_inline_svg(drawing, _("Staafdiagram: het aantal organisaties per mate van implementatie"))


def _safe(svg: str) -> Markup:
    # charts.to_inline_svg's output: every text in the drawing (names of themes included) and the
    # label are escaped when ElementTree writes the SVG
    return Markup(svg)  # noqa: S704  # nosec B704


def _locale() -> str:
    return str(get_locale() or "nl")


def _integer(value: float) -> str:
    return str(format_decimal(round(value), format="#,##0"))
