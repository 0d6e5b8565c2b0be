"""A damage generator: real reports' clean tables rendered with the damage real reports carry.

The clean tables are those of the bundled real reports in ``data/corpus`` whose tables were read
whole and whose template identities hold (:func:`clean_tables`).  :func:`render` prints one of
them as a new report file — title, the six sections, table 二, 三 and 四 — in a layout (tab-separated
text, Markdown, HTML, one text node per line, a page flattened into one line, one line per row)
with one or more *kinds* of damage applied, and returns the file's text beside what a correct
reader must give for every table 三 and 四 cell (:class:`Expected`).

Kinds (issue 9 and the older ones of domain.md, "Cells"):

=================== ==========================================================================
glued               a page flattened into one line, a row's cells glued with no separator
dropped_repeats     one node per line, a crawler that drops consecutive duplicate lines
split_numbers       one node per line, a number broken over two lines (162 as 1 / 62)
label_variants      「本年度新收…」「上年度结转…」, 「六、其他应说明事项」, a heading merged into prose
t4_pieces           table 四 as three small tables, each under its own heading
t4_vertical         table 四 printed with one row per outcome
t4_merged_none      table 四's data row as one merged 「无」 cell (every cell a dash)
wrapped_labels      long labels continued on the next one or two rows, numbers on one of them
split_column        an extra, always-empty column in every row (a header 「自然 | 人」 cut in two)
split_digits        「1 0」 for 10 in a row printed on one line with spaces
dropped_zero        a row printed on one line with one of its zeros dropped
generic_headers     converter headers 数据1…数据6, a bogus header row mid-table, table 四 in pieces
item_numbers        list numbers 「1.」「2.」 printed in their own cell or line before a label
characters          full-width digits, thousands separators, letters O and l for 0 and 1
=================== ==========================================================================

Letters O/l are never read as digits: those cells are expected ``flagged`` (state ``text`` or
``ambiguous``), never a number.  Everything is seeded: ``render(tables, kinds, seed)`` gives the
same file every time.
"""

from __future__ import annotations

import functools
import html
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"

T3_COLUMNS = ("natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total")
T4_ROWS = ("review", "litigation_direct", "litigation_after_review")
T4_COLUMNS = ("upheld", "corrected", "other", "pending", "total")
# Clean renderings of the bundled reports (tables read whole, identities holding).
CLEAN_SOURCES = ("hongze_2024_pdf", "pingtan_2019_html", "pingtan_2023_html", "pingtan_2024_html",
                 "pingtan_2025_html", "putian_cg_2019_html", "putian_cg_2020", "putian_cg_2021_html",
                 "sanming_2019", "sanming_2020", "sanming_2021", "seed_changning_tzcjb_2024")

