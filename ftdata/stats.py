"""Dataset statistics: what ``ftdata stats`` prints and the HTML report draws.

Per file: the distributions of messages per example, user turns, tokens, trained tokens and tokens per message
of each role (min, p5, median, mean, p95, max, and a histogram); the distinct system prompts with their counts;
the answers given more than once; the share of refusals; the class distribution of a label dataset; and how many
duplicates the duplicate rules (FT511-FT513) found.

The figures are gathered in the same pass as lint's checks (the plan's ``keep_stats``): each block of a file
fills a :class:`FileStats` — histograms (Counters of ints), counts of answers and system prompts by 64-bit hash,
and short previews of a bounded number of them — and the blocks' are merged in file order, so the figures are
exact and the same whatever ``--jobs`` says. Previews are redacted (:func:`ftdata.secrets.redact`) before they
are kept, so no secret or personal data is ever printed.
"""

from __future__ import annotations

import bisect
import os
import re
import sys
import types
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ftdata.answers import answer_facts, answer_hash, label_like, text_of
from ftdata.fingerprints import MASK
from ftdata.ruleapi import Example, ExampleTokens
from ftdata.secrets import redact

if TYPE_CHECKING:
    from ftdata.config import Settings
    from ftdata.registry import Layer
    from ftdata.report import FileReport, Report

