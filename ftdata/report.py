"""The report: problems, token statistics and cost for each file, and the totals across files."""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ftdata.cost import CostEstimate, TokenCounts, billed_tokens, histogram
from ftdata.ruleapi import estimated_parts
from ftdata.vocabulary import FileRole, Severity

SCHEMA_VERSION = 1
MAX_PROBLEMS_PER_RULE = 1000  # kept per rule and file; the rest are counted (memory stays small)
RuleKey = tuple[str, str, Severity]  # code, name, severity


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem at one place. It never carries the record's content, only a short quoted excerpt."""

    code: str
    name: str
    severity: Severity
    line: int | None  # None: about the whole file
    path: str | None  # JSON path inside the record, e.g. $.messages[2].content
    message: str
    column: int | None = None
    file: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape: every field but ``file`` (the file's entry holds its problems)."""
        return {key: getattr(self, key) for key in _PROBLEM_KEYS}


_PROBLEM_KEYS = ("code", "name", "severity", "line", "column", "path", "message")  # the JSON's order


@dataclass(frozen=True)
class TokenStats:
    encoding: str
    examples: int
    total: int
    billed: int  # per epoch: each example capped at the model's limit
    trained: int  # tokens of messages the service trains on (assistant, weight != 0)
    max_tokens_per_example: int
    over_limit: int  # examples longer than the limit
    min: int = 0
    max: int = 0
    mean: float = 0.0
    median: float = 0.0
    p5: float = 0.0
    p95: float = 0.0
    estimated: bool = False  # some parts (images, tool calls) were estimated
    estimated_parts: tuple[str, ...] = ()  # which: "images", "tool calls"

    @classmethod
    def from_counts(
        cls, token_counts: TokenCounts, trained: int, *, encoding: str, limit: int, estimated: int, drop: bool = False
    ) -> TokenStats:
        """Statistics of a file from its token counts (a histogram, or one count per example)."""
        counts = sorted(histogram(token_counts).items())
        examples = sum(n for _, n in counts)
        total = sum(tokens * n for tokens, n in counts)
        base: dict[str, Any] = {
            "encoding": encoding,
            "examples": examples,
            "total": total,
            "billed": billed_tokens(dict(counts), limit, drop=drop),
            "trained": trained,
            "max_tokens_per_example": limit,
            "over_limit": sum(n for tokens, n in counts if tokens > limit),
            "estimated": bool(estimated),
            "estimated_parts": tuple(estimated_parts(estimated)),
        }
        if examples:
            base.update(
                min=counts[0][0],
                max=counts[-1][0],
                mean=round(total / examples, 1),
                median=_percentile(counts, examples, 50),
                p5=_percentile(counts, examples, 5),
                p95=_percentile(counts, examples, 95),
            )
        return cls(**base)

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__}


def _percentile(counts: Sequence[tuple[int, int]], examples: int, percent: float) -> float:
    """Linear interpolation between closest ranks (numpy's default method), on a sorted histogram."""
    position = (examples - 1) * percent / 100
    low = int(position)
    low_value = _value_at(counts, low)
    high_value = _value_at(counts, min(low + 1, examples - 1))
    return round(low_value + (high_value - low_value) * (position - low), 1)


def _value_at(counts: Sequence[tuple[int, int]], rank: int) -> int:
    """The value at a 0-based rank of the sorted examples."""
    seen = 0
    for value, n in counts:
        seen += n
        if rank < seen:
            return value
    return counts[-1][0]


@dataclass
class FileReport:
    path: str
    format: str | None
    examples: int
    problems: list[Problem] = field(default_factory=list)
    tokens: TokenStats = field(default_factory=lambda: TokenStats.from_counts({}, 0, encoding="", limit=0, estimated=0))
    cost: CostEstimate | None = None  # None for a validation file: not billed
    role: FileRole = "training"
    # Problems found but not kept (past max-problems-per-rule): (code, name, severity) -> how many.
    left_out: Counter[RuleKey] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "role": self.role,
            "format": self.format,
            "examples": self.examples,
            "problems": [problem.to_dict() for problem in self.problems],
            "problems_left_out": {code: n for (code, _, _), n in sorted(self.left_out.items())},
            "tokens": self.tokens.to_dict(),
            "cost": self.cost.to_dict() if self.cost else None,
        }


