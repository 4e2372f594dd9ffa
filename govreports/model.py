"""The report model: the one definition every part of govreports imports.

Field names are the contract of ``shared/spec/report-model.md``. ``totals``,
``checks`` and ``consistent`` are never parsed: a validator recomputes them from
the cells every time a report is built, so they cannot disagree with the tables.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from govreports import checks as consistency
from govreports.keys import APPLICATION_COLUMNS
from govreports.text import xml_safe

Template = Literal["2019", "2021", "legacy"]
Level = Literal["province", "city", "county", "township", "department"]
Format = Literal["html", "pdf", "docx", "doc", "txt", "image"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# Text that can come from outside, made safe for XML when a model is built: a control character
# in one title would make the Atom feed that carries it unreadable to every feed reader. Only
# the fields that can hold outside text run it, not every number cell and date of every report.
Text = Annotated[str, AfterValidator(xml_safe)]


class Region(Strict):
    province: Text | None = None
    city: Text | None = None
    county: Text | None = None


class Sections(Strict):
    overview: Text | None = None
    problems: Text | None = None
    other: Text | None = None


# --- 二、主动公开政府信息情况 -------------------------------------------------


class Documents2019(Strict):
    """规章 / 规范性文件 in template 2019."""

    new_made: int | None = None
    new_published: int | None = None
    total_published: int | None = None


class Items2019(Strict):
    """行政许可, 其他对外管理服务事项, 行政处罚, 行政强制 in template 2019."""

    previous_items: int | None = None
    change: int | None = None
    decisions: int | None = None


class Fees2019(Strict):
    previous_items: int | None = None
    change: int | None = None


class Procurement2019(Strict):
    items: int | None = None
    amount_yuan: float | None = None


class Active2019(Strict):
    regulations: Documents2019 = Field(default_factory=Documents2019)
    normative_documents: Documents2019 = Field(default_factory=Documents2019)
    licensing: Items2019 = Field(default_factory=Items2019)
    other_services: Items2019 = Field(default_factory=Items2019)
    penalties: Items2019 = Field(default_factory=Items2019)
    coercive_measures: Items2019 = Field(default_factory=Items2019)
    fees: Fees2019 = Field(default_factory=Fees2019)
    procurement: Procurement2019 = Field(default_factory=Procurement2019)


class Documents2021(Strict):
    """规章 / 行政规范性文件 in template 2021."""

    issued: int | None = None
    repealed: int | None = None
    in_force: int | None = None


class Decisions2021(Strict):
    decisions: int | None = None


class Fees2021(Strict):
    amount_yuan: float | None = None


class Active2021(Strict):
    regulations: Documents2021 = Field(default_factory=Documents2021)
    normative_documents: Documents2021 = Field(default_factory=Documents2021)
    licensing: Decisions2021 = Field(default_factory=Decisions2021)
    penalties: Decisions2021 = Field(default_factory=Decisions2021)
    coercive_measures: Decisions2021 = Field(default_factory=Decisions2021)
    fees: Fees2021 = Field(default_factory=Fees2021)


# --- 三、收到和处理政府信息公开申请情况 ---------------------------------------

class ApplicationRow(Strict):
    natural_person: int | None = None
    commercial: int | None = None
    research: int | None = None
    social_welfare: int | None = None
    legal_services: int | None = None
    other_org: int | None = None
    total: int | None = None

    def is_blank(self) -> bool:
        return all(getattr(self, column) is None for column in APPLICATION_COLUMNS)


def _row() -> ApplicationRow:
    return ApplicationRow()


class Applications(Strict):
    received: ApplicationRow = Field(default_factory=_row)
    carried_over: ApplicationRow = Field(default_factory=_row)
    granted: ApplicationRow = Field(default_factory=_row)
    partially_granted: ApplicationRow = Field(default_factory=_row)
    withheld_state_secret: ApplicationRow = Field(default_factory=_row)
    withheld_prohibited_by_law: ApplicationRow = Field(default_factory=_row)
    withheld_three_safety: ApplicationRow = Field(default_factory=_row)
    withheld_third_party: ApplicationRow = Field(default_factory=_row)
    withheld_internal_affairs: ApplicationRow = Field(default_factory=_row)
    withheld_process_info: ApplicationRow = Field(default_factory=_row)
    withheld_enforcement_files: ApplicationRow = Field(default_factory=_row)
    withheld_administrative_query: ApplicationRow = Field(default_factory=_row)
    unavailable_not_held: ApplicationRow = Field(default_factory=_row)
    unavailable_needs_creation: ApplicationRow = Field(default_factory=_row)
    unavailable_unclear: ApplicationRow = Field(default_factory=_row)
    rejected_petition: ApplicationRow = Field(default_factory=_row)
    rejected_repeat: ApplicationRow = Field(default_factory=_row)
    rejected_publication: ApplicationRow = Field(default_factory=_row)
    rejected_excessive: ApplicationRow = Field(default_factory=_row)
    rejected_confirmation: ApplicationRow = Field(default_factory=_row)
    other_no_correction: ApplicationRow = Field(default_factory=_row)
    other_unpaid_fee: ApplicationRow = Field(default_factory=_row)
    other_misc: ApplicationRow = Field(default_factory=_row)
    other: ApplicationRow = Field(default_factory=_row)
    handled_total: ApplicationRow = Field(default_factory=_row)
    carried_forward: ApplicationRow = Field(default_factory=_row)

    def row(self, key: str) -> ApplicationRow:
        row: ApplicationRow = getattr(self, key)
        return row


# --- 四、行政复议、行政诉讼情况 ------------------------------------------------

class AppealGroup(Strict):
    upheld: int | None = None
    corrected: int | None = None
    other: int | None = None
    pending: int | None = None
    total: int | None = None


class Appeals(Strict):
    review: AppealGroup = Field(default_factory=AppealGroup)
    litigation_direct: AppealGroup = Field(default_factory=AppealGroup)
    litigation_after_review: AppealGroup = Field(default_factory=AppealGroup)

    def group(self, key: str) -> AppealGroup:
        group: AppealGroup = getattr(self, key)
        return group


# --- computed ---------------------------------------------------------------


class Totals(Strict):
    applications_received: int | None = None
    applications_handled: int | None = None
    granted: int | None = None
    grant_rate: float | None = None
    reviews: int | None = None
    lawsuits: int | None = None
    corrected: int | None = None
    penalties: int | None = None
    licensing: int | None = None
    procurement_yuan: float | None = None


TOTAL_KEYS: tuple[str, ...] = tuple(Totals.model_fields)



class Check(Strict):
    rule: Literal["balance", "handled_sum", "row_sum", "appeals_sum"]
    passed: bool | None
    detail: str


class ParseWarning(Strict):
    code: str
    detail: Text


class Revision(Strict):
    """An earlier version of a report, kept when its bytes changed."""

    content_sha256: str
    fetched_at: datetime | None = None


class Provenance(Strict):
    """How a crawled document was fetched (absent for local files)."""

    url: Text
    final_url: Text | None = None
    http_status: int | None = None
    content_type: Text | None = None
    last_modified: Text | None = None
    etag: Text | None = None
    listing_url: Text | None = None
    listing_title: Text | None = None
    listing_date: Text | None = None


class Origin(Strict):
    """Where a document came from, as the fetch or the file tells it: facts that travel together
    from the crawler or the folder, through the archive and the index run, into the report."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Text | None = None  # the report's id is the sha1 of its canonical form
    site: Text | None = None  # the portal's name in the sites file
    region: Region | None = None  # the portal's region: it wins over what the text says
    level: Level | None = None
    fetched_at: datetime | None = None
    provenance: Provenance | None = None


