"""The plain data a report is rendered from. ``bio_register.reporting`` fills these from the
database; ``reports.render`` turns them into PDF bytes. No Flask, no database here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Count:
    label: str
    value: int
    previous: int | None = None   # the same count in the previous period, when compared


@dataclass(frozen=True)
class TrendPoint:
    period: str          # "2026-Q3"
    incidents: int       # beveiligingsincidenten that are not datalekken
    datalekken: int


@dataclass(frozen=True)
class BreachFigures:
    datalekken: int
    notified: int              # initial AP meldingen made in the period
    notified_on_time: int      # within 72 hours of awareness
    notified_late: int
    not_notified: int          # decided not to notify
    undecided: int             # no FG decision yet
    subjects_informed: int     # art. 34: data subjects informed
    open_at_ap: int = 0        # at the period's end: melding made, the file not (yet) closed by the AP


@dataclass(frozen=True)
class CbwFigures:
    significant: int
    early_warnings: int
    notifications: int
    final_reports: int
    late: int                  # reports made after their deadline


@dataclass(frozen=True)
class MeasureFigures:
    opened: int
    completed: int
    overdue: int               # open and past their due date at the end of the period


@dataclass(frozen=True)
class FindingCount:
    organisation: str          # the organisation's name
    open: int                  # open or in behandeling at the end of the period
    overdue: int               # of those, the re-test date passed


@dataclass(frozen=True)
class FindingLine:
    organisation: str
    title: str
    source: str                # Dutch label, e.g. "IT-audit"
    severity: str              # Dutch label
    found_on: str              # "01-10-2026"
    retest_on: str             # "01-12-2026"


@dataclass(frozen=True)
class FindingFigures:
    """Findings (bevindingen) open at the end of the period: per organisation, and the overdue ones by name."""

    per_organisation: list[FindingCount] = field(default_factory=list)
    overdue: list[FindingLine] = field(default_factory=list)

    @property
    def open(self) -> int:
        return sum(c.open for c in self.per_organisation)

    @property
    def overdue_count(self) -> int:
        return sum(c.overdue for c in self.per_organisation)


@dataclass(frozen=True)
class ComplianceGroup:
    code: str
    title: str
    total: int
    volledig: int
    gedeeltelijk: int
    niet: int
    not_applicable: int
    unassessed: int
    percentage: float | None            # (volledig + ½ gedeeltelijk) / applicable, in %
    previous_percentage: float | None   # at the previous report of the same kind and scope


@dataclass(frozen=True)
class ControlLine:
    code: str
    title: str
    detail: str          # e.g. "niet geïmplementeerd" or "4 incidenten"


@dataclass(frozen=True)
class AspectFigures:
    applicable: int
    opzet: int
    bestaan: int
    werking: int
    werking_expired: int = 0
    kind: str = "beheersmaatregel"      # what is counted: "beheersmaatregel" or "overheidsmaatregel"


@dataclass(frozen=True)
class ComplianceFigures:
    organisation: str                   # the organisation's name
    catalog: str                        # "BIO2 1.3"
    percentage: float | None
    previous_percentage: float | None
    groups: list[ComplianceGroup]
    largest_gaps: list[ControlLine]
    most_linked: list[ControlLine]      # controls most often linked to incidents
    #: of the applicable measures at the quarter's end: how many have opzet and bestaan "voldoet",
    #: werking shown ("voldoet" with valid evidence), and werking "voldoet" on expired evidence only
    aspects: AspectFigures | None = None


@dataclass(frozen=True)
class QuarterlyReport:
    scope: str                          # "Gemeente Diemen" or "Duo+ (Diemen, Ouder-Amstel, Uithoorn)"
    period: str                         # "2026-Q3"
    period_label: str                   # "3e kwartaal 2026 (1 juli – 30 september 2026)"
    generated_at: dt.datetime           # aware; shown in Europe/Amsterdam
    version: int
    incidents: Count                    # all beveiligingsincidenten incl. datalekken, vs previous quarter
    datalekken: Count
    by_category: list[Count]
    by_severity: list[Count]
    by_status: list[Count]              # status at the end of the quarter
    trend: list[TrendPoint]             # the last eight quarters, oldest first, this one last
    breaches: BreachFigures
    cbw: CbwFigures
    measures: MeasureFigures
    compliance: list[ComplianceFigures]
    attention: list[str]                # open items needing management attention, one sentence each
    organisations: list[str] = field(default_factory=list)   # for Duo+ as a whole: the ones included
    audit_anchor: str | None = None     # "SEQ:HASH", the audit chain's head when it was generated
    #: the BIO section's reference dates: the assessments as they stood at the end of this quarter
    #: ("30 september 2026") and of the previous one, compared with it
    compliance_as_of: str = ""
    compliance_previous_as_of: str = ""
    #: findings open at the end of the quarter (per organisation) and those past their re-test date
    findings: FindingFigures = field(default_factory=FindingFigures)


@dataclass(frozen=True)
class MonthlyIncident:
    reference: str
    title: str
    status: str                         # Dutch label
    severity: str                       # Dutch label or "—"
    category: str
    discovered: str                     # "03-10-2026 14:05" in Amsterdam time
    closed: str | None
    actions: list[str]                  # what was done: timeline entries and maatregelen, short


@dataclass(frozen=True)
class MonthlyReport:
    """BIO2 5.24.04: the incidents open or closed in the month and what was done about them."""

    scope: str
    period: str                         # "2026-10"
    period_label: str                   # "oktober 2026"
    generated_at: dt.datetime
    version: int
    opened: list[MonthlyIncident]       # logged in the month
    closed: list[MonthlyIncident]       # closed in the month
    still_open: list[MonthlyIncident]   # open at the end of the month
    audit_anchor: str | None = None     # "SEQ:HASH", the audit chain's head when it was generated


@dataclass(frozen=True)
class AnnualFigures:
    organisation: str                   # "Diemen" (the municipality's name as in the sentence)
    year: int
    security_incidents: int             # beveiligingsincidenten that are not datalekken
    datalekken: int
    ap_meldingen: int                   # datalekken notified to the AP (initial meldingen)

    @property
    def sentence(self) -> str:
        """The sentence for the annual accounts (paragraaf bedrijfsvoering)."""
        gevallen = "geval" if self.ap_meldingen == 1 else "gevallen"
        incidenten = "beveiligingsincident" if self.security_incidents == 1 else "beveiligingsincidenten"
        lekken = "datalek" if self.datalekken == 1 else "datalekken"
        return (f"In {self.year} zijn er voor de gemeente {self.organisation} {self.security_incidents} "
                f"{incidenten} geregistreerd en {self.datalekken} {lekken}; in {self.ap_meldingen} {gevallen} "
                f"is melding gedaan bij de Autoriteit Persoonsgegevens.")


@dataclass(frozen=True)
class AspectCounts:
    """How many applicable measures of a theme have each status for one of opzet, bestaan, werking."""

    voldoet: int = 0
    gedeeltelijk: int = 0
    niet: int = 0
    niet_beoordeeld: int = 0


@dataclass(frozen=True)
class ThemeState:
    """One BIO theme (chapter) in the annual accountability: its measures and their state."""

    code: str
    title: str
    total: int
    applicable: int
    not_applicable: int
    unassessed: int
    volledig: int
    gedeeltelijk: int
    niet: int
    opzet: AspectCounts
    bestaan: AspectCounts
    werking: AspectCounts


@dataclass(frozen=True)
class ExceptionLine:
    """A measure that is not applicable or not (fully) implemented, with why and what is done about it."""

    code: str
    title: str
    state: str                          # "niet van toepassing", "niet geïmplementeerd", "gedeeltelijk geïmplementeerd"
    reason: str                         # the justification, or "" when none was given
    measures: list[str]                 # the maatregelen that address it, as text


@dataclass(frozen=True)
class FindingFollowUp:
    title: str
    source: str                         # Dutch label
    found_on: str                       # "20-04-2026"
    severity: str
    status: str                         # Dutch label, as it stands when the report was made
    controls: str                       # "5.24.01, 8.01.01"
    follow_up: str                      # maatregelen, re-test date, motivation of an acceptance


@dataclass(frozen=True)
class AnnualAccountability:
    """The annual accountability of one organisation (collegeverklaring / In Control Verklaring,
    BIO2 5.36.01): per theme the state of opzet, bestaan and werking, the exceptions, the findings and
    their follow-up, and the draft jaarverslag paragraph."""

    scope: str                          # the organisation's name
    period: str                         # "2026"
    period_label: str                   # "2026 (1 januari – 31 december 2026)"
    as_of: str                          # "31 december 2026", the moment of the state
    complete_year: bool                 # False: the year is still running, the state is of the moment made
    catalog: str                        # "BIO2 1.3"
    generated_at: dt.datetime
    version: int
    paragraph: list[str]                # the jaarverslag paragraph, one string per paragraph
    themes: list[ThemeState]
    exceptions: list[tuple[str, list[ExceptionLine]]]    # per theme ("5 Organisatorische maatregelen")
    findings: list[FindingFollowUp]     # open at the moment, or closed during the year
    audit_anchor: str | None = None