# Printed labels of table 三, in template order, with the group label printed on a group's first row.
T3_LABELS = {
    "new_received": ("", "一、本年新收政府信息公开申请数量"),
    "carried_over": ("", "二、上年结转政府信息公开申请数量"),
    "granted": ("三、本年度办理结果", "（一）予以公开"),
    "partially_granted": ("", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    "denied_state_secret": ("（三）不予公开", "1.属于国家秘密"),
    "denied_prohibited_by_law": ("", "2.其他法律行政法规禁止公开"),
    "denied_security_stability": ("", "3.危及“三安全一稳定”"),
    "denied_third_party": ("", "4.保护第三方合法权益"),
    "denied_internal_affairs": ("", "5.属于三类内部事务信息"),
    "denied_process_info": ("", "6.属于四类过程性信息"),
    "denied_enforcement_file": ("", "7.属于行政执法案卷"),
    "denied_admin_query": ("", "8.属于行政查询事项"),
    "unable_not_held": ("（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unable_needs_creation": ("", "2.没有现成信息需要另行制作"),
    "unable_unclear": ("", "3.补正后申请内容仍不明确"),
    "rejected_complaint": ("（五）不予处理", "1.信访举报投诉类申请"),
    "rejected_duplicate": ("", "2.重复申请"),
    "rejected_publication": ("", "3.要求提供公开出版物"),
    "rejected_excessive": ("", "4.无正当理由大量反复申请"),
    "rejected_confirmation": ("", "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": ("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_unpaid_fee": ("", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_reasons": ("", "3.其他"),
    "other_processing": ("", "（六）其他处理"),
    "total_processed": ("", "（七）总计"),
    "carried_forward": ("", "四、结转下年度继续办理"),
}
T3_HEADER = ("（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", "申请人情况")
T3_COLUMN_LABELS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
T4_COLUMN_LABELS = ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")
T4_ROW_LABELS = ("行政复议", "行政诉讼（未经复议直接起诉）", "行政诉讼（复议后起诉）")
SECTION_HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                    "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
PROSE = {
    0: "本年度，本机关认真贯彻落实《中华人民共和国政府信息公开条例》，持续推进政务公开工作，"
       "全年主动公开政府信息152条，更新政策文件36件，组织培训12次。",
    4: "（一）存在的主要问题：政策解读形式不够丰富。（二）改进措施：丰富解读形式，提升公开质量。",
    5: "本年度未收取信息处理费。",
}
KINDS = ("glued", "dropped_repeats", "split_numbers", "label_variants", "t4_pieces", "t4_vertical",
         "t4_merged_none", "wrapped_labels", "split_column", "split_digits", "dropped_zero", "generic_headers",
         "item_numbers", "characters")
# The layout each kind is printed in (kinds that share a layout combine).
LAYOUT_OF = {
    "glued": "flat", "dropped_repeats": "lines", "split_numbers": "lines", "label_variants": None,
    "t4_pieces": None, "t4_vertical": None, "t4_merged_none": None, "wrapped_labels": "markdown",
    "split_column": None, "split_digits": "spaced", "dropped_zero": "spaced", "generic_headers": "markdown",
    "item_numbers": None, "characters": "tsv",
}
GRID_LAYOUTS = ("tsv", "markdown", "html")


@dataclass(frozen=True)
class Tables:
    """A report's clean tables 三 and 四 (values as printed), with its identity."""

    name: str
    agency: str
    year: int
    template: str
    single_other: bool
    t3: tuple[tuple[str, tuple[int, ...]], ...]  # (row key, 7 values) in template order
    t4: tuple[tuple[int, ...], ...]  # 3 rows of 5 values

    def t3_rows(self) -> dict[str, tuple[int, ...]]:
        return dict(self.t3)


@dataclass
class Expected:
    """What a correct reader gives for each table 三 and 四 cell: ("number", value), ("dash",) or
    ("flagged",) — a cell whose printed text is not a number (state text or ambiguous)."""

    cells: dict[tuple[str, str, str], tuple] = field(default_factory=dict)


@dataclass
class Rendering:
    text: str
    suffix: str  # .txt, .md or .html
    kinds: tuple[str, ...]
    layout: str
    seed: int
    source: str
    expected: Expected


@functools.lru_cache(maxsize=1)
def clean_tables() -> tuple[Tables, ...]:
    """The clean tables of :data:`CLEAN_SOURCES`, checked: every cell a number and every identity of
    the template holding (a table that breaks its own arithmetic is not a clean source)."""
    import govdisclosure as gd
    from govdisclosure.template import t3_rows

    found = []
    for name in CLEAN_SOURCES:
        source = next((CORPUS / name).glob("source.*"))
        report = gd.load_report(source)
        single = report.shape.get("t3_other") == "single"
        keys = [r.key for r in t3_rows(report.template, single_other=single)]
        t3 = tuple((k, tuple(int(report.value("t3", k, c)) for c in T3_COLUMNS)) for k in keys)
        t4 = tuple(tuple(int(report.value("t4", r, c)) for c in T4_COLUMNS) for r in T4_ROWS)
        tables = Tables(name, report.agency, report.year, report.template, single, t3, t4)
        assert_consistent(tables)
        found.append(tables)
    return tuple(found)


def assert_consistent(tables: Tables) -> None:
    rows = tables.t3_rows()
    outcomes = [k for k in rows if k not in ("new_received", "carried_over", "total_processed", "carried_forward")]
    for k, values in rows.items():
        assert sum(values[:6]) == values[6], (tables.name, k)
    for j in range(7):
        assert rows["new_received"][j] + rows["carried_over"][j] == rows["total_processed"][j] + rows["carried_forward"][j]
        assert sum(rows[k][j] for k in outcomes) == rows["total_processed"][j], (tables.name, j)
    for values in tables.t4:
        assert sum(values[:4]) == values[4], tables.name


# --------------------------------------------------------------------------- the abstract report

@dataclass
class Row:
    labels: list[str]  # label cells as printed (group label, row label)
    values: list[str]  # value cells as printed
    key: tuple[str, str] | None = None  # (table, row key) for the expected cells


@dataclass
class Block:
    """A table as rows (``grid``), or prose lines."""

    kind: str  # "prose" | "table"
    lines: list[str] = field(default_factory=list)
    header: list[list[str]] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    heading: str = ""  # a heading printed right above the table (Markdown ###)


@dataclass
class Draft:
    title: str
    blocks: list[Block]
    expected: Expected
    width_t3: int = 9  # label cells + 7 values in a grid row


def _t2_block(template: str) -> Block:
    block = Block("table")
    if template == "2021":
        block.rows = [
            Row(["第二十条第（一）项"], []), Row(["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], []),
            Row(["规章"], ["0", "0", "0"]), Row(["行政规范性文件"], ["2", "1", "15"]),
            Row(["第二十条第（五）项"], []), Row(["信息内容", "本年处理决定数量"], []), Row(["行政许可"], ["36"]),
            Row(["第二十条第（六）项"], []), Row(["信息内容", "本年处理决定数量"], []), Row(["行政处罚"], ["12"]),
            Row(["行政强制"], ["0"]), Row(["第二十条第（八）项"], []), Row(["信息内容", "本年收费金额（单位：万元）"], []),
            Row(["行政事业性收费"], ["0"]),
        ]
    else:
        block.rows = [
            Row(["第二十条第（一）项"], []), Row(["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], []),
            Row(["规章"], ["0", "0", "0"]), Row(["规范性文件"], ["2", "2", "15"]),
            Row(["第二十条第（五）项"], []), Row(["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], []),
            Row(["行政许可"], ["10", "0", "36"]), Row(["其他对外管理服务事项"], ["0", "0", "0"]),
            Row(["第二十条第（六）项"], []), Row(["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], []),
            Row(["行政处罚"], ["5", "0", "12"]), Row(["行政强制"], ["0", "0", "0"]),
            Row(["第二十条第（八）项"], []), Row(["信息内容", "上一年项目数量", "本年增/减"], []),
            Row(["行政事业性收费"], ["0", "0"]),
            Row(["第二十条第（九）项"], []), Row(["信息内容", "采购项目数量", "采购总金额"], []),
            Row(["政府集中采购"], ["3", "120000"]),
        ]
    return block


def draft(tables: Tables) -> Draft:
    """The report as blocks, before any layout or damage."""
    expected = Expected()
    blocks: list[Block] = []
    for i, heading in enumerate(SECTION_HEADINGS):
        blocks.append(Block("prose", [heading] + ([PROSE[i]] if i in PROSE else [])))
        if i == 1:
            blocks.append(_t2_block(tables.template))
        elif i == 2:
            t3 = Block("table", header=[[T3_HEADER[0], "", T3_HEADER[1], "", "", "", "", "", ""],
                                        ["", "", "自然人", "法人或其他组织", "", "", "", "", "总计"],
                                        ["", "", "", *T3_COLUMN_LABELS[1:6], ""]])
            for key, values in tables.t3:
                group, label = T3_LABELS[key]
                if key == "other_processing":
                    group, label = "", "（六）其他处理"
                t3.rows.append(Row([group, label], [str(v) for v in values], ("t3", key)))
                for column, value in zip(T3_COLUMNS, values):
                    expected.cells[("t3", key, column)] = ("number", value)
            blocks.append(t3)
        elif i == 3:
            t4 = Block("table", header=[["行政复议", "", "", "", "", "行政诉讼", "", "", "", "", "", "", "", "", ""],
                                        list(T4_COLUMN_LABELS) + ["未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
                                        [""] * 5 + list(T4_COLUMN_LABELS) * 2])
            t4.rows.append(Row([], [str(v) for values in tables.t4 for v in values], ("t4", "all")))
            for r, values in zip(T4_ROWS, tables.t4):
                for column, value in zip(T4_COLUMNS, values):
                    expected.cells[("t4", r, column)] = ("number", value)
            blocks.append(t4)
    return Draft(f"{tables.agency}{tables.year}年政府信息公开工作年度报告", blocks, expected)


def _t3(d: Draft) -> Block:
    return [b for b in d.blocks if b.kind == "table"][1]


def _t4_index(d: Draft) -> int:
    return [i for i, b in enumerate(d.blocks) if b.kind == "table"][2]


# --------------------------------------------------------------------------- damage on the draft

def _label_variants(d: Draft, rng: random.Random) -> None:
    t3 = _t3(d)
    for row in t3.rows:
        if row.key == ("t3", "new_received"):
            row.labels[-1] = row.labels[-1].replace("本年新收", "本年度新收")
        elif row.key == ("t3", "carried_over"):
            row.labels[-1] = row.labels[-1].replace("上年结转", "上年度结转")
    for block in d.blocks:
        if block.kind == "prose" and block.lines[0].startswith("六、"):
            block.lines[0] = "六、其他应说明事项"
    # a heading a converter merged into the paragraph before it
    prose = [b for b in d.blocks if b.kind == "prose"]
    target = prose[rng.choice([4, 5])]
    before = d.blocks[d.blocks.index(target) - 1]
    if before.kind == "prose":
        before.lines[-1] += target.lines[0] + (target.lines[1] if len(target.lines) > 1 else "")
        d.blocks.remove(target)


def _t4_pieces(d: Draft, rng: random.Random) -> None:
    index = _t4_index(d)
    values = d.blocks[index].rows[0].values
    pieces = []
    for r, label in enumerate(T4_ROW_LABELS):
        block = Block("table", header=[list(T4_COLUMN_LABELS)], heading=label)
        block.rows.append(Row([], values[5 * r:5 * r + 5], ("t4", T4_ROWS[r])))
        pieces.append(block)
    d.blocks[index:index + 1] = pieces


def _t4_vertical(d: Draft, rng: random.Random) -> None:
    index = _t4_index(d)
    values = d.blocks[index].rows[0].values
    block = Block("table", header=[["", *T4_ROW_LABELS]])
    for j, label in enumerate(T4_COLUMN_LABELS):
        block.rows.append(Row([label], [values[5 * r + j] for r in range(3)], ("t4", "vertical")))
    d.blocks[index] = block


def _t4_merged_none(d: Draft, rng: random.Random) -> None:
    index = _t4_index(d)
    d.blocks[index].rows[0].values = ["无"]
    for r in T4_ROWS:
        for c in T4_COLUMNS:
            d.expected.cells[("t4", r, c)] = ("dash",)


def _wrapped_labels(d: Draft, rng: random.Random) -> None:
    t3 = _t3(d)
    rows: list[Row] = []
    for row in t3.rows:
        label = row.labels[-1]
        if len(label) < 14 or rng.random() < 0.3:
            rows.append(row)
            continue
        parts = rng.choice((2, 3))
        cuts = sorted(rng.sample(range(4, len(label) - 2), parts - 1))
        pieces = [label[a:b] for a, b in zip([0, *cuts], [*cuts, len(label)])]
        carrier = rng.randrange(len(pieces))  # the piece printed beside the numbers
        for i, piece in enumerate(pieces):
            values = row.values if i == carrier else [""] * len(row.values)
            head = row.labels[:-1] if i == 0 else [""] * (len(row.labels) - 1)
            rows.append(Row([*head, piece], values, row.key if i == carrier else None))
    t3.rows = rows


def _split_column(d: Draft, rng: random.Random) -> None:
    t3 = _t3(d)
    at = rng.randrange(1, 7)  # the empty column is inserted before value column ``at``
    for row in t3.header:
        row.insert(2 + at, "")
    if len(t3.header) > 1 and at == 1:
        t3.header[1][2:4] = ["自然", "人"]
    for row in t3.rows:
        row.values = row.values[:at] + [""] + row.values[at:]


def _generic_headers(d: Draft, rng: random.Random) -> None:
    t3 = _t3(d)
    t3.header = [["类别", "", "数据1", "数据2", "数据3", "数据4", "数据5", "数据6", "总计"]]
    middle = rng.randrange(6, len(t3.rows) - 3)
    t3.rows.insert(middle, Row(["项目", "本年新收件数"], ["上年结转件数", "予以公开", "部分公开", "不予公开", "结转下年度", "", "总计"]))
    _t4_pieces(d, rng)


def _item_numbers(d: Draft, rng: random.Random) -> None:
    t3 = _t3(d)
    for row in t3.rows:
        label = row.labels[-1]
        if len(label) > 2 and label[0].isdigit() and label[1] == ".":
            row.labels[-1:] = [label[:2], label[2:]]


def _characters(d: Draft, rng: random.Random) -> None:
    """Full-width digits, thousands separators, letters O / l for 0 / 1 in a few cells."""
    t3 = _t3(d)
    full = str.maketrans("0123456789", "０１２３４５６７８９")
    for row in t3.rows:
        for j, value in enumerate(row.values):
            roll = rng.random()
            if roll < 0.08:
                row.values[j] = value.translate(full)
            elif roll < 0.10 and value in ("0", "1"):
                row.values[j] = {"0": "O", "1": "l"}[value]
                d.expected.cells[(row.key[0], row.key[1], T3_COLUMNS[j])] = ("flagged",)
            elif len(value) >= 4:
                row.values[j] = f"{int(value):,}"


DRAFT_ORDER = ("characters", "label_variants", "item_numbers", "t4_pieces", "t4_vertical", "t4_merged_none",
               "generic_headers", "wrapped_labels", "split_column")
DRAFT_DAMAGE = {"label_variants": _label_variants, "t4_pieces": _t4_pieces, "t4_vertical": _t4_vertical,
                "t4_merged_none": _t4_merged_none, "wrapped_labels": _wrapped_labels, "split_column": _split_column,
                "generic_headers": _generic_headers, "item_numbers": _item_numbers, "characters": _characters}


# --------------------------------------------------------------------------- layouts

def _cells(row: Row, width: int) -> list[str]:
    if row.values == ["无"]:  # a merged cell: its text in the first cell of the span
        return list(row.labels) + ["无"] + [""] * (width - len(row.labels) - 1)
    labels = list(row.labels)
    if len(labels) < width - len(row.values):
        labels += [""] * (width - len(row.values) - len(labels))
    return labels + list(row.values)


def _tsv(d: Draft) -> str:
    out = [d.title, ""]
    for block in d.blocks:
        if block.kind == "prose":
            out += block.lines
            continue
        if block.heading:
            out.append(block.heading)
        out += ["\t".join(h) for h in block.header]
        out += ["\t".join(r.labels + r.values) for r in block.rows]
    return "\n".join(out) + "\n"


def _markdown(d: Draft) -> str:
    out = [f"# {d.title}", ""]
    for block in d.blocks:
        if block.kind == "prose":
            out += [f"## {block.lines[0]}", *block.lines[1:], ""]
            continue
        if block.heading:
            out += [f"### {block.heading}"]
        width = max([len(h) for h in block.header] + [len(r.labels) + len(r.values) for r in block.rows])
        grid = [h + [""] * (width - len(h)) for h in block.header] or [[""] * width]
        rows = [_cells(r, width) for r in block.rows]
        out.append("| " + " | ".join(grid[0]) + " |")
        out.append("|" + "---|" * width)
        out += ["| " + " | ".join(g) + " |" for g in grid[1:]]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        out.append("")
    return "\n".join(out) + "\n"


def _html(d: Draft) -> str:
    e = html.escape
    out = ["<html><head><meta charset='utf-8'><title>" + e(d.title) + "</title></head><body>",
           f"<h1>{e(d.title)}</h1>"]
    for block in d.blocks:
        if block.kind == "prose":
            out += [f"<p>{e(line)}</p>" for line in block.lines]
            continue
        if block.heading:
            out.append(f"<p>{e(block.heading)}</p>")
        out.append("<table border='1'>")
        for h in block.header:
            out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in h) + "</tr>")
        for r in block.rows:
            if r.values == ["无"]:
                out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r.labels) + "<td colspan='15'>无</td></tr>")
                continue
            out.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r.labels + r.values) + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _lines(d: Draft) -> list[str]:
    """One text node per line: every non-empty cell on its own line (a crawler's page.txt)."""
    out = [d.title]
    for block in d.blocks:
        if block.kind == "prose":
            out += block.lines
            continue
        if block.heading:
            out.append(block.heading)
        for h in block.header:
            out += [c for c in h if c]
        for r in block.rows:
            out += [c for c in r.labels if c] + [v for v in r.values if v != ""]
    return out


def _flat(d: Draft, sep: str) -> str:
    """The page flattened into one line; table cells joined by ``sep`` ("" glues them)."""
    parts = [d.title, " "]
    for block in d.blocks:
        if block.kind == "prose":
            parts += block.lines
            continue
        if block.heading:
            parts.append(block.heading)
        for h in block.header:
            parts += [c for c in h if c]
        for r in block.rows:
            parts += [c for c in r.labels if c]
            parts.append(sep.join(v for v in r.values if v != ""))
    return "".join(parts) + "\n"


def _spaced(d: Draft) -> str:
    """One line per table row, cells separated by spaces (a PDF's text as copied)."""
    out = [d.title]
    for block in d.blocks:
        if block.kind == "prose":
            out += block.lines
            continue
        if block.heading:
            out.append(block.heading)
        out += [" ".join(c for c in h if c) for h in block.header]
        out += [" ".join([*(c for c in r.labels if c), *(v for v in r.values if v != "")]) for r in block.rows]
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- damage on the printed text

def _drop_repeats(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if not out or line != out[-1]:
            out.append(line)
    return out


def _split_numbers(lines: list[str], rng: random.Random, d: Draft) -> list[str]:
    """Numbers broken over lines where Word split them over spans: in the tables' cells and in
    the prose alike (the crawler writes one text node per line)."""
    out: list[str] = []
    for line in lines:
        if line.isdigit() and len(line) >= 2 and rng.random() < 0.5:
            cut = rng.randrange(1, len(line))
            if line[cut] != "0":
                out += [line[:cut], line[cut:]]
                continue
        if not line.isdigit() and re.search(r"\d{2,}", line):
            pieces, start = [], 0
            for number in re.finditer(r"\d{2,}", line):
                cut = rng.randrange(number.start() + 1, number.end())
                pieces.append(line[start:cut])
                start = cut
            out += pieces + [line[start:]]
            continue
        out.append(line)
    return out


def _split_digits_rows(d: Draft, rng: random.Random) -> None:
    for block in d.blocks:
        for row in block.rows:
            if row.key is None:
                continue
            for j, value in enumerate(row.values):
                if len(value) >= 2 and value.isdigit() and rng.random() < 0.6:
                    cut = rng.randrange(1, len(value))
                    row.values[j] = value[:cut] + " " + value[cut:]


def _drop_zero_rows(d: Draft, rng: random.Random) -> None:
    # a row whose digits were also split keeps its zeros: a split number and a dropped zero in one
    # row print as many pieces as the row has cells, which no reader can tell from a clean row
    t3 = _t3(d)
    rows = [r for r in t3.rows if r.key and "0" in r.values and not any(" " in v for v in r.values)]
    for row in rng.sample(rows, min(len(rows), 3)):
        zeros = [j for j, v in enumerate(row.values) if v == "0"]
        del row.values[rng.choice(zeros)]


def render(tables: Tables, kinds: tuple[str, ...] | list[str], seed: int, layout: str | None = None) -> Rendering:
    """``tables`` printed with ``kinds`` of damage (seeded); the layout follows from the kinds
    (or ``layout`` where the kinds leave it open: tsv, markdown or html)."""
    rng = random.Random(seed)
    kinds = tuple(kinds)
    d = draft(tables)
    fixed = {LAYOUT_OF[k] for k in kinds if LAYOUT_OF[k]}
    assert len(fixed) <= 1, f"kinds {kinds} need different layouts: {fixed}"
    chosen = fixed.pop() if fixed else (layout or rng.choice(GRID_LAYOUTS))
    if "t4_merged_none" in kinds:
        # a merged 无 stands for a table with no case: print it so, whatever the source had
        pass
    for kind in DRAFT_ORDER:  # characters before the kinds that move cells about
        if kind in kinds:
            DRAFT_DAMAGE[kind](d, rng)
    if "split_digits" in kinds:
        _split_digits_rows(d, rng)
    if "dropped_zero" in kinds:
        _drop_zero_rows(d, rng)
    if chosen == "tsv":
        text, suffix = _tsv(d), ".txt"
    elif chosen == "markdown":
        text, suffix = _markdown(d), ".md"
    elif chosen == "html":
        text, suffix = _html(d), ".html"
    elif chosen == "flat":
        text, suffix = _flat(d, ""), ".txt"
    elif chosen == "spaced":
        text, suffix = _spaced(d), ".txt"
    elif chosen == "lines":
        lines = _lines(d)
        if "split_numbers" in kinds:
            lines = _split_numbers(lines, rng, d)
        if "dropped_repeats" in kinds:
            lines = _drop_repeats(lines)
        text, suffix = "\n".join(lines) + "\n", ".txt"
    else:
        raise ValueError(chosen)
    return Rendering(text, suffix, kinds, chosen, seed, tables.name, d.expected)


def compatible(kinds: tuple[str, ...]) -> bool:
    """Whether these kinds can be printed together (one layout; table 四 reshaped once; the kinds
    that need a real table's grid only in a grid layout)."""
    layouts = {LAYOUT_OF[k] for k in kinds if LAYOUT_OF[k]}
    t4 = [k for k in kinds if k.startswith("t4_")] + (["generic_headers"] if "generic_headers" in kinds else [])
    if len(layouts) > 1 or len(t4) > 1 or len(set(kinds)) != len(kinds):
        return False
    layout = next(iter(layouts), None)
    if layout in ("flat", "lines", "spaced") and {"wrapped_labels", "split_column", "generic_headers"} & set(kinds):
        return False
    if layout == "flat" and {"t4_pieces", "t4_vertical", "t4_merged_none"} & set(kinds):
        return False  # numbers of several small tables glued together: no reader can part them
    return True


def combinations(rng: random.Random, size: int) -> tuple[str, ...]:
    """A random compatible combination of ``size`` kinds."""
    while True:
        kinds = tuple(rng.sample(KINDS, size))
        if compatible(kinds):
            return kinds


# --------------------------------------------------------------------------- scoring

def score(report, expected: Expected) -> dict[str, int]:
    """Counts of cells ``exact``, ``flagged`` (ambiguous or text, where the source lost it or
    printed no number), ``wrong`` (a number that is not the printed one, or a number where none
    was printed) and ``lost`` (no cell at all)."""
    counts = {"exact": 0, "flagged": 0, "wrong": 0, "lost": 0}
    for (table, row, column), want in expected.cells.items():
        cell = report.cell(table, row, column)
        if cell is None:
            counts["lost"] += 1
        elif want[0] == "number":
            if cell.state == "number" and cell.value == want[1]:
                counts["exact"] += 1
            elif cell.state in ("ambiguous", "text"):
                counts["flagged"] += 1
            else:
                counts["wrong"] += 1
        elif want[0] == "dash":
            if cell.state == "dash":
                counts["exact"] += 1
            elif cell.state in ("ambiguous", "text"):
                counts["flagged"] += 1
            else:
                counts["wrong"] += 1
        else:  # flagged: the source printed no number
            if cell.state in ("ambiguous", "text"):
                counts["exact"] += 1
            elif cell.state == "number":
                counts["wrong"] += 1
            else:
                counts["flagged"] += 1
    return counts


def wrong_cells(report, expected: Expected) -> list[str]:
    """The cells a report got wrong, described (for assertion messages)."""
    out = []
    for (table, row, column), want in expected.cells.items():
        cell = report.cell(table, row, column)
        if cell is None:
            continue
        bad = ((want[0] == "number" and cell.state == "number" and cell.value != want[1])
               or (want[0] in ("dash", "flagged") and cell.state == "number")
               or (want[0] == "number" and cell.state in ("dash", "blank")))
        if bad:
            out.append(f"{table}/{row}/{column}: expected {want}, got {cell.state} {cell.value} "
                       f"from '{cell.raw}' ({cell.how})")
    return out