NOWHERE = Origin()  # bytes with no known origin: their report's id is their sha1


# --- across the years (the audit, docs/audit.md) -------------------------------
# Written by `govreports audit` and the audit after every index run, never by the parser.

ChainStatus = Literal["ok", "broken", "not_assessable"]
TimelinessStatus = Literal["on_time", "late", "unknown"]


class ChainResult(Strict):
    """One cross-year rule between this report and the office's report for the year before."""

    status: ChainStatus
    detail: Text = ""
    cells: list[str] = Field(default_factory=list)  # this report's cells that break the rule
    previous_cells: list[str] = Field(default_factory=list)  # the earlier report's


class CrossYear(Strict):
    previous_report_id: str | None = None
    previous_year: int | None = None
    chain: ChainStatus  # broken if any rule is broken, ok if none is and one holds
    carry_chain: ChainResult
    in_force_chain: ChainResult
    items_chain: ChainResult


class Timeliness(Strict):
    status: TimelinessStatus
    deadline: date | None = None
    days_late: int | None = None
    decided_by: Literal["published_date", "first_seen_at"] | None = None
    rule: str | None = None  # the provision that sets the deadline


class Reuse(Strict):
    """How much of the narrative is found in earlier reports (containment of shingles, 0 to 1)."""

    previous: float | None = None
    previous_report_id: str | None = None
    nearest: float | None = None
    nearest_report_id: str | None = None
    flagged: bool = False


class Report(Strict):
    id: str
    title: Text | None = None
    office: Text | None = None
    region: Region = Field(default_factory=Region)
    level: Level | None = None
    year: int | None = None
    published_date: date | None = None
    template: Template | None = None
    source_url: Text | None = None
    source_site: Text | None = None
    fetched_at: datetime | None = None
    first_seen_at: datetime | None = None
    content_sha256: str
    format: Format
    ocr: bool = False  # some of its text was read from images (scanned pages, table pictures)
    provenance: Provenance | None = None
    revisions: list[Revision] = Field(default_factory=list)

    sections: Sections = Field(default_factory=Sections)
    text: Text = ""
    active: Active2019 | Active2021 | None = None
    applications: Applications | None = None
    appeals: Appeals | None = None

    totals: Totals = Field(default_factory=Totals)
    checks: list[Check] = Field(default_factory=list)
    consistent: bool | None = None
    warnings: list[ParseWarning] = Field(default_factory=list)

    office_id: str | None = None  # sha1 of the office's key (audit/identity.py)
    cross_year: CrossYear | None = None
    timeliness: Timeliness | None = None
    reuse: Reuse | None = None

    @model_validator(mode="after")
    def _derive(self) -> Report:
        # Derived values are recomputed on every construction, never trusted from input.
        self.totals = Totals(**consistency.compute_totals(self.active, self.applications, self.appeals))
        self.checks = [Check(**check) for check in consistency.run_checks(self.applications, self.appeals)]
        self.consistent = consistency.overall(self.checks)
        return self
