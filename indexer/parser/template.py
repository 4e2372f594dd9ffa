"""Which national form the tables follow, from their own labels (formats-in-the-wild §0)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from govreports.model import Template

# Column headers and rows that only one form prints.
_MARKERS_2019 = (
    "新制作",
    "新公开数量",
    "对外公开总数",
    "上一年项目",
    "增/减",
    "采购项目",
    "采购总金额",
    "对外管理服务",
    "第二十条第(九)项",
)
_MARKERS_2021 = ("制发件数", "废止件数", "现行有效", "收费金额")
_SUB_ROWS_2021 = frozenset({"other_no_correction", "other_unpaid_fee"})
# Pre-2019 reports (2008–2018): their own section names.
_LEGACY = re.compile(
    r"(?:[一二三四五六七八九十]+[、.])?"
    r"(?:概述|依申请公开(?:政府信息)?(?:的)?(?:工作)?情况|政府信息公开(?:的)?收费及减免情况|因政府信息公开申请(?:提起)?行政复议.{0,12})"
)


def detect(active_labels: Iterable[str], application_keys: Iterable[str]) -> tuple[Template | None, bool]:
    """The template the labels show, and whether both forms' markers were seen."""
    text = "".join(active_labels)
    hits_2019 = sum(marker in text for marker in _MARKERS_2019)
    sub_rows = len(_SUB_ROWS_2021 & set(application_keys))
    hits_2021 = sum(marker in text for marker in _MARKERS_2021) + 2 * sub_rows
    if not hits_2019 and not hits_2021:
        return None, False
    return ("2021" if hits_2021 > hits_2019 else "2019"), bool(hits_2019 and hits_2021)


def looks_legacy(headings: Iterable[str], year: int | None) -> bool:
    """A pre-2019 report: the old section names, or a report year before the 2019 form."""
    return (year is not None and year <= 2018) or any(_LEGACY.fullmatch(text) for text in headings)
