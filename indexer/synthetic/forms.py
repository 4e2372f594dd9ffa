"""The three tables of the national form, laid out cell by cell as the official HTML does.

A `Grid` places each cell at its row and column with its rowspan/colspan, the
way formats-in-the-wild §2–§4 describes the official tables; every renderer
prints from it. A line break inside a label (`本年新<br>制作数量`) is a `\\n`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from govreports.keys import APPEAL_COLUMNS, APPEAL_GROUPS, APPLICATION_COLUMNS
from govreports.model import Active2019, Active2021, Appeals, Applications
from indexer.synthetic.report import Style


@dataclass(frozen=True)
class Cell:
    text: str
    row: int
    col: int
    rowspan: int = 1
    colspan: int = 1
    header: bool = False


@dataclass
class Grid:
    width: int
    cells: list[Cell] = field(default_factory=list)

    @property
    def height(self) -> int:
        return max((c.row + c.rowspan for c in self.cells), default=0)

    def put(
        self, row: int, col: int, text: str, rowspan: int = 1, colspan: int = 1, header: bool = False
    ) -> None:
        self.cells.append(Cell(text, row, col, rowspan, colspan, header))

    def origins(self) -> list[list[Cell]]:
        """Per row, the cells that start in it (what an HTML <tr> holds), empty positions filled."""
        owner = self.owners()
        rows: list[list[Cell]] = [[] for _ in range(self.height)]
        for r, line in enumerate(owner):
            for c, cell in enumerate(line):
                if cell.row == r and cell.col == c:
                    rows[r].append(cell)
        return rows

    def owners(self) -> list[list[Cell]]:
        """Each position's cell: the spanning cell over it, or an empty 1×1 cell where nothing was put."""
        owner: list[list[Cell | None]] = [[None] * self.width for _ in range(self.height)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.rowspan):
                for c in range(cell.col, cell.col + cell.colspan):
                    owner[r][c] = cell
        return [[o or Cell("", r, c) for c, o in enumerate(line)] for r, line in enumerate(owner)]

    def with_header_repeated(self, row: int, count: int) -> Grid:
        """The grid with its first `count` rows printed again before `row`, as a table continued
        on a new page repeats its header; a cell spanning across `row` is cut in two there, its
        text in the first part."""
        out = Grid(self.width)
        for cell in self.cells:
            end = cell.row + cell.rowspan
            if cell.row < row < end:
                out.cells.append(replace(cell, rowspan=row - cell.row))
                out.cells.append(replace(cell, text="", row=row + count, rowspan=end - row))
            elif cell.row >= row:
                out.cells.append(replace(cell, row=cell.row + count))
            else:
                out.cells.append(cell)
            if cell.row + cell.rowspan <= count:
                out.cells.append(replace(cell, row=cell.row + row))
        return out

    def with_generic_header(self) -> Grid:
        """The grid with its header rows replaced by one row `列1`, `列2`, … (a scan's conversion)."""
        count = header_rows(self)
        out = Grid(self.width, [Cell(f"列{c + 1}", 0, c, header=True) for c in range(self.width)])
        out.cells += [replace(cell, row=cell.row - count + 1) for cell in self.cells if cell.row >= count]
        return out

    def expanded(self) -> list[list[str]]:
        """Full-width rows: a spanning cell's text in its first position, empty strings elsewhere."""
        return [
            [cell.text if (cell.row, cell.col) == (r, c) else "" for c, cell in enumerate(line)]
            for r, line in enumerate(self.owners())
        ]


def header_rows(grid: Grid) -> int:
    """How many rows the table's header takes: the rows before the first that has a data cell."""
    data_rows = [cell.row for cell in grid.cells if not cell.header]
    return min(data_rows, default=grid.height)


def retext(grid: Grid, labels: dict[str, str], cells: dict[Cell, str] | None = None) -> Grid:
    """The grid with the cells whose text is a key of `labels` (or that are keys of `cells`)
    printing the new text instead."""
    cells = cells or {}
    return Grid(grid.width, [replace(c, text=cells.get(c, labels.get(c.text, c.text))) for c in grid.cells])


# --- labels -----------------------------------------------------------------------

_NUMERALS = "一二三四五六七八九"


def label(text: str, style: Style) -> str:
    """An official label as this report prints it: bracket width and quote style vary."""
    if not style.full_width_brackets:
        text = text.replace("（", "(").replace("）", ")")
    if style.ascii_quotes:
        text = text.replace("“", '"').replace("”", '"')
    return text


def item(n: int, style: Style) -> str:
    return label(f"第二十条第（{_NUMERALS[n - 1]}）项", style)


# --- values -----------------------------------------------------------------------


def count(value: int | None) -> str:
    return "" if value is None else str(value)


def signed(value: int | None, style: Style) -> str:
    if value is None:
        return ""
    return f"+{value}" if value > 0 and style.plus_sign else str(value)


