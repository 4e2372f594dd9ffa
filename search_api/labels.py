"""Chinese labels of the page: the national form's own wording for its rows and columns."""

from __future__ import annotations

from typing import Final

APPLICANT_LABELS: Final[dict[str, str]] = {
    "natural_person": "自然人",
    "commercial": "商业企业",
    "research": "科研机构",
    "social_welfare": "社会公益组织",
    "legal_services": "法律服务机构",
    "other_org": "其他",
    "total": "总计",
}

WITHHELD_LABELS: Final[dict[str, str]] = {
    "withheld_state_secret": "1.属于国家秘密",
    "withheld_prohibited_by_law": "2.其他法律行政法规禁止公开",
    "withheld_three_safety": "3.危及“三安全一稳定”",
    "withheld_third_party": "4.保护第三方合法权益",
    "withheld_internal_affairs": "5.属于三类内部事务信息",
    "withheld_process_info": "6.属于四类过程性信息",
    "withheld_enforcement_files": "7.属于行政执法案卷",
    "withheld_administrative_query": "8.属于行政查询事项",
}
UNAVAILABLE_LABELS: Final[dict[str, str]] = {
    "unavailable_not_held": "1.本机关不掌握相关政府信息",
    "unavailable_needs_creation": "2.没有现成信息需要另行制作",
    "unavailable_unclear": "3.补正后申请内容仍不明确",
}
REJECTED_LABELS: Final[dict[str, str]] = {
    "rejected_petition": "1.信访举报投诉类申请",
    "rejected_repeat": "2.重复申请",
    "rejected_publication": "3.要求提供公开出版物",
    "rejected_excessive": "4.无正当理由大量反复申请",
    "rejected_confirmation": "5.要求行政机关确认或重新出具已获取信息",
}
OTHER_SUB_LABELS: Final[dict[str, str]] = {
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他",
}

APPEAL_GROUP_LABELS: Final[dict[str, str]] = {
    "review": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_review": "复议后起诉",
}
APPEAL_COLUMN_LABELS: Final[dict[str, str]] = {
    "upheld": "结果维持",
    "corrected": "结果纠正",
    "other": "其他结果",
    "pending": "尚未审结",
    "total": "总计",
}

LEVEL_LABELS: Final[dict[str, str]] = {
    "province": "省级",
    "city": "市级",
    "county": "县级",
    "township": "乡镇、街道",
    "department": "部门",
}
TEMPLATE_LABELS: Final[dict[str, str]] = {
    "2019": "2019年版格式",
    "2021": "2021年版格式",
    "legacy": "2019年以前",
}
CONSISTENT_LABELS: Final[dict[bool, str]] = {True: "数据勾稽一致", False: "数据勾稽不一致"}
FACET_LABELS: Final[dict[str, str]] = {
    "year": "年度",
    "province": "省份",
    "city": "城市",
    "county": "区县",
    "office": "发布机关",
    "level": "层级",
    "template": "表格格式",
    "consistent": "数据核对",
    "timeliness": "发布时效",
    "chain": "跨年度衔接",
    "copied": "内容重复",
    "ocr": "识别方式",
}
# The audit across the years (docs/audit.md).
TIMELINESS_LABELS: Final[dict[str, str]] = {
    "on_time": "按时发布",
    "late": "逾期发布",
    "unknown": "时效不明",
    "missing": "未发布",
}
CHAIN_LABELS: Final[dict[str, str]] = {
    "ok": "前后年度衔接",
    "broken": "前后年度不衔接",
    "not_assessable": "无法核对",
}
COPIED_LABELS: Final[dict[bool, str]] = {True: "与往年或其他报告高度重复", False: "未见高度重复"}
# Reports read from scans or pictures of their tables: their numbers came through OCR.
OCR_LABELS: Final[dict[bool, str]] = {True: "图片识别（OCR）", False: "文本直接读取"}
CROSS_YEAR_LABELS: Final[dict[str, str]] = {
    "carry_chain": "结转数据衔接（四、结转下年度 → 次年二、上年结转）",
    "in_force_chain": "现行有效件数衔接",
    "items_chain": "项目数量衔接（上一年项目数量 + 本年增/减）",
}
FINDING_LABELS: Final[dict[str, str]] = {
    "carry_chain": "结转数据前后年度不衔接",
    "in_force_chain": "现行有效件数前后年度不衔接",
    "items_chain": "项目数量前后年度不衔接",
    "late": "逾期发布",
    "copied": "内容高度重复",
    "missing": "未发布年度报告",
}
TOTAL_LABELS: Final[dict[str, str]] = {
    "applications_received": "新收申请",
    "applications_handled": "办理总数",
    "granted": "予以公开",
    "grant_rate": "公开率",
    "reviews": "行政复议",
    "lawsuits": "行政诉讼",
    "corrected": "被纠正",
    "penalties": "行政处罚",
    "licensing": "行政许可",
    "procurement_yuan": "采购金额（元）",
}
RULE_LABELS: Final[dict[str, str]] = {
    "balance": "第一项加第二项之和等于第三项加第四项之和",
    "handled_sum": "办理结果各项之和等于（七）总计",
    "row_sum": "各行申请人数之和等于总计",
    "appeals_sum": "复议、诉讼各项结果之和等于总计",
}
SECTION_LABELS: Final[dict[str, str]] = {
    "overview": "一、总体情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}
SORT_LABELS: Final[dict[str, str]] = {
    "relevance": "相关度",
    "newest": "最新发布",
    "year": "报告年度",
    "-applications_received": "新收申请 多→少",
    "-grant_rate": "公开率 高→低",
    "+grant_rate": "公开率 低→高",
    "-lawsuits": "行政诉讼 多→少",
    "-reviews": "行政复议 多→少",
}
