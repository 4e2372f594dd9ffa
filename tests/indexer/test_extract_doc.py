"""Legacy .doc extraction through LibreOffice, and .doc files that are really something else."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from govreports.errors import ExtractionError
from indexer.documents import parse_bytes, parse_file
from indexer.extract import doc, docx
from indexer.synthetic import random_report, render

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None and os.environ.get("CI") != "true",
    reason="LibreOffice (Debian libreoffice-writer-nogui) is not installed; CI installs it",
)


@pytest.fixture(scope="module")
def report_docx() -> bytes:
    return render(random_report(random.Random(8), template="2021", blank_cells=2), "docx")


def saved_by_libreoffice(report_docx: bytes, format: str, folder: Path) -> bytes:
    """The DOCX saved by LibreOffice in another format (`doc`, `rtf`)."""
    (folder / "report.docx").write_bytes(report_docx)
    subprocess.run(
        [
            doc.soffice(), "--headless", f"-env:UserInstallation={(folder / 'profile').as_uri()}",
            "--convert-to", format, "--outdir", str(folder), str(folder / "report.docx"),
        ],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    return (folder / f"report.{format}").read_bytes()


@pytest.mark.slow
@needs_libreoffice
def test_doc_reads_like_the_docx_it_was_saved_from(report_docx: bytes, tmp_path: Path) -> None:
    data = saved_by_libreoffice(report_docx, "doc", tmp_path)
    assert data.startswith(doc.OLE_MAGIC)
    assert doc.extract(data).text == docx.extract(report_docx).text


@pytest.mark.slow
@needs_libreoffice
def test_an_rtf_saved_as_doc_reads_like_its_docx(report_docx: bytes, tmp_path: Path) -> None:
    saved_as_doc = tmp_path / "年报.doc"
    saved_as_doc.write_bytes(saved_by_libreoffice(report_docx, "rtf", tmp_path))

    report = parse_file(saved_as_doc)

    assert report.format == "doc"
    assert report.text == parse_bytes(report_docx, format="docx").text
    assert report.applications == parse_bytes(report_docx, format="docx").applications


def test_a_doc_that_is_really_a_docx(report_docx: bytes) -> None:
    assert doc.extract(report_docx).text == docx.extract(report_docx).text


def test_a_doc_that_is_really_a_web_page() -> None:
    page = "<html><body><div><p>一、总体情况</p><table><tr><td>规章</td><td>0</td></tr></table></div></body>"
    assert doc.extract(page.encode("gbk")).text == "一、总体情况\n规章\t0"


@pytest.mark.parametrize("data", [b"\x00\x01junk" * 100, b"%PDF-1.4 not a doc"])
def test_other_bytes_are_refused(data: bytes) -> None:
    with pytest.raises(ExtractionError, match="not a Word document"):
        doc.extract(data)


def test_missing_converter_names_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH where no soffice lives
    with pytest.raises(ExtractionError, match="libreoffice-writer-nogui"):
        doc.extract(doc.OLE_MAGIC + doc.WORD_STREAM + b"\x00" * 512)


@pytest.mark.parametrize("data", [doc.OLE_MAGIC + bytes(range(256)) * 8, doc.OLE_MAGIC + b"Workbook"])
def test_ole_files_without_a_word_stream_are_refused(data: bytes) -> None:
    # Junk or an Excel file: LibreOffice would "convert" them to garbage text.
    with pytest.raises(ExtractionError, match="WordDocument"):
        doc.extract(data)