def wan(yuan: float) -> str:
    """Yuan as 万元 with no trailing zeros: 3622400.0 -> 362.24, 100000.0 -> 10."""
    return f"{(Decimal(int(yuan)) / 10000).normalize():f}"


def money(value: float | None, style: Style) -> str:
    if value is None:
        return ""
    if style.money == "wan_suffix":
        return f"{wan(value)}万元"
    if style.money == "yuan_suffix":
        return f"{int(value)}元"
    return wan(value)


# --- 二、主动公开 -----------------------------------------------------------------


def _block(
    grid: Grid, caption: str, headers: list[tuple[str, int]], rows: list[tuple[str, list[tuple[str, int]]]]
) -> None:
    """One 第二十条 block: caption row, header row, data rows; cells are (text, colspan)."""
    row = grid.height
    grid.put(row, 0, caption, colspan=grid.width, header=True)
    grid.put(row + 1, 0, "信息内容", header=True)
    col = 1
    for text, span in headers:
        grid.put(row + 1, col, text, colspan=span, header=True)
        col += span
    for offset, (name, values) in enumerate(rows, start=row + 2):
        grid.put(offset, 0, name)
        col = 1
        for text, span in values:
            grid.put(offset, col, text, colspan=span)
            col += span


def active_2019(active: Active2019, style: Style) -> Grid:
    grid = Grid(width=4)
    documents = [("本年新\n制作数量", 1), ("本年新\n公开数量", 1), ("对外公开总数量", 1)]
    items = [("上一年项目数量", 1), ("本年增/减", 1), ("处理决定数量", 1)]

    def doc_row(name: str, key: str) -> tuple[str, list[tuple[str, int]]]:
        values = getattr(active, key)
        return name, [
            (count(values.new_made), 1),
            (count(values.new_published), 1),
            (count(values.total_published), 1),
        ]

    def item_row(name: str, key: str) -> tuple[str, list[tuple[str, int]]]:
        values = getattr(active, key)
        return name, [
            (count(values.previous_items), 1),
            (signed(values.change, style), 1),
            (count(values.decisions), 1),
        ]

    _block(
        grid,
        item(1, style),
        documents,
        [doc_row("规章", "regulations"), doc_row("规范性文件", "normative_documents")],
    )
    _block(
        grid,
        item(5, style),
        items,
        [item_row("行政许可", "licensing"), item_row("其他对外管理服务事项", "other_services")],
    )
    _block(
        grid,
        item(6, style),
        items,
        [item_row("行政处罚", "penalties"), item_row("行政强制", "coercive_measures")],
    )
    fees = active.fees
    _block(
        grid,
        item(8, style),
        [("上一年项目数量", 1), ("本年增/减", 2)],
        [("行政事业性收费", [(count(fees.previous_items), 1), (signed(fees.change, style), 2)])],
    )
    amount_header = "采购总金额（单位：万元）" if style.money == "wan_header" else "采购总金额"
    procurement = active.procurement
    _block(
        grid,
        item(9, style),
        [("采购项目数量", 1), (label(amount_header, style), 2)],
        [("政府集中采购", [(count(procurement.items), 1), (money(procurement.amount_yuan, style), 2)])],
    )
    return grid


def active_2021(active: Active2021, style: Style, *, fee_header_rows: bool = False) -> Grid:
    """Template 2021's blocks; with `fee_header_rows` the 本年收费金额（单位：万元） header and 信息内容
    stand each on a row of their own over the fee, as some offices print the (八) block."""
    grid = Grid(width=4)

    def doc_row(name: str, key: str) -> tuple[str, list[tuple[str, int]]]:
        values = getattr(active, key)
        return name, [(count(values.issued), 1), (count(values.repealed), 1), (count(values.in_force), 1)]

    def decision_row(name: str, key: str) -> tuple[str, list[tuple[str, int]]]:
        return name, [(count(getattr(active, key).decisions), 3)]

    _block(
        grid,
        item(1, style),
        [("本年制发件数", 1), ("本年废止件数", 1), ("现行有效件数", 1)],
        [doc_row("规章", "regulations"), doc_row("行政规范性文件", "normative_documents")],
    )
    _block(grid, item(5, style), [("本年处理决定数量", 3)], [decision_row("行政许可", "licensing")])
    _block(
        grid,
        item(6, style),
        [("本年处理决定数量", 3)],
        [decision_row("行政处罚", "penalties"), decision_row("行政强制", "coercive_measures")],
    )
    fee = active.fees.amount_yuan
    fee_header = label("本年收费金额（单位：万元）", style)
    fee_row = ("行政事业性收费", [("" if fee is None else wan(fee), 3)])
    if not fee_header_rows:
        _block(grid, item(8, style), [(fee_header, 3)], [fee_row])
        return grid
    row = grid.height
    for offset, text in enumerate((item(8, style), "信息内容", fee_header)):
        grid.put(row + offset, 0, text, colspan=grid.width, header=True)
    grid.put(row + 3, 0, fee_row[0])
    grid.put(row + 3, 1, fee_row[1][0][0], colspan=3)
    return grid


