"""The pieces of `govreports index` that need no Elasticsearch: finding files, the journal, progress."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from govreports.errors import GovreportsError
from indexer.run import FileItem, Journal, Progress, find_files, journal_for
from indexer.writer import Outcome


def _tree(root: Path) -> None:
    for name in (
        "a.txt",
        "b.HTML",
        "sub/c.pdf",
        "sub/deeper/d.docx",
        "sub/e.doc",
        "sub/f.htm",
        "notes.md",
        "img.png",
    ):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(name)


def test_folders_are_searched_recursively_for_report_files(tmp_path: Path) -> None:
    _tree(tmp_path)
    found = [item.path.relative_to(tmp_path).as_posix() for item in find_files([tmp_path])]
    # A picture is a report too: OCR reads it (GOVREPORTS_OCR, on by default).
    assert found == ["a.txt", "b.HTML", "img.png", "sub/c.pdf", "sub/deeper/d.docx", "sub/e.doc", "sub/f.htm"]


def test_a_file_named_twice_is_indexed_once(tmp_path: Path) -> None:
    _tree(tmp_path)
    assert len(find_files([tmp_path / "a.txt", tmp_path, tmp_path / "a.txt"])) == 7


@pytest.mark.parametrize(
    ("name", "message"), [("missing.txt", "no such file or folder"), ("notes.md", "not a report file type")]
)
def test_a_bad_path_is_a_clear_error(tmp_path: Path, name: str, message: str) -> None:
    _tree(tmp_path)
    with pytest.raises(GovreportsError, match=message):
        find_files([tmp_path / name])


def test_the_fingerprint_changes_with_the_file(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("一")
    before = find_files([path])[0].fingerprint
    path.write_text("一二")
    assert find_files([path])[0].fingerprint != before


def _items(tmp_path: Path, count: int) -> list[FileItem]:
    return [FileItem(tmp_path / f"{n}.txt", f"fp{n}") for n in range(count)]


def test_a_journal_replays_what_was_done_and_how_it_counted(tmp_path: Path) -> None:
    items = _items(tmp_path, 3)
    journal = journal_for(tmp_path, "paths", paths="x")
    journal.record_done(items[:2], [Outcome("1", "new"), Outcome("2", "revised", previous_sha256="old")])
    again = journal_for(tmp_path, "paths", paths="x")
    assert again.path == journal.path
    assert [again.is_done(item) for item in items] == [True, True, False]
    assert (again.summary.new, again.summary.revised, again.done_count) == (1, 1, 2)
    assert journal_for(tmp_path, "paths", paths="y").done_count == 0  # another command, another journal


def test_a_changed_file_is_not_done_any_more(tmp_path: Path) -> None:
    item = _items(tmp_path, 1)[0]
    journal = journal_for(tmp_path, "paths")
    journal.record_done([item], [Outcome("1", "new")])
    assert not journal_for(tmp_path, "paths").is_done(FileItem(item.path, "changed"))


def test_an_unacknowledged_request_counts_as_planned_when_it_was_written_after_all(tmp_path: Path) -> None:
    journal = journal_for(tmp_path, "paths")
    journal.before_sending(
        [Outcome("a", "new", "sha-a"), Outcome("b", "revised", "sha-b2", previous_sha256="sha-b1")]
    )
    # The run stopped here: Elasticsearch may or may not have written that request.
    resumed = journal_for(tmp_path, "paths")
    written = [Outcome("a", "unchanged", "sha-a"), Outcome("b", "unchanged", "sha-b2")]
    assert [resumed.as_planned_before(o) for o in written] == [
        Outcome("a", "new", "sha-a"),
        Outcome("b", "revised", "sha-b2", previous_sha256="sha-b1"),
    ]
    not_written = Outcome("a", "new", "sha-a")
    assert resumed.as_planned_before(not_written) == not_written
    changed_since = Outcome("a", "unchanged", "sha-other")
    assert resumed.as_planned_before(changed_since) == changed_since


def test_an_unacknowledged_request_is_remembered_until_its_reports_are_done(tmp_path: Path) -> None:
    journal = journal_for(tmp_path, "paths")
    journal.before_sending([Outcome("a", "new", "sha-a"), Outcome("b", "new", "sha-b")])
    resumed = journal_for(tmp_path, "paths")  # resumed with a smaller batch size: a, then b
    resumed.before_sending([Outcome("a", "new", "sha-a")])
    resumed.record_done(_items(tmp_path, 1), [Outcome("a", "new", "sha-a")])
    again = journal_for(tmp_path, "paths")  # stopped once more before b was acknowledged
    assert again.as_planned_before(Outcome("a", "unchanged", "sha-a")).status == "unchanged"
    assert again.as_planned_before(Outcome("b", "unchanged", "sha-b")).status == "new"


def test_an_acknowledged_request_is_not_corrected(tmp_path: Path) -> None:
    journal = journal_for(tmp_path, "paths")
    journal.before_sending([Outcome("a", "new", "sha-a")])
    journal.record_done(_items(tmp_path, 1), [Outcome("a", "new", "sha-a")])
    resumed = journal_for(tmp_path, "paths")
    assert resumed.as_planned_before(Outcome("a", "unchanged", "sha-a")).status == "unchanged"


def test_a_line_cut_short_by_a_crash_is_ignored(tmp_path: Path) -> None:
    journal = journal_for(tmp_path, "paths")
    journal.record_done(_items(tmp_path, 1), [Outcome("0", "new")])
    with journal.path.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"done": {"x": "y"}, "counts": {"new": 1}, "ids": ["x"]})[:20])
    assert journal_for(tmp_path, "paths").summary.new == 1


def test_a_finished_journal_is_gone(tmp_path: Path) -> None:
    journal = journal_for(tmp_path, "paths")
    journal.remember(failures="f.jsonl")
    assert Journal(journal.path, {}).job["failures"] == "f.jsonl"
    journal.finish()
    assert not journal.path.exists()


def test_progress_off_a_terminal_is_plain_lines() -> None:
    stream = io.StringIO()
    progress = Progress(total=10, done=2, stream=stream)
    progress.advance(3)  # the first line comes at once
    progress.advance(5)  # the next only after a pause
    progress.close()
    lines = stream.getvalue().splitlines()
    assert [line.split(",")[0] for line in lines] == ["indexing: 5/10 documents", "indexing: 10/10 documents"]
    assert "\r" not in stream.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ([], "give PATH... or --from-archive or --reindex"),
        (["--reindex", "--from-archive"], "exactly one"),
        (["/no/such/folder"], "no such file or folder: /no/such/folder"),
        (["."], "Elasticsearch does not answer at http://127.0.0.1:9"),
    ],
)
def test_bad_input_gets_one_error_line(arguments: list[str], message: str, tmp_path: Path) -> None:
    # Nothing listens on port 9: arguments are checked before the cluster is asked anything.
    env = {**os.environ, "GOVREPORTS_ES_URL": "http://127.0.0.1:9", "GOVREPORTS_DATA_DIR": str(tmp_path)}
    command = [str(Path(sys.executable).parent / "govreports"), "index", *arguments]
    done = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert message in done.stderr


def test_worker_results_come_each_once_with_failures_among_them(tmp_path: Path) -> None:
    from indexer.run import prepared_results

    seeds = sorted((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("*.txt"))
    for n in range(49):  # more than the two workers hold ahead
        (tmp_path / f"{n:03d}.txt").write_bytes(seeds[n % len(seeds)].read_bytes())
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    items = find_files([tmp_path])
    results = list(prepared_results(items, workers=2))
    assert sorted(result.item.key for result in results) == sorted(item.key for item in items)
    assert [Path(result.item.key).name for result in results if result.prepared is None] == ["broken.pdf"]
