"""The synthetic report generator: its truth obeys (or breaks) the rules, and every layout prints it."""

from __future__ import annotations

import hashlib
import io
import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import docx
import pymupdf
import pytest

from govreports.keys import OTHER_SUB_ROWS
from govreports.model import Region
from indexer.synthetic import (
    FORMATS,
    LAYOUTS,
    RULES,
    TOPICS,
    Rule,
    SyntheticReport,
    forms,
    random_report,
    render,
    render_pdf,
    vocabulary,
)
from indexer.synthetic.document import MISPRINTS, PageBreak, Table, blocks
from indexer.synthetic.realism import OPTIONS, Realism
from indexer.synthetic.report import Style

SEEDS = range(12)


@pytest.mark.parametrize("template", ["2019", "2021"])
@pytest.mark.parametrize("rule", [None, *RULES])
def test_numbers_obey_the_rules_or_break_exactly_one(template: str, rule: Rule | None) -> None:
    for seed in SEEDS:
        report = random_report(random.Random(seed), template=template, break_rule=rule, blank_cells=seed % 4)  # type: ignore[arg-type]
        failing = {check.rule for check in report.truth.checks if check.passed is False}
        assert failing == ({rule} if rule else set())
        assert report.truth.consistent is (False if rule else report.truth.consistent)
        assert report.template == template and report.truth.template == template


def test_blank_cells_are_null_in_the_truth() -> None:
    report = random_report(random.Random(3), blank_cells=5)
    assert len(report.blanked) == 5
    truth = report.truth.model_dump()
    for table, row, column in report.blanked:
        assert truth[table][row][column] is None


@pytest.mark.parametrize("seed", SEEDS)
def test_template_2021_other_is_the_sum_of_its_sub_rows(seed: int) -> None:
    report = random_report(random.Random(seed), template="2021")
    apps = report.truth.applications
    assert apps is not None
    subs = [apps.row(row) for row in OTHER_SUB_ROWS]
    if report.other_sub_rows_printed:
        assert apps.other.total == sum(row.total or 0 for row in subs)
    else:
        assert all(row.is_blank() for row in subs)


def test_identity() -> None:
    for seed in SEEDS:
        truth = random_report(random.Random(seed)).truth
        assert truth.title == f"{truth.office}{truth.year}年政府信息公开工作年度报告"
        assert truth.published_date is not None and truth.year is not None
        assert truth.published_date.year == truth.year + 1 and truth.published_date.month in (1, 2)
        assert truth.region.county and truth.region.county in (truth.office or "")


def test_topic_keywords_appear_only_in_reports_that_chose_them() -> None:
    always = {"行政复议", "过程性信息"}  # also in every report's headings or table labels
    seen_with: set[str] = set()
    seen_without: set[str] = set()
    for seed in range(40):
        report = random_report(random.Random(seed))
        text = render(report, "tab_rows").decode()
        for keyword in set(TOPICS) - always:
            present = keyword in text
            assert present == (keyword in report.topics), keyword
            (seen_with if present else seen_without).add(keyword)
    assert seen_with == seen_without == set(TOPICS) - always


def test_base_sentences_carry_no_topic_keyword() -> None:
    pools = vocabulary.OVERVIEW_SENTENCES + vocabulary.PROBLEM_SENTENCES + vocabulary.OTHER_SENTENCES
    assert not [s for s in pools for keyword in TOPICS if keyword in s]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_rendering_is_deterministic(layout: str) -> None:
    report = random_report(random.Random(9), blank_cells=2)
    first, second = render(report, layout), render(report, layout)
    assert first == second


def test_docx_bytes_do_not_depend_on_the_clock() -> None:
    """Same report, same bytes: no save time in the zip entries or the core properties."""
    report = random_report(random.Random(9))
    published = report.truth.published_date
    assert published is not None
    package = zipfile.ZipFile(io.BytesIO(render(report, "docx")))
    assert {info.date_time[:3] for info in package.infolist()} == {
        (published.year, published.month, published.day)
    }
    properties = docx.Document(io.BytesIO(render(report, "docx"))).core_properties
    assert properties.created == properties.modified
    assert properties.created is not None and properties.created.date() == published


