"""Per-example token counts: what ``ftdata tokens`` prints, one row per example.

Each example is counted the way the target counts it — an open-weight model's examples rendered with its own
chat template and tokenizer (:mod:`ftdata.openmodels`), an OpenAI model's with the API's recipe — and, with a
maximum length (a trainer's, or ``--max-length``), how much of it the trainer keeps: the start, up to that
length (``kept_tokens``, ``kept_trained_tokens``), or nothing when the trainer drops over-long examples.
Rows stream out as the file is read — counted in blocks by the engine that lint uses (worker processes on
large files, an open model's records rendered and encoded in batches) — and only histograms are kept.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ftdata.reader import display_path
from ftdata.ruleapi import ExampleTokens
from ftdata.target import Target


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One example's counts (kept_* and dropped only with a maximum length; error: why it has no count)."""

    path: str
    line: int
    tokens: int | None
    trained_tokens: int | None
    kept_tokens: int | None = None
    kept_trained_tokens: int | None = None
    dropped: bool | None = None
    error: str | None = None

    def as_dict(self, with_length: bool) -> dict[str, Any]:
        row: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "tokens": self.tokens,
            "trained_tokens": self.trained_tokens,
        }
        if with_length:
            row |= {
                "kept_tokens": self.kept_tokens,
                "kept_trained_tokens": self.kept_trained_tokens,
                "dropped": self.dropped,
            }
        row["error"] = self.error
        return row


@dataclass
class Distribution:
    """What the rows add up to, per file: the histograms the text output summarises."""

    path: str
    tokens: Counter[int] = field(default_factory=Counter)
    trained: Counter[int] = field(default_factory=Counter)
    over: int = 0  # examples longer than the maximum length
    dropped: int = 0
    lost_trained: int = 0  # trained tokens past the maximum length (or in dropped examples)
    untrained: int = 0  # examples that keep no trained token
    errors: int = 0  # lines with no count (not an example, or the template refused it)

    def as_dict(self) -> dict[str, Any]:
        """The file's figures (JSON): distributions of tokens and trained tokens, and what the length costs."""
        from ftdata.stats import figures_of

        return {
            "path": display_path(self.path),
            "tokens": figures_of(self.tokens),
            "trained_tokens": figures_of(self.trained),
            "over_max_length": self.over,
            "dropped": self.dropped,
            "trained_tokens_lost": self.lost_trained,
            "without_trained_tokens": self.untrained,
            "errors": self.errors,
        }

    def add(self, row: TokenRow, limit: int | None) -> None:
        if row.tokens is None or row.trained_tokens is None:
            self.errors += 1
            return
        if row.error is not None:
            self.errors += 1
        self.tokens[row.tokens] += 1
        self.trained[row.trained_tokens] += 1
        if limit is not None and row.tokens > limit:
            self.over += 1
        if row.dropped:
            self.dropped += 1
        kept = row.kept_trained_tokens if row.kept_trained_tokens is not None else row.trained_tokens
        self.lost_trained += row.trained_tokens - kept
        if kept == 0 and row.error is None and not row.dropped:  # a dropped one is counted as dropped
            self.untrained += 1


def max_length(target: Target) -> int | None:
    """The length the trainer cuts at: a trainer's (or the user's --max-length); None for a service whose
    limit is the model's and is reported by lint."""
    if target.profile.local or target.max_tokens_source == "option":
        return target.max_tokens
    return None


def count_rows(
    path: str, target: Target, sink: Callable[[TokenRow], None], *, max_line_bytes: int, jobs: int | None = None
) -> None:
    """Hand ``sink`` the counts of every line of a file, in order. The file is counted in blocks, by worker
    processes when it is large (as lint is); each block's rows go out as soon as the blocks before it have,
    so nothing grows with the file."""
    from ftdata.plan import Plan
    from ftdata.runner import Runner, default_jobs

    shown = display_path(path)
    limit = max_length(target)
    drop = target.drops_over_length
    plan = replace(Plan.count_only(target), keep_rows=True, max_line_bytes=max_line_bytes)

    def take(rows: list[tuple[int, ExampleTokens | str]]) -> None:
        for line, counted in rows:
            if counted == "blank-line":
                continue  # not an example, and nothing a trainer sees
            if isinstance(counted, str):
                sink(TokenRow(shown, line, None, None, error=f"not an example: {counted}"))
            else:
                sink(_row(shown, line, counted, limit, drop))

    with Runner([plan], jobs or default_jobs()) as runner:
        runner.scan(plan, path, rows=take)


def _row(path: str, line: int, tokens: ExampleTokens, limit: int | None, drop: bool) -> TokenRow:
    if limit is None:
        return TokenRow(path, line, tokens.total, tokens.trained, error=tokens.error)
    sequences = tokens.sequences()  # a preference pair's two sides are each cut at the limit
    if drop and any(part.total > limit for part in sequences):
        return TokenRow(path, line, tokens.total, tokens.trained, 0, 0, True, tokens.error)
    kept = sum(min(part.total, limit) for part in sequences)
    kept_trained = sum(part.trained - part.trained_tokens_beyond(limit) for part in sequences)
    return TokenRow(path, line, tokens.total, tokens.trained, kept, kept_trained, False, tokens.error)