def cap_problems(
    problems: Iterable[Problem], cap: int, kept: Counter[str], left_out: Counter[RuleKey]
) -> list[Problem]:
    """The problems that fit under ``cap`` per rule (0: all), counting the rest in ``left_out``; ``kept``
    holds how many of each rule are kept already, and is updated."""
    fitting = []
    for problem in problems:
        if cap and kept[problem.code] >= cap:
            left_out[(problem.code, problem.name, problem.severity)] += 1
        else:
            kept[problem.code] += 1
            fitting.append(problem)
    return fitting


@dataclass
class Report:
    """The result of a lint run over one or more files."""

    files: list[FileReport] = field(default_factory=list)
    strict: bool = False
    max_usd: float | None = None  # the budget, if one was set
    # Paths that could not be checked (missing, unreadable, a folder with no dataset): (path, message).
    inputs_failed: list[tuple[str, str]] = field(default_factory=list)
    target: str = "openai"  # the target (service) the job was checked for
    target_title: str = ""
    model: str | None = None  # the model chosen, if any
    exact_counts: bool = True  # False: the model's tokens are estimates (an open-weight model)

    @property
    def problems(self) -> list[Problem]:
        return [problem for report in self.files for problem in report.problems]

    def count(self, severity: Severity) -> int:
        """Problems of this severity, those left out of the report (past the cap per rule) included."""
        return sum(1 for problem in self.problems if problem.severity == severity) + sum(
            n for file in self.files for (_, _, level), n in file.left_out.items() if level == severity
        )

    @property
    def errors(self) -> int:
        return self.count("error")

    @property
    def warnings(self) -> int:
        return self.count("warning")

    @property
    def ok(self) -> bool:
        """No error, within budget, every path given checked (and, in strict mode, no warning either)."""
        return (
            self.errors == 0 and not (self.strict and self.warnings) and not self.over_budget and not self.inputs_failed
        )

    @property
    def usd(self) -> float | None:
        """Estimated training cost of all training files, or None when any of them has no price."""
        costs = [f.cost.usd if f.cost else None for f in self.files if f.role == "training"]
        if not costs or any(cost is None for cost in costs):
            return None
        return round(sum(cost for cost in costs if cost is not None), 6)

    @property
    def over_budget(self) -> bool:
        return self.max_usd is not None and self.usd is not None and self.usd > self.max_usd

    def file(self, path: str | os.PathLike[str]) -> FileReport:
        """The report of one file, by the path it was given as (the validation file, for a path that was
        both); its ``tokens`` are always there, its ``cost`` for a training file."""
        wanted = os.fspath(path)
        found = [f for f in self.files if f.path == wanted or os.path.abspath(f.path) == os.path.abspath(wanted)]
        if not found:
            raise KeyError(f"no file {wanted!r} in this report; its files: {', '.join(f.path for f in self.files)}")
        return found[-1]

    @property
    def training_files(self) -> list[FileReport]:
        return [f for f in self.files if f.role == "training"]

    @property
    def total_tokens(self) -> int:
        """Tokens of every training file's examples, counted once (before epochs)."""
        return sum(f.tokens.total for f in self.training_files)

    @property
    def trained_tokens(self) -> int:
        """Tokens the training bills: each training file's billed tokens times its epochs."""
        return sum(f.cost.trained_tokens for f in self.training_files if f.cost is not None)

    @property
    def tokens(self) -> TokenStats | None:
        """Token statistics of the only file, or None for several files (see :meth:`file`)."""
        return self.files[0].tokens if len(self.files) == 1 else None

    @property
    def cost(self) -> CostEstimate | None:
        return self.files[0].cost if len(self.files) == 1 else None

    @property
    def by_rule(self) -> Counter[RuleKey]:
        counts = Counter((p.code, p.name, p.severity) for p in self.problems)
        for file in self.files:
            counts.update(file.left_out)
        return counts

    def summary(self) -> dict[str, Any]:
        summary: dict[str, Any] = {"errors": self.errors, "warnings": self.warnings, "infos": self.count("info")}
        summary["usd"] = self.usd
        if self.max_usd is not None:
            summary.update(max_usd=self.max_usd, over_budget=self.over_budget)
        return summary

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "target": {
                "name": self.target,
                "title": self.target_title,
                "model": self.model,
                "token_counts": "exact" if self.exact_counts else "estimate",
            },
            "files": [f.to_dict() for f in self.files],
            "inputs_failed": [{"path": path, "message": message} for path, message in self.inputs_failed],
            "summary": self.summary(),
        }
