"""Row and column keys of the report tables, in the order the national form prints them."""

APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "commercial",
    "research",
    "social_welfare",
    "legal_services",
    "other_org",
)
APPLICATION_COLUMNS: tuple[str, ...] = (*APPLICANT_COLUMNS, "total")

WITHHELD_ROWS: tuple[str, ...] = (
    "withheld_state_secret",
    "withheld_prohibited_by_law",
    "withheld_three_safety",
    "withheld_third_party",
    "withheld_internal_affairs",
    "withheld_process_info",
    "withheld_enforcement_files",
    "withheld_administrative_query",
)
UNAVAILABLE_ROWS: tuple[str, ...] = (
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
)
REJECTED_ROWS: tuple[str, ...] = (
    "rejected_petition",
    "rejected_repeat",
    "rejected_publication",
    "rejected_excessive",
    "rejected_confirmation",
)
OTHER_SUB_ROWS: tuple[str, ...] = ("other_no_correction", "other_unpaid_fee", "other_misc")
# The results that add up to （七）总计; `other` stands for the three sub-rows.
RESULT_ROWS: tuple[str, ...] = (
    "granted",
    "partially_granted",
    *WITHHELD_ROWS,
    *UNAVAILABLE_ROWS,
    *REJECTED_ROWS,
    "other",
)
APPLICATION_ROWS: tuple[str, ...] = (
    "received",
    "carried_over",
    "granted",
    "partially_granted",
    *WITHHELD_ROWS,
    *UNAVAILABLE_ROWS,
    *REJECTED_ROWS,
    *OTHER_SUB_ROWS,
    "other",
    "handled_total",
    "carried_forward",
)


APPEAL_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
APPEAL_RESULTS: tuple[str, ...] = ("upheld", "corrected", "other", "pending")
APPEAL_COLUMNS: tuple[str, ...] = (*APPEAL_RESULTS, "total")