def test_html_gbk_declares_and_uses_gbk() -> None:
    data = render(random_report(random.Random(1)), "html_gbk")
    assert re.search(rb'charset="?gb2312', data)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "政府信息公开工作年度报告" in data.decode("gbk")


def test_pdf_has_an_extractable_text_layer() -> None:
    report = random_report(random.Random(2))
    document = pymupdf.open(stream=render(report, "pdf"), filetype="pdf")
    text = "".join(page.get_text() for page in document)
    assert "三、收到和处理政府信息公开申请情况" in text
    assert len(document[0].get_drawings()) > 0


def test_tab_rows_wraps_long_labels_onto_the_next_line() -> None:
    report = random_report(random.Random(1), template="2021")
    report = replace(report, style=replace(report.style, wrap_width=16, other_as_one_row=False))
    lines = render(report, "tab_rows").decode().splitlines()
    first = next(i for i, line in enumerate(lines) if "\t1.申请人无正当理由逾期不补正、\t0\t" in line)
    assert lines[first + 1] == "\t\t行政机关不再处理其政府信息公开申请" + "\t" * 7


@pytest.mark.parametrize(
    ("yuan", "style_money", "printed"),
    [
        (3622400.0, "wan_suffix", "362.24万元"),
        (12850.0 * 100, "yuan_suffix", "1285000元"),
        (525000.0, "wan_header", "52.5"),
        (100000.0, "wan_header", "10"),
        (0.0, "wan_suffix", "0万元"),
        (None, "wan_suffix", ""),
    ],
)
def test_money(yuan: float | None, style_money: str, printed: str) -> None:
    style = Style(True, False, True, style_money, False, 0, False, "trs")  # type: ignore[arg-type]
    assert forms.money(yuan, style) == printed


@pytest.mark.parametrize(
    ("value", "plus", "printed"), [(163, True, "+163"), (163, False, "163"), (-2, True, "-2"), (0, True, "0")]
)
def test_signed_changes(value: int, plus: bool, printed: str) -> None:
    style = Style(True, False, plus, "wan_suffix", False, 0, False, "trs")
    assert forms.signed(value, style) == printed


def test_label_variants() -> None:
    half = Style(False, True, True, "wan_suffix", False, 0, False, "trs")
    assert forms.label("（三）不予公开 3.危及“三安全一稳定”", half) == '(三)不予公开 3.危及"三安全一稳定"'


def test_every_layout_has_a_format() -> None:
    assert set(FORMATS.values()) <= {"txt", "html", "pdf", "docx", "doc"}
    with pytest.raises(ValueError, match="unknown layout"):
        render(random_report(random.Random(0)), "xlsx")
    assert re.fullmatch(r"[a-z_]+", "_".join(LAYOUTS))


# --- realism: off by default, the old output unchanged ----------------------------------------------

# Digests of the generator's output before the realism options existed (recorded from its
# last version without them): text and HTML layouts byte for byte, the PDF as the page content
# it paints (rulings and texts; the file's bytes carry the library's version) and the DOCX as
# its word/document.xml.
UNCHANGED = {
    "cell_per_line": "febb2dcff8768f4e28ca3a68a48622902fb8cbe6a526205b2bde063dc3c2786c",
    "tab_rows": "84af6ab1af807dd41ec770af44a60e2d99e37670019287143f313db712ec0eac",
    "pipes": "79f8ec300d95f25249beef4667544c68fcc63e301666b02161eff56d31b5a99a",
    "html": "9217946eabfbec7c7a7c6f6091bb59bf504f2decb4a44b3187e326dde27e1711",
    "html_gbk": "3a51b353b38f3219c48f1826d6bfe3f05b9d45ff47c108c09a070213d6dac749",
    "docx": "53b2da3532f61996d4d4f4df3fefde83409fa2c2313c40c8c9561b913ab57cc5",
    "pdf": "b54b12e44c0561bce2568aa064b5da536e7d453268500390fed0dc2517576e00",
    "truth": "50f9bcfc0eb9f7fb891962a0ca722c3e890c2bc2c96144c5b688b60a224c76a7",
}


