"""Synthetic reports with known truth, printed in the layouts and file types found in the wild.

    rng = random.Random(7)
    report = random_report(rng, template="2021", break_rule="balance", blank_cells=2)
    data = render(report, "html")          # bytes of a portal page
    FORMATS["html"]                        # "html": the file type to parse it as
    report.truth                           # a govreports.model.Report: numbers, identity, checks
    messy = random_report(rng, realism=Realism.ALL)  # real-world quirks (realism.py), off by default

Used by the parser's property tests, the crawler's fixture portal and `govreports demo`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from indexer.synthetic.numbers import RULES, Rule
from indexer.synthetic.realism import Realism
from indexer.synthetic.report import Style, SyntheticReport, random_report
from indexer.synthetic.vocabulary import TOPICS

# Layout -> the file type its bytes are (the `format` to parse them as).
FORMATS: Final[dict[str, str]] = {
    "cell_per_line": "txt",
    "tab_rows": "txt",
    "pipes": "txt",
    "html": "html",
    "html_gbk": "html",
    "docx": "docx",
    "pdf": "pdf",
}
LAYOUTS: Final[tuple[str, ...]] = tuple(FORMATS)


def _renderer(layout: str) -> Callable[[SyntheticReport], bytes]:
    # Imported on use: the docx and pdf renderers load heavy libraries.
    if layout in ("cell_per_line", "tab_rows", "pipes"):
        from indexer.synthetic import render_text

        renderer: Callable[[SyntheticReport], bytes] = getattr(render_text, layout)
        return renderer
    if layout in ("html", "html_gbk"):
        from indexer.synthetic import render_html

        renderer = getattr(render_html, layout)
        return renderer
    if layout == "docx":
        from indexer.synthetic import render_docx

        return render_docx.render
    if layout == "pdf":
        from indexer.synthetic import render_pdf

        return render_pdf.render
    raise ValueError(f"unknown layout {layout!r}; expected one of {', '.join(LAYOUTS)}")


def render(report: SyntheticReport, layout: str) -> bytes:
    """The bytes of `report` printed in `layout` (one of LAYOUTS)."""
    return _renderer(layout)(report)


__all__ = [
    "FORMATS",
    "LAYOUTS",
    "RULES",
    "TOPICS",
    "Realism",
    "Rule",
    "Style",
    "SyntheticReport",
    "random_report",
    "render",
]
