"""Limits per document: each one is parsed in a worker process under a wall clock and a memory limit.

Every path that parses documents (`govreports parse`, `index`, the crawl importer,
and so `watch`) runs its job through `run_limited`. A thread of the parent, the
watchdog, hands documents to worker processes (each has its next one waiting, so it
never idles) and watches the one each is parsing: past its wall-clock limit, or with
its resident memory (the worker's and its helpers', LibreOffice included) past its
memory limit, the worker's whole
process tree is killed and replaced, the document comes back as failed with
`ParseStopped` (`parse_timeout`, `parse_memory`), and the others carry on.

Resident memory, not address space: ONNX Runtime and OpenBLAS reserve large virtual
ranges they never touch, so an address-space limit would fail good documents.

A worker first says how big its document is (`Announce`): the limits grow with its
pages (PyMuPDF's page count for a PDF, the size for the other formats), because a
long scanned report legitimately takes minutes. Until then the one-page limits hold.
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from govreports.errors import GovreportsError
from govreports.lifetime import die_with_parent, kill_tree, resident_bytes, sendable

if TYPE_CHECKING:
    from govreports.settings import Settings

MB = 1024 * 1024
# The largest document anything accepts: the crawler downloads no more, the extractors read no more.
MAX_DOCUMENT_BYTES = 100 * MB
# Pages counted at most: the PDF extractor reads no more than its first 500.
MAX_PAGES = 500
# Bytes a report page takes in each format that has no page count (typical reports, rounded down).
BYTES_PER_PAGE = {"txt": 3_000, "html": 10_000, "docx": 10_000, "doc": 30_000, "image": 300_000}
# How often the watchdog looks at a document in progress.
POLL_SECONDS = 0.05
# How long a worker asked to stop may take before it is killed.
CLOSE_SECONDS = 5.0
# How long a new worker may take to start (imports, the segmenter's dictionary) before it is killed.
STARTUP_SECONDS = 120.0

Reason = Literal["parse_timeout", "parse_memory", "parse_crashed", "deadline"]
T = TypeVar("T")
R = TypeVar("R")
# Called by a job once it has a document's bytes and format: the limits are scaled to them.
Announce = Callable[[bytes, str], None]
# One document's work, run in a worker: its value goes back to the parent (it must pickle).
Job = Callable[[T, Announce], R]


class ParseStopped(GovreportsError):
    """The watchdog stopped a document's parse: over a limit, the worker died, or time was up."""

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail

    def __reduce__(self) -> tuple[Any, ...]:
        return (ParseStopped, (self.reason, self.detail))


@dataclass(frozen=True)
class Budget:
    seconds: float
    memory_bytes: int


@dataclass(frozen=True)
class ParseLimits:
    """The limits of one document: a base, plus so much per page."""

    seconds: float = 60.0
    seconds_per_page: float = 5.0
    memory_mb: int = 1024
    memory_mb_per_page: int = 4

    @classmethod
    def from_settings(cls, settings: Settings) -> ParseLimits:
        return cls(
            seconds=settings.parse_timeout,
            seconds_per_page=settings.parse_timeout_per_page,
            memory_mb=settings.parse_memory,
            memory_mb_per_page=settings.parse_memory_per_page,
        )

    def for_pages(self, pages: int) -> Budget:
        return Budget(
            seconds=self.seconds + self.seconds_per_page * pages,
            memory_bytes=(self.memory_mb + self.memory_mb_per_page * pages) * MB,
        )

    def for_document(self, data: bytes, format: str) -> Budget:
        return self.for_pages(page_count(data, format))


def page_count(data: bytes, format: str) -> int:
    """Pages of the document, 1 to `MAX_PAGES`: counted in a PDF, estimated from the size otherwise."""
    if format == "pdf":
        pages = _pdf_pages(data)
    else:
        pages = math.ceil(len(data) / BYTES_PER_PAGE.get(format, BYTES_PER_PAGE["txt"]))
    return min(max(pages, 1), MAX_PAGES)


