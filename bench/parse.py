"""Reports parsed per second, per file type, on one core; plus the evidence behind two choices.

    .venv/bin/python bench/parse.py [--reports 200] [--binary 60] [--doc 4] [--scans 4] [--ocr-only]

Generated reports (indexer.synthetic) are rendered first, then `parse_bytes` is
timed on them in this one process pinned to one core: text (`tab_rows`), HTML
portal pages, DOCX, PDF, and .doc when LibreOffice is installed. Also measured:
PyMuPDF's `find_tables()` per page against the ruled-grid reader the PDF
extractor uses instead, and how many of the 三 table's 26 row labels each .doc
converter keeps. Targets: >= 200 reports/s for text and HTML, >= 10/s for PDF.
Writes its section of docs/benchmarks.md (between the bench:parse markers).

OCR (issue 16) has its own section (bench:parse-ocr): seconds of CPU per scanned page
(generated image-only PDFs in the scan renderer's styles, read by `parse_bytes(ocr=True)`),
on the same one core; target <= 3 s a page. `--ocr-only` measures just that; `--print`
prints the sections instead of writing them.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import pymupdf
from _machine import stamp, write_section

from govreports.model import Format
from indexer.documents import parse_bytes
from indexer.extract import extract, pdf
from indexer.synthetic import random_report, render

TARGETS = {"txt": 200.0, "html": 200.0, "pdf": 10.0}
OCR_SECONDS_PER_PAGE = 3.0
# A substring of each printed row label of the 三 table (2021 template, （六） as three rows).
ROW_KEYS = (
    "本年新收", "上年结转", "予以公开", "部分公开", "国家秘密", "禁止公开", "三安全一稳定", "第三方合法权益",
    "内部事务", "过程性", "行政执法案卷", "行政查询", "不掌握", "另行制作", "仍不明确", "信访举报",
    "重复申请", "公开出版物", "大量反复", "确认或重新出具", "逾期不补正", "缴纳费用", "3.其他", "（七）总计",
    "结转下年度", "勾稽关系",
)  # fmt: skip


def documents(layout: str, count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [render(random_report(rng, blank_cells=rng.choice((0, 1))), layout) for _ in range(count)]


def split(items: list[bytes], parts: int) -> list[list[bytes]]:
    size = len(items) // parts
    return [items[part * size : (part + 1) * size] for part in range(parts)]


def rate(passes: list[list[bytes]], format: Format) -> tuple[float, float, float, float]:
    """Reports per CPU second (best and median pass), the share spent extracting, reports per wall second.

    CPU time is this process's own: on a machine shared with other work it is what
    one core of our own would give; wall time is shown beside it. Each pass parses
    reports the earlier passes did not see, and the best pass is the figure: on this
    shared virtual machine the same pass varies by up to 40% from minute to minute, and
    the fastest is the one least slowed by the neighbours (the median is shown beside it).
    """
    parse_bytes(passes[0][0], format=format)
    rates, cpu_total, wall_total, count = [], 0.0, 0.0, 0
    for items in passes:
        wall, cpu = time.perf_counter(), time.process_time()
        for data in items:
            parse_bytes(data, format=format)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rates.append(len(items) / cpu)
        cpu_total, wall_total, count = cpu_total + cpu, wall_total + wall, count + len(items)
    extracting = time.process_time()
    for data in passes[-1]:
        extract(data, format)
    extracting = (time.process_time() - extracting) / cpu  # the last pass: the same reports
    return max(rates), statistics.median(rates), extracting, count / wall_total


def scans(count: int, seed: int) -> list[tuple[bytes, int]]:
    """Image-only PDFs of generated reports (both templates, styles drawn as the renderer does) and
    their page counts."""
    from indexer.synthetic.render_scan import ScanStyle, image_pdf

    rng = random.Random(seed)
    out = []
    for n in range(count):
        report = random_report(rng, template="2019" if n % 2 else "2021")
        data = image_pdf(report, ScanStyle.draw(rng), seed=n)
        out.append((data, len(pymupdf.open(stream=data, filetype="pdf"))))
    return out


def ocr_seconds_per_page(items: list[tuple[bytes, int]], passes: int) -> tuple[list[float], float]:
    """CPU seconds a page of each pass over the scans, and the one-off loading of the models."""
    from indexer.extract import ocr

    start = time.process_time()
    ocr.engine()
    loading = time.process_time() - start
    pages = sum(count for _, count in items)
    runs = []
    for _ in range(passes):
        start = time.process_time()
        for data, _count in items:
            parse_bytes(data, format="pdf", ocr=True)
        runs.append((time.process_time() - start) / pages)
    return runs, loading


def ocr_section(scan_count: int, passes: int) -> str:
    items = scans(scan_count, 6)
    runs, loading = ocr_seconds_per_page(items, passes)
    pages = sum(count for _, count in items)
    best, median = min(runs), statistics.median(runs)
    met = "yes" if best <= OCR_SECONDS_PER_PAGE else "no"
    body = [
        "## OCR of scanned pages (`bench/parse.py --ocr-only`)",
        "",
        stamp(),
        f"{scan_count} generated reports scanned ({pages} pages; 150–300 dpi, with and without rulings,",
        "turned up to ±2°, grey paper, red seals, JPEG noise: `indexer.synthetic.render_scan`), read as",
        "image-only PDFs by `parse_bytes(ocr=True)` (rendering, cleaning, detection, recognition, the trust",
        f"rule and the parse) in one process pinned to one core; {passes} passes over the same pages, CPU",
        "seconds a page. Loading the models (once per worker process) is shown apart.",
        "",
        "| pages | s/page (CPU, best pass) | median pass | all passes | loading the models | target | met |",
        "|---|---|---|---|---|---|---|",
        f"| {pages} | {best:.2f} | {median:.2f} | {', '.join(f'{r:.2f}' for r in runs)} | {loading:.1f} s"
        f" | ≤ {OCR_SECONDS_PER_PAGE:.0f} s | {met} |",
    ]
    return "\n".join(body)


def find_tables_per_page(items: list[bytes]) -> tuple[float, float, int]:
    """Seconds per page: PyMuPDF's find_tables() and the extractor's ruled-grid reader."""
    pages = [page for data in items for page in pymupdf.open(stream=data, filetype="pdf")]
    start = time.process_time()
    for page in pages:
        page.find_tables()
    slow = (time.process_time() - start) / len(pages)
    start = time.process_time()
    for page in pages:
        pdf.read_page(page).lines()
    fast = (time.process_time() - start) / len(pages)
    return slow, fast, len(pages)


def _squeezed(text: str) -> list[str]:
    return [re.sub(r"[\s|]", "", line) for line in text.splitlines()]


def converters(doc: bytes) -> tuple[dict[str, int | None], int]:
    """How many rows of the 三 table (label and its seven numbers on one line) each converter keeps.

    None for a converter this machine lacks (antiword and catdoc are only the bench's comparison).
    """
    from indexer.extract import doc as doc_extractor

    reference = doc_extractor.extract(doc).text
    rows = [
        line for line in _squeezed(reference) if any(key in line for key in ROW_KEYS) and line[-1:].isdigit()
    ]
    outputs = {"LibreOffice → docx → docx extractor": reference}
    commands = {
        "antiword -m UTF-8.txt": ["antiword", "-m", "UTF-8.txt"],
        "catdoc -d utf-8": ["catdoc", "-d", "utf-8"],
    }
    with tempfile.NamedTemporaryFile(suffix=".doc") as file:
        file.write(doc)
        file.flush()
        for name, command in commands.items():
            if shutil.which(command[0]):
                result = subprocess.run([*command, file.name], capture_output=True, timeout=60)
                outputs[name] = result.stdout.decode("utf-8", "replace")
    kept: dict[str, int | None] = {name: None for name in [*outputs, *commands]}
    for name, text in outputs.items():
        kept[name] = sum(any(row in line for line in _squeezed(text)) for row in rows)
    return kept, len(rows)


def to_doc(docx: bytes) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "r.docx").write_bytes(docx)
        subprocess.run(
            [
                "soffice", "--headless", f"-env:UserInstallation={Path(folder, 'p').as_uri()}",
                "--convert-to", "doc", "--outdir", folder, str(Path(folder, "r.docx")),
            ],
            capture_output=True, check=True, timeout=300,
        )  # fmt: skip
        return Path(folder, "r.doc").read_bytes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=200, help="text and HTML reports per type")
    parser.add_argument("--binary", type=int, default=60, help="DOCX and PDF reports per type")
    parser.add_argument("--doc", type=int, default=4, help=".doc reports (LibreOffice is slow)")
    parser.add_argument("--passes", type=int, default=5, help="passes over new reports; the best counts")
    parser.add_argument("--scans", type=int, default=4, help="scanned reports read by OCR")
    parser.add_argument("--ocr-passes", type=int, default=3, help="passes over the scanned pages")
    parser.add_argument("--ocr-only", action="store_true", help="measure OCR only")
    parser.add_argument("--print", action="store_true", help="print the sections, do not write them")
    args = parser.parse_args()
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    ocr = ocr_section(args.scans, args.ocr_passes)
    print(ocr, flush=True)
    if not args.print:
        write_section("parse-ocr", ocr)
    if args.ocr_only:
        return

    passes = args.passes
    corpora: dict[str, tuple[Format, list[list[bytes]]]] = {
        "txt (tab_rows)": ("txt", split(documents("tab_rows", args.reports * passes, 1), passes)),
        "html (portal page)": ("html", split(documents("html", args.reports * passes, 2), passes)),
        "docx": ("docx", split(documents("docx", args.binary * passes, 3), passes)),
        "pdf": ("pdf", split(documents("pdf", args.binary * passes, 4), passes)),
    }
    if shutil.which("soffice"):
        corpora["doc (via LibreOffice)"] = ("doc", [[to_doc(d) for d in documents("docx", args.doc, 5)]])
    rows = []
    for name, (format, items) in corpora.items():
        best, median, extracting, per_wall_second = rate(items, format)
        if format == "doc":  # the work happens in LibreOffice's processes, not in this one's CPU time
            best, median, extracting = per_wall_second, per_wall_second, 1.0
        target = TARGETS.get(format)
        met = "" if target is None else ("yes" if best >= target else "no")
        every = [data for chunk in items for data in chunk]
        pages = (
            sum(len(pymupdf.open(stream=d, filetype="pdf")) for d in every) / len(every)
            if format == "pdf"
            else 0
        )
        size = sum(map(len, every)) / len(every) / 1024
        detail = f"{size:.0f} KB" + (f", {pages:.1f} pages" if pages else "")
        rows.append(
            f"| {name} | {len(items)} × {len(items[0])} | {detail} | {best:.1f} | {median:.1f}"
            f" | {extracting:.0%} | {per_wall_second:.1f} | {target or ''} | {met} |"
        )
        print(rows[-1], flush=True)

    slow, fast, page_count = find_tables_per_page(corpora["pdf"][1][0][:5])
    body = [
        "## Parsing (`bench/parse.py`)",
        "",
        stamp(),
        "Generated reports (both templates, random layouts and styles, some blank cells), parsed with",
        "`indexer.documents.parse_bytes` (extraction + parser) in one process pinned to one core. Rates are",
        "per second of this process's CPU time (the machine is shared: wall-clock rates are shown beside),",
        "in passes over reports no earlier pass saw; the best pass is the figure, as the same pass varies",
        "by up to 40% from minute to minute on this shared virtual machine (the median pass is beside it).",
        "*extraction* is the share of that time spent in `indexer.extract`, the rest is the parser.",
        "",
        "| file type | passes × reports | average input | reports/s (CPU, best pass) | median pass"
        " | extraction | reports/s (wall) | target | met |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"PDF tables: PyMuPDF {pymupdf.VersionBind} `page.find_tables()` takes {slow * 1000:.0f} ms of CPU"
        f" a page ({page_count} pages of generated reports; it also mis-read these ruled tables as one",
        "page-wide grid);",
        f"the extractor's own ruled-grid reader takes {fast * 1000:.1f} ms a page including the text, so the",
        "extractor rebuilds tables from the rulings. (PyMuPDF 2.0 was 2–3 s a page and loads an ONNX layout",
        "model on import, 3.5 s; pyproject pins `pymupdf<2`.)",
    ]
    if "doc (via LibreOffice)" in corpora:
        kept, total = converters(corpora["doc (via LibreOffice)"][1][0][0])
        body += [
            "",
            f".doc converters, rows of the 三 table kept whole (label and numbers on one line; of {total})"
            " on a generated report: "
            + "; ".join(f"{name}: {'not installed' if n is None else n}" for name, n in kept.items())
            + ". antiword drops table rows and catdoc splits labels from their numbers, so .doc goes through"
            " LibreOffice (slow: mostly its start-up).",
        ]
    if not args.print:
        write_section("parse", "\n".join(body))
    print("\n".join(body))


if __name__ == "__main__":
    main()
