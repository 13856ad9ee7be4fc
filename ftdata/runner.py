"""The runner: scans files block by block, in this process or in forked worker processes, in file order.

Plain files are cut into byte ranges at line ends (``reader.read_blocks``); each block is scanned on its
own with its lines numbered from 1, and the partial results are merged in file order, shifted by the lines
before them, so the answers do not depend on how many processes did the work.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import signal
import sys
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from ftdata import openmodels
from ftdata.errors import FtdataError, RuleCrashError
from ftdata.formats import detect_format
from ftdata.plan import Plan
from ftdata.reader import BLOCK_BYTES, Block, LineIssue, Record, parse_block, read_blocks
from ftdata.scan import FileScan, Partial
from ftdata.vocabulary import FileRole, Format, Method

_WORKER_PLANS: dict[int, Plan] = {}  # plans of the current run, inherited by forked worker processes
PARALLEL_MIN_BLOCKS = 3  # smaller files are scanned in-process: starting workers would cost more
MAX_WORKERS = 256  # however many jobs are asked for


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _scan_block(key: int, name: str, role: FileRole, file_format: Format | None, block: Block) -> Partial:
    """Scan one block of a file (in a worker process, or in-process), its lines numbered from 1."""
    plan = _WORKER_PLANS[key]
    scan = FileScan(plan, name, role, file_format)
    scan.feed(parse_block(block, max_line_bytes=plan.max_line_bytes))
    scan.partial.line_count = scan.partial.facts.lines  # every line of a block yields an item at its number
    scan.partial.facts.bytes = block.offset + block.length  # where the file has been read to (facts keep the max)
    return scan.partial


def _start_worker(parent: int) -> None:
    """In each worker: Ctrl-C is the main process's to handle (it stops the workers), and a worker ends
    when the main process does, however it ends (Linux: the parent-death signal)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    openmodels.IN_WORKER = True
    for signum in (signal.SIGTERM, signal.SIGHUP):  # not the main process's handlers: a worker just ends
        signal.signal(signum, signal.SIG_DFL)

    import ctypes  # here: only a worker needs it

    with contextlib.suppress(AttributeError, OSError):  # not Linux: no parent-death signal
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # pragma: no cover - the main process ended before the signal was set
        os._exit(1)


Task = tuple[int, str, FileRole, "Format | None", Block]