def _pdf_pages(data: bytes) -> int:
    import pymupdf

    try:
        with pymupdf.open(stream=data, filetype="pdf") as document:
            return int(document.page_count)
    except Exception:  # an unreadable PDF: the extractor says why, within the one-page limits
        return 1


def describe(error: BaseException) -> str:
    """One line for a failures list: the reason code first for a stopped parse, the type otherwise."""
    return str(error) if isinstance(error, ParseStopped) else f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Finished(Generic[T, R]):
    """A task and what came of it: the job's value, or the exception it raised (or ParseStopped)."""

    task: T
    value: R | None = None
    error: Exception | None = None


class TaskFeed(Generic[T]):
    """Tasks that arrive while `run_limited` runs (a crawl's documents, as they are fetched).

    `put` them from one thread, then `close`: the run ends once the last one is done.
    """

    def __init__(self) -> None:
        self._tasks: list[T] = []
        self.closed = False

    def put(self, task: T) -> None:
        self._tasks.append(task)

    def close(self) -> None:
        self.closed = True

    def __len__(self) -> int:
        return len(self._tasks)

    def __getitem__(self, index: int) -> T:
        return self._tasks[index]


def _all_given(tasks: Sequence[T] | TaskFeed[T]) -> bool:
    """No task will be added: a sequence's are all there, a feed's once it is closed."""
    return not isinstance(tasks, TaskFeed) or tasks.closed


def run_limited(
    job: Job[T, R],
    tasks: Sequence[T] | TaskFeed[T],
    *,
    limits: ParseLimits,
    workers: int,
    ahead: int = 0,
    initializer: Callable[[], None] | None = None,
    deadline: float | None = None,
    in_order: bool = True,
) -> Iterator[Finished[T, R]]:
    """`job` over `tasks` on up to `workers` processes, each task under `limits`; results in order.

    Up to `ahead` tasks (at least three a worker) are done before they are asked for, so
    the workers keep going while the caller is busy. `job`, `initializer` and the tasks
    must pickle (module-level functions). Tasks not started by `deadline` (a
    `time.monotonic()` value) come back failed with the reason `deadline`. With a `TaskFeed`,
    results come as its tasks arrive, until it is closed. `in_order=False`: results as they
    finish, so one slow task holds back no other.
    """
    if not tasks and _all_given(tasks):
        return
    most = workers if isinstance(tasks, TaskFeed) else min(workers, len(tasks))
    watchdog = _Watchdog(
        job, tasks, limits, workers=max(1, most), window=max(3 * workers, ahead),
        initializer=initializer, deadline=deadline, in_order=in_order,
    )
    watchdog.start()
    try:
        yield from watchdog.results()
    finally:
        watchdog.stop()


# --- the parent side ---------------------------------------------------------------------


@dataclass(eq=False)
class _Worker:
    process: BaseProcess
    connection: Connection
    base: Budget  # the one-page limits, until the worker says how big its document is
    budget: Budget
    # Tasks handed to it, in order: the first is in progress, the next waits in the pipe so the
    # worker never idles waiting for the parent between two documents.
    queue: deque[int] = field(default_factory=deque)
    started: float = field(default_factory=time.monotonic)  # the task's clock, or the worker's start-up
    memory_checked: float = 0.0
    ready: bool = False  # started up: its first task's clock runs from then, not from the spawn

    @property
    def pid(self) -> int:
        assert self.process.pid is not None, "a worker is started before it is used"
        return self.process.pid

    def give(self, sequence: int, task: object) -> None:
        self.connection.send((sequence, task))
        if not self.queue and self.ready:
            self.started, self.budget = time.monotonic(), self.base
        self.queue.append(sequence)

    def next_task(self) -> int:
        """The task in progress is done: the next one's clock starts now."""
        self.started, self.budget = time.monotonic(), self.base
        return self.queue.popleft()

    def over_limit(self) -> ParseStopped | None:
        elapsed = time.monotonic() - self.started
        if not self.ready:
            if elapsed > STARTUP_SECONDS:
                return ParseStopped("parse_crashed", f"the parsing process did not start in {elapsed:.0f} s")
            return None
        if elapsed > self.budget.seconds:
            return ParseStopped("parse_timeout", f"still parsing after {elapsed:.1f} s "
                                f"(limit {self.budget.seconds:.0f} s for this document)")
        now = time.monotonic()
        if now - self.memory_checked < POLL_SECONDS:  # /proc is read at most once a poll
            return None
        self.memory_checked = now
        resident = resident_bytes(self.pid)
        if resident > self.budget.memory_bytes:
            return ParseStopped("parse_memory", f"{resident / MB:.0f} MB resident "
                                f"(limit {self.budget.memory_bytes / MB:.0f} MB for this document)")
        return None

    def kill(self) -> None:
        if self.process.is_alive():  # not reaped yet, so its pid is still its own
            kill_tree(self.pid)
        self.process.join()
        self.connection.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.connection.send(None)
        self.process.join(CLOSE_SECONDS)
        self.kill()  # whatever is left of it (nothing, normally)