SCHEMA_VERSION = 1
PREVIEW_CHARS = 120  # characters of an answer or a system prompt shown, at most
FIRST_PREVIEWS = 64  # per block: previews of the first distinct values seen
REPEAT_PREVIEWS = 256  # per block: previews of values seen a second time (the repeated ones)
LABELS_KEPT = 256  # distinct label keys counted; a file with more is no label data set (answers.label_like)
TOP = 10  # repeated answers and system prompts listed
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
_SYSTEM_ROLES = ("system", "developer")
# the rules whose findings the statistics count: duplicates in a file, leakage into the validation file
DUPLICATE_RULES = ("FT511", "FT512", "FT513")
LEAKAGE_RULES = ("FT405", "FT514")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """A one-line preview of a text: secrets and personal data masked (the whole text is redacted, then cut, so a
    secret cut in two is masked all the same), white space runs as one space, control characters shown as
    escapes (no terminal sequence gets through), at most ``limit`` characters."""
    flat = " ".join(redact(text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1] + "…"
    flat = redact(flat)  # what joining the lines may have formed
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", flat)


@dataclass
class Tally:
    """How often each value occurs, by its 64-bit hash (every value, exactly), with a redacted preview of a
    bounded number of them: per block, the first ``FIRST_PREVIEWS`` distinct values and the first
    ``REPEAT_PREVIEWS`` values seen twice (the repeated ones, which are the ones listed)."""

    counts: Counter[int] = field(default_factory=Counter)
    previews: dict[int, tuple[int, str]] = field(default_factory=dict)  # hash -> (line, preview)
    first_taken: int = 0
    repeats_taken: int = 0

    def add(self, key: int, line: int, text: str) -> None:
        counts = self.counts
        seen = counts[key] + 1
        counts[key] = seen
        if key in self.previews:
            return
        if seen == 1:
            if self.first_taken < FIRST_PREVIEWS:
                self.first_taken += 1
                self.previews[key] = (line, preview(text))
        elif self.repeats_taken < REPEAT_PREVIEWS:
            self.repeats_taken += 1
            self.previews[key] = (line, preview(text))

    def merge(self, other: Tally) -> None:
        self.counts.update(other.counts)
        for key, kept in other.previews.items():
            self.previews.setdefault(key, kept)  # the earlier block's

    def shifted(self, lines: int) -> Tally:
        moved = {key: (line + lines, text) for key, (line, text) in self.previews.items()}
        return Tally(self.counts, moved, self.first_taken, self.repeats_taken)

    def top(self, n: int, minimum: int = 1) -> list[Entry]:
        """The ``n`` most frequent values seen at least ``minimum`` times; ties in the order their previews
        read (never by hash, which changes from run to run)."""
        total = sum(self.counts.values())
        found = [(count, key) for key, count in self.counts.items() if count >= minimum]

        def order(item: tuple[int, int]) -> tuple[int, bool, str, int]:
            kept = self.previews.get(item[1])
            return (-item[0], kept is None, kept[1] if kept else "", kept[0] if kept else 0)

        found.sort(key=order)
        entries = []
        for count, key in found[:n]:
            kept = self.previews.get(key)
            entries.append(
                Entry(count, count / total if total else 0.0, kept[1] if kept else None, kept[0] if kept else None)
            )
        return entries


@dataclass
class FileStats:
    """The statistics of (part of) one file, mergeable across blocks: small enough to send back from a worker."""

    per_role: bool = True  # the counts are per message (False for an open model's rendering: no per-role split)
    examples: int = 0
    tokens: Counter[int] = field(default_factory=Counter)
    trained: Counter[int] = field(default_factory=Counter)
    messages: Counter[int] = field(default_factory=Counter)  # messages per example (conversations)
    user_turns: Counter[int] = field(default_factory=Counter)
    by_role: dict[str, Counter[int]] = field(default_factory=dict)  # tokens per message, by role
    system_prompts: Tally = field(default_factory=Tally)
    without_system: int = 0  # conversations with no system (or developer) message
    answers: Tally = field(default_factory=Tally)
    refusals: int = 0
    labelled: int = 0  # answers that are label-like (ftdata.answers.label_key)
    labels: Counter[str] = field(default_factory=Counter)  # label key -> answers; cleared past LABELS_KEPT
    label_previews: dict[str, str] = field(default_factory=dict)  # label key -> the first answer's preview
    too_many_labels: bool = False

    def add(self, example: Example, tokens: ExampleTokens) -> None:
        """Take one example (and its counts) into the figures."""
        self.examples += 1
        self.tokens[tokens.total] += 1
        self.trained[tokens.trained] += 1
        line, file_format = example.line, example.format
        conversation = _conversation(example.data, file_format)
        if conversation is not None:
            self._conversation(line, conversation, tokens)
        elif file_format == "prompt-completion" and self.per_role and len(tokens.messages) == 2:
            for role, (count, _) in zip(("prompt", "completion"), tokens.messages, strict=True):
                self._role(role)[count] += 1
        facts = answer_facts(example)  # the balance rules' (computed once per example)
        if facts is None:
            return
        self.answers.add(answer_hash(example, facts), line, facts.text)  # as the balance rules compare answers
        if facts.refusal:
            self.refusals += 1
        label = facts.label
        if label is None:
            return
        self.labelled += 1
        if self.too_many_labels:
            return
        self.labels[label] += 1
        if label not in self.label_previews:
            self.label_previews[label] = preview(facts.text, 40)
            if len(self.labels) > LABELS_KEPT:
                self._drop_labels()

    def _conversation(self, line: int, messages: list[Any], tokens: ExampleTokens) -> None:
        self.messages[len(messages)] += 1
        users = 0
        system: list[str] = []
        for message in messages:
            if type(message) is dict:
                role = message.get("role")
                if role == "user":
                    users += 1
                elif role in _SYSTEM_ROLES:
                    text = text_of(message.get("content"))
                    if text is not None:
                        system.append(text)
        self.user_turns[users] += 1
        if system:
            prompt = "\n".join(system)
            self.system_prompts.add(hash(prompt) & MASK, line, prompt)
        else:
            self.without_system += 1
        if self.per_role:
            counted = [message for message in messages if isinstance(message, Mapping)]  # as the counter counts
            if len(counted) == len(tokens.messages):
                for message, (count, _) in zip(counted, tokens.messages, strict=True):
                    role = message.get("role")
                    self._role(role if isinstance(role, str) and role in ROLES else "other")[count] += 1

    def _role(self, role: str) -> Counter[int]:
        found = self.by_role.get(role)
        if found is None:
            found = self.by_role[role] = Counter()
        return found

    def _drop_labels(self) -> None:
        self.too_many_labels = True
        self.labels = Counter()
        self.label_previews = {}

    def merge(self, other: FileStats) -> None:
        """Add the figures of the next part of the file (parts are merged in file order)."""
        self.per_role = self.per_role and other.per_role
        self.examples += other.examples
        for mine, theirs in (
            (self.tokens, other.tokens),
            (self.trained, other.trained),
            (self.messages, other.messages),
            (self.user_turns, other.user_turns),
        ):
            mine.update(theirs)
        for role, counts in other.by_role.items():
            self._role(role).update(counts)
        self.system_prompts.merge(other.system_prompts)
        self.without_system += other.without_system
        self.answers.merge(other.answers)
        self.refusals += other.refusals
        self.labelled += other.labelled
        if self.too_many_labels or other.too_many_labels:
            self._drop_labels()
            return
        self.labels.update(other.labels)
        for label, text in other.label_previews.items():
            self.label_previews.setdefault(label, text)
        if len(self.labels) > LABELS_KEPT:
            self._drop_labels()

    def shifted(self, lines: int) -> FileStats:
        """The same figures with the previews' line numbers moved on by ``lines``."""
        if not lines:
            return self
        return replace(self, system_prompts=self.system_prompts.shifted(lines), answers=self.answers.shifted(lines))


def _conversation(data: dict[str, Any], file_format: str) -> list[Any] | None:
    """The messages of a conversation (chat, RFT; a preference pair's input), or None."""
    source = data.get("input") if file_format == "preference" else data
    if file_format == "prompt-completion" or not isinstance(source, dict):
        return None
    messages = source.get("messages")
    return messages if isinstance(messages, list) else None


# --- The figures ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figures:
    """One distribution: how many values, their sum, min / p5 / median / mean / p95 / max, and a histogram of
    (low, high, count) bins (inclusive bounds)."""

    count: int
    total: int
    min: int
    p5: float
    median: float
    mean: float
    p95: float
    max: int
    histogram: tuple[tuple[int, int, int], ...]

    @classmethod
    def of(cls, counts: Mapping[int, int], bins: int = 16) -> Figures:
        from ftdata.report import TokenStats

        found = TokenStats.from_counts(counts, 0, encoding="", limit=1 << 62, estimated=0)
        return cls(
            found.examples,
            found.total,
            found.min,
            found.p5,
            found.median,
            found.mean,
            found.p95,
            found.max,
            tuple(histogram_bins(counts, bins)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "total": self.total,
            "min": self.min,
            "p5": self.p5,
            "median": self.median,
            "mean": self.mean,
            "p95": self.p95,
            "max": self.max,
            "histogram": [{"low": low, "high": high, "count": n} for low, high, n in self.histogram],
        }


def figures_of(counts: Mapping[int, int]) -> dict[str, Any]:
    """A distribution's figures as a dict (examples, total, min, p5, median, mean, p95, max): ``ftdata tokens``'s."""
    found = Figures.of(counts, 1)
    return {
        "examples": found.count,
        "total": found.total,
        **{key: getattr(found, key) for key in ("min", "p5", "median", "mean", "p95", "max")},
    }


def _nice(step: float) -> int:
    """The smallest 1, 2 or 5 times a power of ten that is at least ``step`` (at least 1)."""
    if step <= 1:
        return 1
    power = 1
    while True:
        for factor in (1, 2, 5):
            if factor * power >= step:
                return factor * power
        power *= 10


LOG_BINS_FROM = 20  # a distribution whose largest value is this many times its smallest gets bins of a log scale
_STEPS = (10, 15, 20, 30, 50, 70)  # the bounds of log bins in a decade, times 10**(k-1)


def _log_bounds(low: int, high: int) -> list[int]:
    """Round bounds, about six a decade (1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, ...), from the largest not
    above ``low`` to the first above ``high``."""
    bounds = [1, 2, 3, 5, 7]
    power = 1
    while bounds[-1] <= high:
        bounds += [step * power for step in _STEPS]
        power *= 10
    first = max(i for i, bound in enumerate(bounds) if bound <= max(low, 1))
    last = next(i for i, bound in enumerate(bounds) if bound > high)
    return ([0] if low < 1 else []) + bounds[first : last + 1]


def histogram_bins(
    counts: Mapping[int, int], bins: int = 16, span: tuple[int, int] | None = None
) -> list[tuple[int, int, int]]:
    """The values in bins from the bin of the smallest to the bin of the largest (empty bins between them kept):
    (low, high, count), bounds inclusive. At most about ``bins`` bins of a round width — or, for a distribution
    spread over a wide range (the largest ``LOG_BINS_FROM`` times the smallest or more, as token counts often
    are), bins of a log scale with round bounds, so that its long tail does not squeeze the rest into one bin.
    ``span``: the smallest and largest values to cover (several files' together, for the same bins)."""
    present = [value for value, n in counts.items() if n]
    if not present and span is None:
        return []
    low, high = span if span is not None else (min(present), max(present))
    if high >= LOG_BINS_FROM * max(low, 1) and high - low >= 2 * bins:
        bounds = _log_bounds(low, high)
        found = [0] * (len(bounds) - 1)
        for value, n in counts.items():
            if n:
                found[bisect.bisect_right(bounds, value) - 1] += n
        return [(bounds[i], bounds[i + 1] - 1, n) for i, n in enumerate(found)]
    width = _nice((high - low + 1) / max(bins, 1))
    start = low - low % width
    found = [0] * ((high - start) // width + 1)
    for value, n in counts.items():
        if n:
            found[(value - start) // width] += n
    return [(start + i * width, start + (i + 1) * width - 1, n) for i, n in enumerate(found)]


@dataclass(frozen=True)
class Entry:
    """A value counted: how many times, its share, a redacted preview (None: none was kept) and its line."""

    count: int
    share: float
    preview: str | None
    line: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"count": self.count, "share": round(self.share, 4), "preview": self.preview, "line": self.line}


@dataclass(frozen=True)
class FileStatistics:
    """The statistics of one file, as ``ftdata stats`` shows them (built from its :class:`FileStats` and its lint
    report)."""

    path: str
    role: str
    format: str | None
    examples: int
    encoding: str
    limit: int  # the model's (or trainer's) tokens per example
    messages: Figures | None  # per example (conversations)
    user_turns: Figures | None
    tokens: Figures
    trained_tokens: Figures
    tokens_by_role: dict[str, Figures]  # tokens per message, by role (empty: not counted per message)
    system_prompts: tuple[Entry, ...]  # the most frequent, redacted
    distinct_system_prompts: int
    without_system_prompt: int
    answers: int  # examples with an answer
    distinct_answers: int
    repeated_answers: tuple[Entry, ...]  # answers given more than once, the most frequent first
    refusals: int
    labels: tuple[Entry, ...] | None  # a label dataset's classes (None: not a label dataset)
    findings: dict[str, int]  # duplicate and leakage rule code -> findings in this file
    stats: FileStats = field(repr=False, compare=False)

    @property
    def refusal_share(self) -> float | None:
        return self.refusals / self.answers if self.answers else None

    @property
    def duplicates(self) -> int:
        """Examples the duplicate rules flag (a line may be flagged by more than one)."""
        return sum(self.findings.get(code, 0) for code in DUPLICATE_RULES)

    def to_dict(self) -> dict[str, Any]:
        def entries(found: Iterable[Entry]) -> list[dict[str, Any]]:
            return [entry.to_dict() for entry in found]

        return {
            "path": self.path,
            "role": self.role,
            "format": self.format,
            "examples": self.examples,
            "encoding": self.encoding,
            "max_tokens_per_example": self.limit,
            "messages_per_example": self.messages.to_dict() if self.messages else None,
            "user_turns": self.user_turns.to_dict() if self.user_turns else None,
            "tokens": self.tokens.to_dict(),
            "trained_tokens": self.trained_tokens.to_dict(),
            "tokens_per_message_by_role": {role: found.to_dict() for role, found in self.tokens_by_role.items()},
            "system_prompts": {
                "distinct": self.distinct_system_prompts,
                "without": self.without_system_prompt,
                "top": entries(self.system_prompts),
            },
            "answers": {
                "count": self.answers,
                "distinct": self.distinct_answers,
                "repeated": entries(self.repeated_answers),
                "refusals": self.refusals,
                "refusal_share": None if self.refusal_share is None else round(self.refusal_share, 4),
            },
            "labels": None if self.labels is None else entries(self.labels),
            "findings": {code: self.findings.get(code, 0) for code in (*DUPLICATE_RULES, *LEAKAGE_RULES)},
        }


def _role_order(role: str) -> tuple[int, str]:
    order = (*ROLES, "prompt", "completion", "other")
    return (order.index(role) if role in order else len(order), role)


def file_statistics(file: FileReport, stats: FileStats) -> FileStatistics:
    """A file's statistics from its merged :class:`FileStats` and its lint report."""
    found: Counter[str] = Counter(problem.code for problem in file.problems)
    for (code, _, _), n in file.left_out.items():
        found[code] += n
    findings = {code: found[code] for code in (*DUPLICATE_RULES, *LEAKAGE_RULES) if found[code]}
    labels: tuple[Entry, ...] | None = None
    answered = sum(stats.answers.counts.values())
    if not stats.too_many_labels and label_like(answered, stats.labelled, len(stats.labels)):
        total = sum(stats.labels.values())
        ordered = sorted(stats.labels.items(), key=lambda item: (-item[1], stats.label_previews.get(item[0], "")))
        labels = tuple(Entry(n, n / total, stats.label_previews.get(key)) for key, n in ordered)
    conversations = sum(stats.messages.values())
    return FileStatistics(
        path=file.path,
        role=file.role,
        format=file.format,
        examples=file.examples,
        encoding=file.tokens.encoding,
        limit=file.tokens.max_tokens_per_example,
        messages=Figures.of(stats.messages) if conversations else None,
        user_turns=Figures.of(stats.user_turns) if conversations else None,
        tokens=Figures.of(stats.tokens),
        trained_tokens=Figures.of(stats.trained),
        tokens_by_role={
            role: Figures.of(stats.by_role[role]) for role in sorted(stats.by_role, key=_role_order) if stats.per_role
        },
        system_prompts=tuple(stats.system_prompts.top(TOP)),
        distinct_system_prompts=len(stats.system_prompts.counts),
        without_system_prompt=stats.without_system,
        answers=answered,
        distinct_answers=len(stats.answers.counts),
        repeated_answers=tuple(stats.answers.top(TOP, minimum=2)),
        refusals=stats.refusals,
        labels=labels,
        findings=findings,
        stats=stats,
    )


@dataclass(frozen=True)
class DatasetStatistics:
    """What :func:`stats` returns: each file's statistics (training files, then the validation file), the lint
    report they were gathered with, and what counted the tokens."""

    files: tuple[FileStatistics, ...]
    report: Report
    counted_with: str
    exact: bool
    checked: frozenset[str] = frozenset()  # the codes of the rules that ran

    def file(self, path: str | os.PathLike[str]) -> FileStatistics:
        """The statistics of one file, by the path it was given as."""
        wanted = os.fspath(path)
        for found in reversed(self.files):
            if found.path == wanted or os.path.abspath(found.path) == os.path.abspath(wanted):
                return found
        raise KeyError(f"no file {wanted!r} in these statistics; its files: {', '.join(f.path for f in self.files)}")

    def to_dict(self) -> dict[str, Any]:
        report = self.report
        return {
            "schema_version": SCHEMA_VERSION,
            "target": {
                "name": report.target,
                "title": report.target_title,
                "model": report.model,
                "counted_with": self.counted_with,
                "token_counts": "exact" if self.exact else "estimate",
            },
            "files": [found.to_dict() for found in self.files],
            "inputs_failed": [{"path": path, "message": message} for path, message in report.inputs_failed],
        }


# --- Running it -------------------------------------------------------------------------------------------------

Source = str | os.PathLike[str]
Progress = Callable[[str, int], None]
STATS_LAYER: Layer = (DUPLICATE_RULES, LEAKAGE_RULES, ())  # the rules whose findings ``stats`` counts


def scan_job(
    paths: Sequence[Source],
    *,
    settings: Settings,
    config_root: Path | None = None,
    validation_file: Source | None = None,
    layer: Layer | None = None,
    progress: Progress | None = None,
) -> DatasetStatistics:
    """Lint a job's files (the rules ``layer`` selects on top of the settings') and gather every file's
    statistics in the same pass: the statistics, with the lint report."""
    from ftdata.engine import scan_and_judge
    from ftdata.plan import Plan

    base = Plan.from_settings(settings, config_root, has_validation=validation_file is not None, layer=layer)
    plan = replace(base, keep_stats=True)
    scans, report = scan_and_judge(plan, paths, validation_file, settings, config_root, progress)
    gathered = [scan.partial.stats or FileStats() for scan in scans]
    chosen = plan.target
    counted_with = chosen.rendered.files.found_in if chosen.rendered else chosen.counter.encoding_name
    figures = tuple(file_statistics(file, found) for file, found in zip(report.files, gathered, strict=True))
    return DatasetStatistics(figures, report, counted_with, report.exact_counts, frozenset(r.code for r in plan.rules))


def stats(
    source: Source | Iterable[Source],
    *,
    model: str | None = None,
    validation_file: Source | None = None,
    config: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    config_root: Path | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> DatasetStatistics:
    """The statistics of one file, several files or a folder (and of ``validation_file``): distributions of
    messages, turns, tokens, trained tokens and tokens per role; system prompts; repeated answers; refusals;
    labels; duplicates. Settings and options are those of :func:`ftdata.lint`."""
    from ftdata.engine import resolve_settings, selection_layer

    selection_layer(options)  # the statistics count the duplicate rules' findings whatever is selected
    settings, config_root = resolve_settings(
        "stats()", settings, config, config_root, {**options, "model": model or options.get("model")}
    )
    paths = [source] if isinstance(source, (str, os.PathLike)) else list(source)
    return scan_job(
        paths,
        settings=settings,
        config_root=config_root,
        validation_file=validation_file,
        layer=STATS_LAYER,
        progress=progress,
    )


# --- Text -------------------------------------------------------------------------------------------------------

_BAR_WIDTH = 36
_EIGHTHS = " ▏▎▍▌▋▊▉"


def bar(value: int, largest: int, width: int = _BAR_WIDTH) -> str:
    """A horizontal bar of ``value`` against ``largest``, in eighths of a character (a value > 0 shows)."""
    if largest <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / largest * width * 8))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _range(low: int, high: int) -> str:
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def histogram_lines(found: Figures, indent: str = "    ") -> list[str]:
    """A distribution's histogram as text bars, one line per bin."""
    if not found.histogram:
        return []
    largest = max(n for _, _, n in found.histogram)
    labels = [_range(low, high) for low, high, _ in found.histogram]
    width = max(len(label) for label in labels)
    counts = max(len(f"{n:,}") for _, _, n in found.histogram)
    return [
        f"{indent}{label:>{width}}  {n:>{counts},}  {bar(n, largest)}".rstrip()
        for label, (_, _, n) in zip(labels, found.histogram, strict=True)
    ]


def _percent(share: float) -> str:
    return f"{100 * share:.1f}%" if share < 0.995 or share == 1 else f"{100 * share:.2f}%"


def format_stats_text(found: DatasetStatistics) -> str:
    """``ftdata stats``'s text: per file, the figures table, histograms, system prompts, repeated answers,
    refusals, labels and duplicates."""
    report = found.report
    counted = found.counted_with + ("" if found.exact else " (estimates)")
    blocks = [f"Counted for {report.model or 'no model'} on {report.target} with {counted}."]
    for file in found.files:
        blocks.append(_file_text(file, found.checked))
    return "\n\n".join(blocks)


def _file_text(file: FileStatistics, checked: frozenset[str]) -> str:
    role = ", validation file" if file.role == "validation" else ""
    plural = "s" if file.examples != 1 else ""
    lines = [f"{file.path}  ({file.format or 'unknown format'}, {file.examples:,} example{plural}{role})"]
    if not file.examples:
        lines.append("  no examples")
        return "\n".join(lines)
    rows: list[tuple[str, Figures]] = []
    if file.messages:
        rows.append(("messages per example", file.messages))
    if file.user_turns:
        rows.append(("user turns", file.user_turns))
    rows += [("tokens per example", file.tokens), ("trained tokens", file.trained_tokens)]
    rows += [(f"  {role} (per message)", figures) for role, figures in file.tokens_by_role.items()]
    table = [["", "min", "p5", "median", "mean", "p95", "max"]]
    for label, figures in rows:
        values = (figures.min, figures.p5, figures.median, figures.mean, figures.p95, figures.max)
        table.append([label, *(_number(value) for value in values)])
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        cells = [row[0].ljust(widths[0]), *(cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True))]
        lines.append(("  " + "  ".join(cells)).rstrip())
    if not file.tokens_by_role:
        lines.append("  (no tokens per role: an open-weight model's template counts the example as a whole)")
    over = sum(n for tokens, n in file.stats.tokens.items() if tokens > file.limit)
    lines.append(f"\n  Tokens per example ({file.encoding}; {over:,} over the {file.limit:,}-token limit):")
    lines += histogram_lines(file.tokens)
    if file.trained_tokens.max:
        lines.append("\n  Trained tokens per example:")
        lines += histogram_lines(file.trained_tokens)
    if file.messages and file.messages.min != file.messages.max:
        lines.append("\n  Messages per example:")
        lines += histogram_lines(file.messages)
    lines.append("")
    lines += _prompts_text(file)
    lines += _answers_text(file)
    lines += _findings_text(file, checked)
    return "\n".join(lines)


def _quoted(text: str | None, limit: int = 90) -> str:
    """A preview in quotes (cut to ``limit``: it is redacted already, so cutting shows less, never more)."""
    if text is None:
        return "(no preview kept)"
    if not text:
        return "(empty)"
    return f'"{text if len(text) <= limit else text[: limit - 1] + "…"}"'


def _prompts_text(file: FileStatistics) -> list[str]:
    if file.messages is None:
        return []
    distinct = file.distinct_system_prompts
    without = f"; {file.without_system_prompt:,} example(s) have none" if file.without_system_prompt else ""
    if not distinct:
        return [f"  System prompts: none ({file.without_system_prompt:,} example(s) without one)"]
    lines = [f"  System prompts: {distinct:,} distinct{without}"]
    shown = file.system_prompts[:5]
    for entry in shown:
        lines.append(f"    {entry.count:>7,}  {_percent(entry.share):>6}  {_quoted(entry.preview)}")
    if distinct > len(shown):
        lines.append(f"    ... and {distinct - len(shown):,} more")
    return lines


def _answers_text(file: FileStatistics) -> list[str]:
    if not file.answers:
        return ["  Answers: none (no example has an answer to train on)"]
    lines = []
    repeated = file.repeated_answers
    copies = sum(count for count in file.stats.answers.counts.values() if count > 1)
    if repeated:
        given = sum(1 for count in file.stats.answers.counts.values() if count > 1)
        lines.append(
            f"  Repeated answers: {given:,} answer(s) given more than once, {copies:,} of {file.answers:,} examples"
        )
        for entry in repeated:
            lines.append(f"    {entry.count:>7,}  {_percent(entry.share):>6}  {_quoted(entry.preview)}")
    else:
        lines.append(f"  Repeated answers: none ({file.distinct_answers:,} distinct in {file.answers:,})")
    share = file.refusal_share or 0.0
    lines.append(f"  Refusals: {file.refusals:,} of {file.answers:,} answers ({_percent(share)})")
    if file.labels is None:
        lines.append("  Labels: not a label dataset")
    else:
        lines.append(f"  Labels: {len(file.labels)} classes")
        largest = max(entry.count for entry in file.labels)
        width = max(len(_quoted(entry.preview)) for entry in file.labels)
        for entry in file.labels:
            label = _quoted(entry.preview)
            lines.append(
                f"    {label:<{width}}  {entry.count:>7,}  {_percent(entry.share):>6}  {bar(entry.count, largest, 24)}"
            )
    return lines


_FINDING_NAMES = {
    "FT511": "duplicate examples",
    "FT512": "duplicates but for the system prompt",
    "FT513": "conflicting answers",
    "FT405": "validation examples also in training",
    "FT514": "validation prompts also in training",
}


def _findings_text(file: FileStatistics, checked: frozenset[str]) -> list[str]:
    codes = DUPLICATE_RULES if file.role == "training" else (*DUPLICATE_RULES, *LEAKAGE_RULES)
    parts = [
        f"{file.findings.get(code, 0):,} {_FINDING_NAMES[code]} ({code})"
        if code in checked
        else f"{_FINDING_NAMES[code]} not checked ({code})"
        for code in codes
    ]
    return [f"  Duplicates: {'; '.join(parts)}"]


class _CallableModule(types.ModuleType):
    """``ftdata.stats`` is this module and, called, the function :func:`stats`: ``ftdata.stats("train.jsonl")``
    (importing the module makes it the package's attribute, so the name cannot be the function alone)."""

    def __call__(self, *args: Any, **kwargs: Any) -> DatasetStatistics:
        return stats(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
