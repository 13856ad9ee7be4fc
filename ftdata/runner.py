"""The runner: scans files block by block, in this process or in forked worker processes, in file order.

Plain files are cut into byte ranges at line ends (``reader.read_blocks``); each block is scanned on its
own with its lines numbered from 1, and the partial results are merged in file order, shifted by the lines
before them, so the answers do not depend on how many processes did the work.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor

from ftdata.errors import RuleCrashError
from ftdata.formats import detect_format
from ftdata.plan import Plan
from ftdata.reader import BLOCK_BYTES, Block, LineIssue, Record, parse_block, read_blocks
from ftdata.scan import FileScan, Partial
from ftdata.vocabulary import FileRole, Format, Method

_WORKER_PLANS: dict[int, Plan] = {}  # plans of the current run, inherited by forked worker processes
PARALLEL_MIN_BLOCKS = 3  # smaller files are scanned in-process: starting workers would cost more


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
    return scan.partial


class Runner:
    """Scans files block by block, in this process or in a pool of worker processes, in file order.

    Workers are forked once per run and inherit the prepared plans (rules, encodings), so nothing heavy
    is sent to them; at most ``2 × jobs`` blocks are in flight, so memory stays flat.
    """

    def __init__(self, plans: Sequence[Plan], jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        if self.jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
            self.jobs = 1  # pragma: no cover - workers inherit plans by forking; elsewhere run in-process
        for plan in plans:
            _WORKER_PLANS[id(plan)] = plan
        self._plans = list(plans)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        for plan in self._plans:
            _WORKER_PLANS.pop(id(plan), None)

    def scan(
        self, plan: Plan, name: str, role: FileRole = "training", progress: Callable[[int], None] | None = None
    ) -> FileScan:
        """Scan one file; returns the merged scan, for :func:`ftdata.judge.judge`."""
        scan = FileScan(plan, name, role)
        blocks = read_blocks(name, block_bytes=BLOCK_BYTES, progress=progress, max_line_bytes=plan.max_line_bytes)
        head = list(itertools.islice(blocks, PARALLEL_MIN_BLOCKS))
        parallel = self.jobs > 1 and len(head) == PARALLEL_MIN_BLOCKS
        pending: deque[Future[Partial] | Partial | LineIssue] = deque()
        file_format: Format | None = None
        lines_before = 0

        def merge(slot: Future[Partial] | Partial | LineIssue) -> None:
            nonlocal lines_before
            try:
                if isinstance(slot, LineIssue):  # a reader issue between blocks: its line is after the blocks before
                    issue = FileScan(plan, name, role, file_format)
                    issue.line_issue(slot)
                    partial = issue.partial
                else:
                    partial = slot.result() if isinstance(slot, Future) else slot
            except RuleCrashError as exc:
                raise exc.shifted(lines_before) from None
            scan.merge(partial.shifted(lines_before))
            lines_before += partial.line_count

        for block in itertools.chain(head, blocks):
            if isinstance(block, LineIssue):
                pending.append(block)
            else:
                file_format = file_format or first_format(block, plan.target.method, plan.max_line_bytes)
                task = (id(plan), name, role, file_format, block)
                if parallel:
                    pending.append(self._pool_for().submit(_scan_block, *task))
                else:
                    try:
                        pending.append(_scan_block(*task))
                    except RuleCrashError as exc:  # in-process, every block before this one is merged
                        raise exc.shifted(lines_before) from None
            while len(pending) > 2 * self.jobs or (pending and not isinstance(pending[0], Future)):
                merge(pending.popleft())
        while pending:
            merge(pending.popleft())
        return scan

    def _pool_for(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        return self._pool


def first_format(block: Block, method: Method | None, max_line_bytes: int) -> Format | None:
    """The format of the first record in a block (a file's format is its first record's)."""
    for item in parse_block(block, max_line_bytes=max_line_bytes):
        if isinstance(item, Record):
            return detect_format(item.data, method)
    return None