def _pinned_reports() -> list[SyntheticReport]:
    """The reports the digests cover: both templates, broken rules, blank cells, narrative only,
    the fixture portals' calls, and several reports drawn one after another from one stream."""
    out = [random_report(random.Random(seed), blank_cells=seed % 3) for seed in range(8)]
    out.append(random_report(random.Random(8), template="2019", break_rule="balance", blank_cells=2))
    out.append(random_report(random.Random(9), template="2021", break_rule="row_sum", blank_cells=3))
    out.append(random_report(random.Random(10), template="2021", break_rule="handled_sum"))
    out.append(random_report(random.Random(11), template="2019", break_rule="appeals_sum"))
    out.append(random_report(random.Random(12), narrative_only=True))
    out.append(
        random_report(
            random.Random("7:portal-a:1"),
            template="2021",
            year=2022,
            region=Region(province="浙江省", city="金华市", county="义乌市"),
            level="township",
        )
    )
    out.append(
        random_report(
            random.Random("7:portal-b:0"),
            template="2019",
            year=2020,
            office="柞水县凤凰镇人民政府",
            region=Region(province="陕西省", city="商洛市", county="柞水县"),
            level="township",
        )
    )
    shared = random.Random(99)
    return out + [random_report(shared, blank_cells=1) for _ in range(4)]


def _printed(report: SyntheticReport, layout: str) -> bytes:
    if layout == "pdf":
        painted = [
            (lines, texts, *([shades] if shades else [])) for lines, texts, shades in render_pdf.pages(report)
        ]
        return repr((painted, report.truth.title, str(report.truth.published_date))).encode()
    data = render(report, layout)
    if layout == "docx":
        return zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    return data


LATER_FIELDS = {"ocr", "office_id", "cross_year", "timeliness", "reuse"}


def test_without_realism_the_output_is_what_it_was() -> None:
    reports = _pinned_reports()
    digests = {}
    for layout in LAYOUTS:
        combined = hashlib.sha256()
        for report in reports:
            combined.update(hashlib.sha256(_printed(report, layout)).digest())
        digests[layout] = combined.hexdigest()
    truth = hashlib.sha256()
    for report in reports:
        # The fields the generator filled before these options; later stages' fields (OCR, the
        # audit across the years) are not the generator's and are compared by their own tests.
        truth.update(report.truth.model_dump_json(exclude=LATER_FIELDS).encode())
    digests["truth"] = truth.hexdigest()
    assert digests == UNCHANGED


def test_realism_does_not_draw_from_the_callers_stream() -> None:
    plain, messy = random.Random(5), random.Random(5)
    random_report(plain)
    random_report(messy, realism=Realism.ALL)
    assert plain.random() == messy.random()


def test_realism_numbers_are_the_plain_reports_numbers() -> None:
    """A quirk changes how a report is printed (and its title or place), never its numbers."""
    for seed in range(20):
        plain = random_report(random.Random(seed), blank_cells=2).truth
        messy = random_report(random.Random(seed), blank_cells=2, realism=Realism.only(*OPTIONS)).truth
        for part in ("active", "applications", "appeals"):
            assert getattr(plain, part) == getattr(messy, part)
        assert plain.checks == messy.checks


def test_realism_all_draws_each_option_for_a_minority() -> None:
    counts: Counter[str] = Counter()
    for seed in range(200):
        counts.update(random_report(random.Random(seed), realism=Realism.ALL).quirks.options)
    assert set(counts) == set(OPTIONS)
    assert all(20 <= count < 100 for count in counts.values()), counts


def test_unknown_option_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown realism options"):
        Realism.only("page_break")


# --- realism: each option shows in the rendered document --------------------------------------------


def _with(
    option: str, condition: Callable[[SyntheticReport], bool] = lambda _: True, **kwargs: Any
) -> SyntheticReport:
    """The first of a few seeded reports with `option` that meets `condition`."""
    for seed in range(200):
        report = random_report(random.Random(seed), realism=Realism.only(option), **kwargs)
        if condition(report):
            return report
    raise AssertionError(f"no report with {option} meets the condition")


def _breaks(report: SyntheticReport) -> dict[str, PageBreak]:
    return {b.name: b.page_break for b in blocks(report) if isinstance(b, Table) and b.page_break}


