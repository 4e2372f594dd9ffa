"""Row labels → row keys: key substrings after NFKC and whitespace removal, wrapped and merged labels."""

from __future__ import annotations

import pytest

from indexer.parser.labels import active_key, application_key, match_parts
from indexer.parser.normalize import compact


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("一、本年新收政府信息公开申请数量", "received"),
        ("二、上年结转政府信息公开申请数量", "carried_over"),
        ("三、本年度办理结果（一）予以公开", "granted"),
        ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "partially_granted"),
        ("（三）不予公开 1.属于国家秘密", "withheld_state_secret"),
        ("2. 其他法律行政 法规禁止公开", "withheld_prohibited_by_law"),
        ('3.危及"三安全一稳定"', "withheld_three_safety"),
        ("4. 保护第三方合 法权益", "withheld_third_party"),
        ("5.属于三类内部事务信息", "withheld_internal_affairs"),
        ("6.属于四类过程性信息", "withheld_process_info"),
        ("7.属于行政执法案卷", "withheld_enforcement_files"),
        ("8.属于行政查询事项", "withheld_administrative_query"),
        ("(四) 无 法 提 供 1. 本机关不掌握 相关政府信息", "unavailable_not_held"),
        ("2.没有现成信息需要另行制作", "unavailable_needs_creation"),
        ("3. 补正后申请内 容仍不明确", "unavailable_unclear"),
        ("(五) 不 1. 信访举报投诉 类申请", "rejected_petition"),
        ("予处理 2. 重复申请", "rejected_repeat"),
        ("3. 要求提供公开出版", "rejected_publication"),  # seed 004: 物 wrapped onto the next line
        ("4.无正当理由大量反复申请", "rejected_excessive"),
        ("5.要求行政机关确认或重新出具已获取信息", "rejected_confirmation"),
        (
            "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
            "other_no_correction",
        ),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other_unpaid_fee"),
        ("3.其他", "other_misc"),
        ("（六）其他处理", "other"),
        ("（七）总计", "handled_total"),
        ("四、结转下年度继续办理", "carried_forward"),
        ("申请人情况", None),
        ("（三）不予公开", None),
        ("其他", None),  # the applicant column: the （六）3. row only in context
    ],
)
def test_application_key(label: str, key: str | None) -> None:
    assert application_key(compact(label)) == key


@pytest.mark.parametrize(
    ("label", "key"),
    [
        ("规章", "regulations"),
        ("规章(设区的市、自治州人民政府应提供相关数据)", "regulations"),
        ("规范性文件", "normative_documents"),
        ("行政规范性文件", "normative_documents"),
        ("规范性文件(行政机关制定发布的决定、公告…)", "normative_documents"),
        ("行政许可", "licensing"),
        ("其他对外管理服务事项", "other_services"),
        ("行政处罚", "penalties"),
        ("行政强制", "coercive_measures"),
        ("行政事业性收费", "fees"),
        ("行政事业型收费", "fees"),
        ("政府集中采购", "procurement"),
        ("其他主动公开文件", "ignored"),
        ("信息内容", None),
    ],
)
def test_active_key(label: str, key: str | None) -> None:
    assert active_key(compact(label)) == key


@pytest.mark.parametrize(
    ("parts", "key"),
    [
        # Header text merged before a row's label cannot mislead it: the shortest tail wins.
        (["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量", "规章"], "regulations"),
        (["规范性文件的制定情况说明", "规章"], "regulations"),
        (["（二）部分公开（区分处理的，只计这一情形，", "不计其他情形）"], "partially_granted"),
    ],
)
def test_match_parts_prefers_the_shortest_tail(parts: list[str], key: str) -> None:
    find = application_key if key == "partially_granted" else active_key
    assert match_parts([compact(part) for part in parts], find) == key