# --- 三、收到和处理政府信息公开申请 --------------------------------------------------

NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANT_HEADERS = ("商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他")
# (group label, sub-labels and their row keys); a group without sub-labels is one row.
RESULT_GROUPS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    ("（一）予以公开", (("", "granted"),)),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", (("", "partially_granted"),)),
    (
        "（三）不予公开",
        (
            ("1.属于国家秘密", "withheld_state_secret"),
            ("2.其他法律行政法规禁止公开", "withheld_prohibited_by_law"),
            ("3.危及“三安全一稳定”", "withheld_three_safety"),
            ("4.保护第三方合法权益", "withheld_third_party"),
            ("5.属于三类内部事务信息", "withheld_internal_affairs"),
            ("6.属于四类过程性信息", "withheld_process_info"),
            ("7.属于行政执法案卷", "withheld_enforcement_files"),
            ("8.属于行政查询事项", "withheld_administrative_query"),
        ),
    ),
    (
        "（四）无法提供",
        (
            ("1.本机关不掌握相关政府信息", "unavailable_not_held"),
            ("2.没有现成信息需要另行制作", "unavailable_needs_creation"),
            ("3.补正后申请内容仍不明确", "unavailable_unclear"),
        ),
    ),
    (
        "（五）不予处理",
        (
            ("1.信访举报投诉类申请", "rejected_petition"),
            ("2.重复申请", "rejected_repeat"),
            ("3.要求提供公开出版物", "rejected_publication"),
            ("4.无正当理由大量反复申请", "rejected_excessive"),
            ("5.要求行政机关确认或重新出具已获取信息", "rejected_confirmation"),
        ),
    ),
)
OTHER_ONE_ROW = ("（六）其他处理", (("", "other"),))
OTHER_SUB_ROWS = (
    "（六）其他处理",
    (
        ("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", "other_no_correction"),
        ("2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", "other_unpaid_fee"),
        ("3.其他", "other_misc"),
    ),
)
HANDLED_TOTAL = ("（七）总计", (("", "handled_total"),))


def _values(grid: Grid, row: int, applications: Applications, key: str) -> None:
    values = applications.row(key)
    for offset, column in enumerate(APPLICATION_COLUMNS):
        grid.put(row, 3 + offset, count(getattr(values, column)))


def applications(apps: Applications, style: Style, *, other_sub_rows: bool) -> Grid:
    grid = Grid(width=10)
    grid.put(0, 0, label(NOTE, style), rowspan=3, colspan=3, header=True)
    grid.put(0, 3, "申请人情况", colspan=7, header=True)
    grid.put(1, 3, "自然人", rowspan=2, header=True)
    grid.put(1, 4, "法人或其他组织", colspan=5, header=True)
    grid.put(1, 9, "总计", rowspan=2, header=True)
    for offset, text in enumerate(APPLICANT_HEADERS):
        grid.put(2, 4 + offset, text, header=True)
    grid.put(3, 0, "一、本年新收政府信息公开申请数量", colspan=3)
    _values(grid, 3, apps, "received")
    grid.put(4, 0, "二、上年结转政府信息公开申请数量", colspan=3)
    _values(grid, 4, apps, "carried_over")
    groups = (*RESULT_GROUPS, OTHER_SUB_ROWS if other_sub_rows else OTHER_ONE_ROW, HANDLED_TOTAL)
    row = 5
    first_result_row = row
    for group_label, subs in groups:
        if len(subs) == 1 and not subs[0][0]:
            grid.put(row, 1, label(group_label, style), colspan=2)
        else:
            grid.put(row, 1, label(group_label, style), rowspan=len(subs))
        for sub_label, key in subs:
            if sub_label:
                grid.put(row, 2, label(sub_label, style))
            _values(grid, row, apps, key)
            row += 1
    grid.put(first_result_row, 0, "三、本年度办理结果", rowspan=row - first_result_row)
    grid.put(row, 0, "四、结转下年度继续办理", colspan=3)
    _values(grid, row, apps, "carried_forward")
    return grid


# --- 四、行政复议、行政诉讼 ------------------------------------------------------------

APPEAL_HEADERS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")


def appeals(appeals: Appeals) -> Grid:
    grid = Grid(width=15)
    grid.put(0, 0, "行政复议", colspan=5, header=True)
    grid.put(0, 5, "行政诉讼", colspan=10, header=True)
    for offset, text in enumerate(APPEAL_HEADERS):
        grid.put(1, offset, text, rowspan=2, header=True)
    grid.put(1, 5, "未经复议直接起诉", colspan=5, header=True)
    grid.put(1, 10, "复议后起诉", colspan=5, header=True)
    for offset in range(10):
        grid.put(2, 5 + offset, APPEAL_HEADERS[offset % 5], header=True)
    for g, group in enumerate(APPEAL_GROUPS):
        for c, column in enumerate(APPEAL_COLUMNS):
            grid.put(3, g * 5 + c, count(getattr(appeals.group(group), column)))
    return grid
