"""Row labels → row keys, by key substrings of the compact label (formats-in-the-wild §7).

Labels arrive wrapped, merged with their group label (`（三）不予公开` + `1.属于国家秘密`)
or with header text before them, so a row is matched on the shortest tail of its label
parts that names a row; within one text the more specific keys are tried first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from difflib import SequenceMatcher

from indexer.parser.memo import short_text_cache

# Section 三, most specific first: a sub-row label contains its group's words too.
APPLICATION_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("received", ("本年新收", "新收政府信息公开申请")),
    ("carried_over", ("上年结转",)),
    ("carried_forward", ("结转下年", "继续办理")),
    ("withheld_state_secret", ("国家秘密",)),
    ("withheld_prohibited_by_law", ("禁止公开",)),
    ("withheld_three_safety", ("三安全", "一稳定")),
    ("withheld_third_party", ("第三方",)),
    ("withheld_internal_affairs", ("内部事务",)),
    ("withheld_process_info", ("过程性",)),
    ("withheld_enforcement_files", ("执法案卷",)),
    ("withheld_administrative_query", ("行政查询",)),
    ("unavailable_not_held", ("不掌握",)),
    ("unavailable_needs_creation", ("另行制作", "没有现成")),
    ("unavailable_unclear", ("仍不明确",)),
    ("rejected_petition", ("信访举报", "举报投诉")),
    ("rejected_repeat", ("重复申请",)),
    ("rejected_publication", ("公开出版", "出版物")),
    ("rejected_excessive", ("大量反复",)),
    ("rejected_confirmation", ("重新出具", "确认或")),
    ("other_no_correction", ("不补正",)),
    ("other_unpaid_fee", ("缴纳费用", "收费通知", "未缴费")),
    ("granted", ("予以公开",)),
    ("partially_granted", ("部分公开",)),
    ("other", ("其他处理",)),
    ("handled_total", ("总计",)),
)
# `3.其他` is the （六） sub-row; a bare `其他` is that row only right after the other sub-rows.
_OTHER_MISC = re.compile(r"(?:\(六\)其他处理)?3[.、]?其[他它]")
BARE_OTHER = re.compile(r"其[他它]")

# Section 二: 规范性文件 before 规章, whose wording the Hubei notes repeat.
ACTIVE_KEYS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_documents", ("规范性文件",)),
    ("regulations", ("规章",)),
    ("other_services", ("对外管理服务", "其他对外管理")),
    ("licensing", ("行政许可",)),
    ("penalties", ("行政处罚",)),
    ("coercive_measures", ("行政强制",)),
    ("fees", ("事业性收费", "事业型收费", "行政事业收费")),
    ("procurement", ("集中采购", "政府采购")),
    # Hubei's extra row (formats-in-the-wild §2): known, and not part of the model.
    ("ignored", ("其他主动公开",)),
)


# The official wording of each row, as `_core` leaves it (only CJK, letters and digits).
APPLICATION_WORDING: dict[str, tuple[str, ...]] = {
    "received": ("本年新收政府信息公开申请数量",),
    "carried_over": ("上年结转政府信息公开申请数量",),
    "granted": ("予以公开",),
    "partially_granted": ("部分公开", "部分公开区分处理的只计这一情形不计其他情形"),
    "withheld_state_secret": ("属于国家秘密",),
    "withheld_prohibited_by_law": ("其他法律行政法规禁止公开",),
    "withheld_three_safety": ("危及三安全一稳定",),
    "withheld_third_party": ("保护第三方合法权益",),
    "withheld_internal_affairs": ("属于三类内部事务信息",),
    "withheld_process_info": ("属于四类过程性信息",),
    "withheld_enforcement_files": ("属于行政执法案卷",),
    "withheld_administrative_query": ("属于行政查询事项",),
    "unavailable_not_held": ("本机关不掌握相关政府信息",),
    "unavailable_needs_creation": ("没有现成信息需要另行制作",),
    "unavailable_unclear": ("补正后申请内容仍不明确",),
    "rejected_petition": ("信访举报投诉类申请",),
    "rejected_repeat": ("重复申请",),
    "rejected_publication": ("要求提供公开出版物",),
    "rejected_excessive": ("无正当理由大量反复申请",),
    "rejected_confirmation": ("要求行政机关确认或重新出具已获取信息",),
    "other_no_correction": ("申请人无正当理由逾期不补正行政机关不再处理其政府信息公开申请",),
    "other_unpaid_fee": ("申请人逾期未按收费通知要求缴纳费用行政机关不再处理其政府信息公开申请",),
    "other_misc": ("其他",),
    "other": ("其他处理",),
    "handled_total": ("总计",),
    "carried_forward": ("结转下年度继续办理",),
}
ACTIVE_WORDING: dict[str, tuple[str, ...]] = {
    "regulations": ("规章",),
    "normative_documents": ("规范性文件", "行政规范性文件"),
    "licensing": ("行政许可",),
    "other_services": ("其他对外管理服务事项",),
    "penalties": ("行政处罚",),
    "coercive_measures": ("行政强制",),
    "fees": ("行政事业性收费",),
    "procurement": ("政府集中采购",),
}


# Numbering and group labels before a row's own words: `三、本年度办理结果(一)`, `(三)不予公开1.`.
_NUMBERING = re.compile(r"\([一二三四五六七八九十]{1,2}\)|\d{1,2}[.、]|[一二三四五六七八九十]{1,2}、")
_NOT_WORD = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff]+")


def core_words(label: str) -> str:
    """The row's own words: after the last numbering mark, punctuation and quotes dropped."""
    start = 0
    for mark in _NUMBERING.finditer(label):
        start = mark.end()
    return _NOT_WORD.sub("", label[start:])


def starts_numbered(label: str) -> bool:
    """`(二)部分公开`, `3.其他`, `四、结转…`: a label that opens a row of the form."""
    return _NUMBERING.match(label) is not None


def similarity(label: str, wording: Sequence[str]) -> float:
    core = core_words(label)
    if not core:
        return 0.0
    return max(SequenceMatcher(None, core, form, autojunk=False).ratio() for form in wording)


def _by_keys(keys: tuple[tuple[str, tuple[str, ...]], ...]) -> Callable[[str], str | None]:
    flat = tuple((needle, name) for name, needles in keys for needle in needles)

    def find(label: str) -> str | None:
        for needle, name in flat:
            if needle in label:
                return name
        return None

    return find


# Every report prints the form's labels again: each label text is matched once.
_LABEL_CACHE_LIMIT = 200
active_key = short_text_cache(_LABEL_CACHE_LIMIT)(_by_keys(ACTIVE_KEYS))
_application_key = _by_keys(APPLICATION_KEYS)


@short_text_cache(_LABEL_CACHE_LIMIT)
def application_key(label: str) -> str | None:
    if _OTHER_MISC.fullmatch(label):
        return "other_misc"
    return _application_key(label)


def match_parts(parts: Sequence[str], find: Callable[[str], str | None]) -> str | None:
    """The key named by the shortest tail of `parts`: header text before a label cannot mislead it."""
    for start in range(len(parts) - 1, -1, -1):
        key = find("".join(parts[start:]))
        if key is not None:
            return key
    return None
