"""The crawl state store (a real SQLite file) and the pure pieces around it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.middlewares import backoff_seconds
from crawler.state import CrawlState, Known, conditional_headers
from govreports.errors import GovreportsError

T0 = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_a_document_is_remembered_with_its_validators(tmp_path: Path) -> None:
    with CrawlState.in_data_dir(tmp_path) as state:
        assert state.known("http://x/a.pdf") is None
        first = state.remember_document("http://x/a.pdf", site="x", sha256="aa", format="pdf", etag='"e1"',
                                        last_modified="Tue, 02 Jan 2024 08:00:00 GMT", fetched_at=T0)
    with CrawlState.in_data_dir(tmp_path) as reopened:
        known = reopened.known("http://x/a.pdf")
    assert first == T0
    assert known == Known(url="http://x/a.pdf", kind="document", etag='"e1"',
                          last_modified="Tue, 02 Jan 2024 08:00:00 GMT", sha256="aa", format="pdf",
                          first_seen_at=T0)


def test_first_seen_survives_a_refetch(tmp_path: Path) -> None:
    later = T0 + timedelta(days=30)
    with CrawlState.in_data_dir(tmp_path) as state:
        state.remember_document("http://x/a", site="x", sha256="aa", format="html", etag=None,
                                last_modified=None, fetched_at=T0)
        first_seen = state.remember_document("http://x/a", site="x", sha256="bb", format="html", etag='"e2"',
                                             last_modified=None, fetched_at=later)
        known = state.known("http://x/a")
    assert first_seen == T0
    assert known is not None and (known.sha256, known.etag) == ("bb", '"e2"')


def test_a_stub_page_remembers_its_attachments(tmp_path: Path) -> None:
    with CrawlState.in_data_dir(tmp_path) as state:
        state.remember_stub("http://x/t1.html", site="x", attachments=["http://x/P01.pdf"], etag='"s"',
                            last_modified=None, fetched_at=T0)
        known = state.known("http://x/t1.html")
    assert known is not None
    assert (known.kind, known.attachments, known.sha256) == ("stub", ["http://x/P01.pdf"], None)


def test_deliveries_are_kept_per_sink(tmp_path: Path) -> None:
    with CrawlState.in_data_dir(tmp_path) as state:
        state.mark_delivered("http://x/a", sink="jsonl:/out", sha256="aa", at=T0)
        state.mark_delivered("http://x/a", sink="jsonl:/out", sha256="bb", at=T0)
        assert state.delivered("http://x/a", "jsonl:/out") == "bb"
        assert state.delivered("http://x/a", "es:http://127.0.0.1:9200/govreports") is None


def test_an_unusable_state_path_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(GovreportsError, match="cannot open the crawl state"):
        CrawlState(blocker / "crawl-state.sqlite3")


@pytest.mark.parametrize(
    ("etag", "modified", "headers"),
    [
        ('"e"', "Tue, 02 Jan 2024 08:00:00 GMT",
         {"If-None-Match": '"e"', "If-Modified-Since": "Tue, 02 Jan 2024 08:00:00 GMT"}),
        ('"e"', None, {"If-None-Match": '"e"'}),
        (None, "Tue, 02 Jan 2024 08:00:00 GMT", {"If-Modified-Since": "Tue, 02 Jan 2024 08:00:00 GMT"}),
        (None, None, {}),
    ],
)
def test_conditional_headers(etag: str | None, modified: str | None, headers: dict[str, str]) -> None:
    known = Known(url="u", kind="document", etag=etag, last_modified=modified, sha256="s", format="pdf",
                  first_seen_at=T0)
    assert conditional_headers(known) == headers


def test_nothing_known_nothing_conditional() -> None:
    assert conditional_headers(None) == {}


@pytest.mark.parametrize(
    ("attempt", "base", "seconds"),
    [(0, 5.0, 0.0), (1, 5.0, 5.0), (2, 5.0, 10.0), (3, 5.0, 20.0), (30, 5.0, 120.0), (2, 0.0, 0.0)],
)
def test_retry_backoff_doubles_up_to_a_cap(attempt: int, base: float, seconds: float) -> None:
    assert backoff_seconds(attempt, base) == seconds