class Runner:
    """Scans files block by block, in this process or in a pool of worker processes, in file order.

    Workers are forked once per run and inherit the prepared plans (rules, encodings), so nothing heavy
    is sent to them; at most ``2 × workers`` blocks are in flight, so memory stays flat. If workers cannot
    be started (``fork`` fails), the run goes on in this process, with a notice on stderr.
    """

    def __init__(self, plans: Sequence[Plan], jobs: int | None = None) -> None:
        self.jobs = min(MAX_WORKERS, max(1, jobs if jobs is not None else default_jobs()))
        if self.jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
            self.jobs = 1  # pragma: no cover - workers inherit plans by forking; elsewhere run in-process
        for plan in plans:
            _WORKER_PLANS[id(plan)] = plan
        self._plans = list(plans)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if self._pool is not None and kind is None:
            self._pool.shutdown(wait=True)
        elif self._pool is not None:
            # Stopped (a signal, an error): the workers' work is not wanted. They are ended, and the pool is
            # left as it is: a signal may have come while it held its locks, and shutting it down could wait
            # for ever. (A worker forked a moment too late for this ends with the process: parent-death signal.)
            for process in list(getattr(self._pool, "_processes", {}).values()):
                with contextlib.suppress(OSError, ValueError):
                    process.terminate()
        for plan in self._plans:
            _WORKER_PLANS.pop(id(plan), None)

    def scan(
        self,
        plan: Plan,
        name: str,
        role: FileRole = "training",
        progress: Callable[[int], None] | None = None,
        label: str | None = None,
        rows: Callable[[list[tuple[int, Any]]], None] | None = None,
    ) -> FileScan:
        """Scan one file (``label``: the name it is reported as, e.g. for stdin); returns the merged scan.
        ``rows`` is given each part's rows (the plan's ``keep_rows``) in file order, as they are merged;
        the scan does not keep them."""
        path, name = name, label or name
        scan = FileScan(plan, name, role)
        blocks = read_blocks(path, block_bytes=BLOCK_BYTES, progress=progress, max_line_bytes=plan.max_line_bytes)
        head = list(itertools.islice(blocks, PARALLEL_MIN_BLOCKS))
        parallel = self.jobs > 1 and len(head) == PARALLEL_MIN_BLOCKS
        workers = self._workers_for(path) if parallel else 1
        # A block in flight (its task, and a worker's future or the in-process result), or a reader issue.
        pending: deque[tuple[Task, Future[Partial] | Partial] | LineIssue] = deque()
        file_format: Format | None = None
        lines_before = 0

        def merge(slot: tuple[Task, Future[Partial] | Partial] | LineIssue) -> None:
            nonlocal lines_before
            try:
                if isinstance(slot, LineIssue):  # a reader issue between blocks: its line is after the blocks before
                    issue = FileScan(plan, name, role, file_format)
                    issue.line_issue(slot)
                    partial = issue.partial
                else:
                    task, outcome = slot
                    partial = self._result(task, outcome) if isinstance(outcome, Future) else outcome
            except RuleCrashError as exc:
                raise exc.shifted(lines_before) from None
            shifted = partial.shifted(lines_before)
            if rows is not None:
                rows(shifted.rows)
            shifted.rows = []
            scan.merge(shifted)
            lines_before += partial.line_count
            if progress is not None and not isinstance(slot, LineIssue) and slot[0][4].path is not None:
                block = slot[0][4]  # a plain file's byte range: checked up to its end (streams tell as read)
                progress(block.offset + block.length)

        for block in itertools.chain(head, blocks):
            if isinstance(block, LineIssue):
                pending.append(block)
            else:
                file_format = file_format or first_format(block, plan.target.method, plan.max_line_bytes)
                task: Task = (id(plan), name, role, file_format, block)
                future = self._submit(task, workers) if parallel else None
                if future is not None:
                    pending.append((task, future))
                else:
                    parallel = False
                    try:
                        pending.append((task, _scan_block(*task)))
                    except RuleCrashError as exc:  # in-process, every block before this one is merged
                        raise exc.shifted(lines_before) from None
            while len(pending) > 2 * workers or (
                pending and not (isinstance(pending[0], tuple) and isinstance(pending[0][1], Future))
            ):
                merge(pending.popleft())
        while pending:
            merge(pending.popleft())
        return scan

    def _workers_for(self, name: str) -> int:
        """No more workers than the file has blocks (a stream's size is not known: as many as asked)."""
        try:
            size = os.stat(name).st_size if name != "-" else 0
        except OSError:
            size = 0
        blocks = size // BLOCK_BYTES + 1 if size else self.jobs
        return max(1, min(self.jobs, blocks))

    def _submit(self, task: Task, workers: int) -> Future[Partial] | None:
        """The task sent to a worker; None when no worker can be started (the caller scans it in-process)."""
        try:
            if self._pool is None:
                # the tokenizers library warns in every forked worker once its own threads have run; the
                # workers are the parallelism here
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                self._pool = ProcessPoolExecutor(
                    workers,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=_start_worker,
                    initargs=(os.getpid(),),
                )
            return self._pool.submit(_scan_block, *task)
        except BrokenProcessPool as exc:  # a worker died since the last block was sent
            raise _worker_died(task, exc) from None
        except OSError as exc:  # fork failed: no worker to be had
            self._give_up_workers(f"cannot start worker processes ({exc}); checking in this process, on one core")
            return None

    def _give_up_workers(self, why: str) -> None:
        sys.stderr.write(f"ftdata: notice: {why}\n")
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = None
        self.jobs = 1

    def _result(self, task: Task, future: Future[Partial]) -> Partial:
        """A worker's result; a worker that died is named (file and block) and the run stops (exit 2)."""
        try:
            return future.result()
        except FtdataError:
            raise
        except BrokenProcessPool as exc:
            raise _worker_died(task, exc) from None
        except Exception as exc:
            block = task[4]
            raise FtdataError(
                f"{task[1]}: checking the block at byte {block.offset:,} failed in a worker process "
                f"({type(exc).__name__}); run with --jobs 1 to see where, and report it to ftdata's issue tracker"
            ) from exc


def _worker_died(task: Task, exc: BaseException) -> FtdataError:
    block = task[4]
    return FtdataError(
        f"{task[1]}: a worker process died while checking the block at byte {block.offset:,} "
        f"({block.length:,} bytes): {exc}; try again with --jobs 1, and report it if it happens again"
    )


def first_format(block: Block, method: Method | None, max_line_bytes: int) -> Format | None:
    """The format of the first record in a block (a file's format is its first record's)."""
    for item in parse_block(block, max_line_bytes=max_line_bytes):
        if isinstance(item, Record):
            return detect_format(item.data, method)
    return None