def test_page_break_in_table_two_puts_page_furniture_between_two_blocks() -> None:
    report = _with("page_breaks", lambda r: "active" in _breaks(r))
    cut = _breaks(report)["active"]
    lines = render(report, "tab_rows").decode().splitlines()
    at = lines.index(cut.number)
    assert lines[at + 1] == cut.running_header
    assert lines[at + 2].startswith("第二十条") and lines[at - 1].split("\t")[1:] != ["", "", ""]
    assert re.fullmatch(r"(- |— |-|第 ?)\d+( -| —|-|页.*)", cut.number)


def test_page_break_in_pdf_shades_captions_and_numbers_pages_in_another_font() -> None:
    report = _with("page_breaks", lambda r: "active" in _breaks(r))
    cut = _breaks(report)["active"]
    document = pymupdf.open(stream=render(report, "pdf"), filetype="pdf")
    pages = [page.get_text(sort=True).split("\n") for page in document]
    numbers = [cut.number_format.format(n + 1, len(pages)) for n in range(len(pages))]
    for number, lines in zip(numbers, pages, strict=True):
        assert number in [line.strip() for line in lines], number
    # The page after table 二's break opens with the running header, then the next block's caption.
    caption = next(b.grid.cells for b in blocks(report) if isinstance(b, Table) and b.name == "active")
    next_caption = next(c.text for c in caption if c.row == cut.row)
    opening = next(
        index
        for index, lines in enumerate(pages)
        if any(next_caption in line for line in lines[:6]) and index
    )
    assert pages[opening][0].strip() == cut.running_header
    assert {font[3] for font in document[0].get_fonts()} == {"Song"}
    assert any(drawing.get("fill") and drawing["fill"][0] < 1 for drawing in document[0].get_drawings())


def test_page_break_in_table_three_may_repeat_its_header_rows() -> None:
    report = _with(
        "page_breaks", lambda r: (b := _breaks(r).get("applications")) is not None and b.repeat_header > 0
    )
    text = render(report, "tab_rows").decode()
    assert text.count("商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他") == 2


def test_fee_header_row_prints_the_unit_header_on_a_line_of_its_own() -> None:
    report = _with("fee_header_row", template="2021")
    fee = report.truth.active.fees.amount_yuan  # type: ignore[union-attr]
    assert fee is not None
    lines = render(report, "tab_rows").decode().splitlines()
    at = next(
        i
        for i, line in enumerate(lines)
        if line.startswith(forms.label("本年收费金额（单位：万元）", report.style))
    )
    assert (
        lines[at - 1].rstrip("\t") == "信息内容"
        and lines[at].count("\t") == 3
        and not lines[at].strip("\t").count("\t")
    )
    assert lines[at + 1].split("\t")[:2] == ["行政事业性收费", forms.wan(fee)]
    assert (
        "fee_header_row" not in random_report(random.Random(1), template="2019", realism=Realism.ALL).quirks
    )


def test_misprints_change_one_or_two_labels_and_only_a_minority_of_documents() -> None:
    misprinted = 0
    for seed in range(60):
        report = random_report(random.Random(seed), realism=Realism.ALL)
        text = render(report, "pipes").decode()
        bad = [b for g, b in MISPRINTS if f"| {forms.label(b, report.style)} |" in text]
        assert ("misprints" in report.quirks) == bool(bad) or "〇" in text
        assert len(bad) <= 2
        misprinted += "misprints" in report.quirks
    assert 0 < misprinted < 30
    report = _with("misprints", lambda r: "1.属于国秘密" in render(r, "tab_rows").decode())
    assert "1.属于国家秘密" not in render(report, "tab_rows").decode()


def test_wrapped_cells_spread_labels_and_headers_over_lines() -> None:
    report = _with("wrapped_cells")
    lines = render(report, "tab_rows").decode().splitlines()
    first_cells = [line.split("\t")[0] for line in lines if "\t" in line]
    spelled = "".join(cell for cell in first_cells if len(cell) == 1)
    assert "三、本年度办理结果" in spelled  # one character a line down the rows it spans
    report = _with("wrapped_cells", lambda r: "\t法律\t" in render(r, "tab_rows").decode())
    text = render(report, "tab_rows").decode()
    assert "\t服务\t" in text and "\t机构\t" in text
    grid = next(b.grid for b in blocks(report) if isinstance(b, Table) and b.name == "applications")
    assert render_pdf.column_widths(grid, random.Random(1))[0] < 17 < render_pdf.column_widths(grid)[0]