@dataclass
class _Watchdog(Generic[T, R]):
    job: Job[T, R]
    tasks: Sequence[T] | TaskFeed[T]
    limits: ParseLimits
    workers: int
    window: int
    initializer: Callable[[], None] | None
    deadline: float | None
    in_order: bool = True
    done: dict[int, Finished[T, R]] = field(default_factory=dict)
    consumed: int = 0  # tasks handed to the caller
    failure: BaseException | None = None  # the watchdog's own, raised in the caller
    stopping: bool = False
    condition: threading.Condition = field(default_factory=threading.Condition)
    thread: threading.Thread | None = None
    following: int = 0  # the next task never handed out
    again: deque[int] = field(default_factory=deque)  # tasks queued behind one that was stopped

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="parse-watchdog", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        with self.condition:
            self.stopping = True
            self.condition.notify_all()
        if self.thread is not None:
            self.thread.join()

    def results(self) -> Iterator[Finished[T, R]]:
        sequence = 0
        while sequence < len(self.tasks) or not _all_given(self.tasks):
            with self.condition:
                while not self._ready(sequence) and self.failure is None:
                    if sequence >= len(self.tasks) and _all_given(self.tasks):
                        return  # a feed closed with no task beyond those already handed back
                    # A feed's next task may not have arrived: look again within a poll.
                    self.condition.wait(None if _all_given(self.tasks) else POLL_SECONDS)
                if not self._ready(sequence) and self.failure is not None:
                    raise self.failure
                finished = self.done.pop(sequence if self.in_order else next(iter(self.done)))
                self.consumed = sequence + 1
                self.condition.notify_all()
            sequence += 1
            yield finished

    def _ready(self, sequence: int) -> bool:
        """Whether the caller's next result is here: the `sequence`th task's, or (out of order) any."""
        return sequence in self.done if self.in_order else bool(self.done)

    # --- the watchdog thread ---

    def _run(self) -> None:
        # Workers are started by this thread and die with it (PR_SET_PDEATHSIG is per thread).
        pool: list[_Worker] = []
        try:
            self._supervise(pool)
        except BaseException as error:
            with self.condition:
                self.failure = error
                self.condition.notify_all()
        finally:
            for worker in pool:
                if worker.queue:
                    worker.kill()
                else:
                    worker.close()

    def _supervise(self, pool: list[_Worker]) -> None:
        while not self.stopping:
            self._hand_out(pool)
            busy = {worker.connection: worker for worker in pool if worker.queue}
            if not busy:
                if self.following == len(self.tasks) and not self.again and _all_given(self.tasks):
                    return
                with self.condition:  # the caller is behind: wait until it takes a result
                    self.condition.wait(POLL_SECONDS)
                continue
            for connection in wait(list(busy), timeout=POLL_SECONDS):
                self._receive(pool, busy[connection])  # type: ignore[index]
            for worker in busy.values():
                if worker in pool and worker.queue and (stopped := worker.over_limit()) is not None:
                    self._replace(pool, worker, stopped)

    def _hand_out(self, pool: list[_Worker]) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            self._too_late()
            return
        with self.condition:
            allowed = min(len(self.tasks), self.consumed + self.window)
        while self.again or self.following < allowed:
            worker = self._least_busy(pool)
            if worker is None:
                return
            sequence = self.again.popleft() if self.again else self.following
            try:
                worker.give(sequence, self.tasks[sequence])
            except OSError:  # it died while idle: another one takes the task
                self.again.appendleft(sequence)
                worker.kill()
                pool.remove(worker)
                continue
            if sequence == self.following:
                self.following += 1

    def _least_busy(self, pool: list[_Worker]) -> _Worker | None:
        """An idle worker, else a new one, else one with a single task (two at most each)."""
        idle = [worker for worker in pool if not worker.queue]
        if idle:
            return idle[0]
        if len(pool) < self.workers:
            pool.append(self._start_worker())
            return pool[-1]
        return next((worker for worker in pool if len(worker.queue) < 2), None)

    def _too_late(self) -> None:
        late = ParseStopped("deadline", "not parsed: the run's time was up before it started")
        for sequence in [*self.again, *range(self.following, len(self.tasks))]:
            self._finish(sequence, Finished(self.tasks[sequence], error=late))
        self.again.clear()
        self.following = len(self.tasks)

    def _start_worker(self) -> _Worker:
        context = get_context("spawn")
        parent_end, child_end = context.Pipe()
        process = context.Process(
            target=_serve,
            args=(child_end, self.job, self.limits, self.initializer, os.getpid()),
            name="govreports-parse",
            daemon=True,
        )
        process.start()
        child_end.close()
        base = self.limits.for_pages(1)
        return _Worker(process, parent_end, base, base)

    def _receive(self, pool: list[_Worker], worker: _Worker) -> None:
        try:
            kind, payload = worker.connection.recv()
        except (EOFError, OSError):
            worker.process.join(CLOSE_SECONDS)
            self._replace(pool, worker, ParseStopped("parse_crashed", _death(worker.process)))
            return
        if kind == "ready":
            worker.ready, worker.started = True, time.monotonic()
        elif kind == "budget":
            worker.budget = payload
        else:
            sequence = worker.next_task()
            task = self.tasks[sequence]
            finished = Finished(task, value=payload) if kind == "value" else Finished(task, error=payload)
            self._finish(sequence, finished)

    def _replace(self, pool: list[_Worker], worker: _Worker, stopped: ParseStopped) -> None:
        """Kill the worker (a new one starts when there is work), fail its document, requeue the next."""
        worker.kill()
        pool.remove(worker)
        sequence = worker.queue.popleft()
        self._finish(sequence, Finished(self.tasks[sequence], error=stopped))
        self.again.extend(worker.queue)
        worker.queue.clear()

    def _finish(self, sequence: int, finished: Finished[T, R]) -> None:
        with self.condition:
            self.done[sequence] = finished
            self.condition.notify_all()


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        name = signal.Signals(-code).name
        hint = " (out of memory?)" if -code == signal.SIGKILL else ""
        return f"the parsing process was killed by {name}{hint}"
    return f"the parsing process died (exit status {code})"


# --- the worker side ---------------------------------------------------------------------


def _serve(
    connection: Connection,
    job: Job[Any, Any],
    limits: ParseLimits,
    initializer: Callable[[], None] | None,
    parent: int,
) -> None:
    """A worker's life: tasks in, values (or exceptions) out, until told to stop or the parent dies."""
    die_with_parent(parent)
    # Its own process group: a terminal's Ctrl-C reaches the parent, which decides for it.
    os.setpgid(0, 0)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()
    connection.send(("ready", None))

    def announce(data: bytes, format: str) -> None:
        connection.send(("budget", limits.for_document(data, format)))

    while True:
        try:
            message = connection.recv()
        except EOFError:
            return
        if message is None:
            return
        _, task = message
        try:
            reply: tuple[str, Any] = ("value", job(task, announce))
        except Exception as error:  # this document's failure, sent back for its caller to word
            reply = ("error", sendable(error))
        try:
            connection.send(reply)
        except Exception as error:  # a value that does not pickle
            connection.send(("error", RuntimeError(f"{type(error).__name__}: {error}")))