def _row_widths(table: str) -> list[int]:
    """Grid columns each <tr> covers, counting the cells that rows above span into it."""
    from lxml import html as lxml_html

    carried: dict[int, int] = {}
    widths = []
    for index, row in enumerate(lxml_html.fromstring(table).iter("tr")):
        width = sum(1 for until in carried.values() if until > index) if carried else 0
        for cell in row.iter("td"):
            span, down = int(cell.get("colspan", 1)), int(cell.get("rowspan", 1))
            if down > 1:
                for offset in range(span):
                    carried[len(carried) + offset + 1000 * index] = index + down
            width += span
        widths.append(width)
    return widths


def test_shifted_spans_put_a_row_one_column_off_its_header() -> None:
    report = _with("shifted_spans")
    tables = re.findall(r"<table.*?</table>", render(report, "html").decode(), re.S)
    plain = re.findall(r"<table.*?</table>", render(random_report(random.Random(0)), "html").decode(), re.S)
    assert all(len(set(_row_widths(table))) == 1 for table in plain)
    assert any(len(set(_row_widths(table))) > 1 for table in tables)


def test_scan_text_prints_generic_headers_a_repeated_header_and_stray_marks() -> None:
    report = _with("scan_text", lambda r: "\t列1\n" in render(r, "cell_per_line").decode())
    assert "列10" in render(report, "cell_per_line").decode()
    report = _with("scan_text", lambda r: render(r, "tab_rows").decode().count("法律服务机构") == 2)
    assert report.quirks.options == {"scan_text"}
    labels = [line.split("\t")[0] for line in render(report, "tab_rows").decode().splitlines()]
    assert any(mark in label for label in labels for mark in "|丨·_")


def test_titles_put_the_year_in_brackets_metadata_under_the_title_and_a_differing_heading() -> None:
    report = _with("titles", lambda r: not re.search(r"\d{4}年度?政府", r.truth.title or ""))
    assert re.search(r"[（(【]\d{4}(年度?)?[】)）]$", report.truth.title or "")
    assert report.truth.year is not None and str(report.truth.year) in (report.truth.title or "")
    report = _with("titles", lambda r: bool(r.quirks.metadata_lines))
    lines = [line for line in render(report, "tab_rows").decode().splitlines() if line]
    assert lines[0] == report.truth.title and lines[1] == report.quirks.metadata_lines[0]
    assert re.match(r"(信息)?来源|发布日期|浏览次数|字号", lines[1])
    report = _with("titles", lambda r: r.quirks.page_heading is not None)
    heading, body = report.quirks.page_heading, report.truth.title
    assert (
        heading and body and heading != body and heading.replace("年度", "年") == body.replace("年度", "年")
    )
    page = render(report, "html").decode()
    assert f">{heading}</h" in page and f"<strong>{body}</strong>" in page


def test_zones_place_the_office_in_a_functional_zone() -> None:
    report = _with("zones")
    region = report.truth.region
    assert (region.province, region.city, region.county) in {zone for zone, _offices in vocabulary.ZONES}
    assert region.county and (
        region.county in (report.truth.office or "") or region.county[:2] in (report.truth.office or "")
    )
    assert report.certain_region == region
    xiongan = _with("zones", lambda r: r.truth.region.county == "雄安新区")
    assert xiongan.truth.region == Region(province="河北省", city=None, county="雄安新区")
    # The caller's fixed identity wins.
    fixed = random_report(
        random.Random(0), office="测试局", region=Region(county="海珠区"), realism=Realism.only("zones")
    )
    assert fixed.truth.office == "测试局" and "zones" not in fixed.quirks


def test_certain_region_leaves_open_what_a_shared_county_name_cannot_fix() -> None:
    report = random_report(random.Random(0), region=Region(province="贵州省", city="贵阳市", county="白云区"))
    assert report.certain_region == Region(county="白云区")
