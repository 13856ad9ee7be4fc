"""Scanning one file: records and line issues in, problems at lines and compact facts out.

A :class:`FileScan` is fed the items of a file in order — all of them, or, when the file is split into
blocks scanned by several processes, one block each — and the partial results are merged in file order.
Either way the answers are the same. Judging what the facts mean (dataset and job rules, statistics,
pricing) is :mod:`ftdata.judge`'s work, once every file of the job is scanned.
"""

from __future__ import annotations

import traceback
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ftdata.errors import RuleCrashError
from ftdata.formats import detect_format, is_plain_chat, messages_of
from ftdata.openmodels import BATCH, RenderedCounter
from ftdata.plan import Plan
from ftdata.reader import Item, LineIssue
from ftdata.registry import Rule
from ftdata.report import Problem, RuleKey, cap_problems
from ftdata.ruleapi import (
    SAMPLE_CHARS,
    SAMPLES_KEPT,
    Collected,
    DatasetFacts,
    Example,
    ExampleTokens,
    Finding,
    RuleContext,
)
from ftdata.stats import FileStats, preview
from ftdata.tokens import TokenCounter
from ftdata.vocabulary import FileRole, Format


@dataclass
class Partial:
    """What scanning part of a file found: small enough to send back from a worker process."""

    problems: list[Problem] = field(default_factory=list)  # at most the plan's cap per rule
    left_out: Counter[RuleKey] = field(default_factory=Counter)  # found past the cap, counted
    facts: DatasetFacts = field(default_factory=DatasetFacts)
    first_crlf: int | None = None  # CRLF is reported once per file, at its first line
    line_count: int = 0  # lines of the part scanned (a block's lines are numbered from 1)
    # with the plan's keep_rows: (line, counts) of each example, (line, issue kind) of a line that is none
    rows: list[tuple[int, ExampleTokens | str]] = field(default_factory=list)
    stats: FileStats | None = None  # with the plan's keep_stats: the part's statistics

    def shifted(self, lines: int) -> Partial:
        """The same results with every line number moved on by ``lines`` (the lines of earlier blocks)."""
        if not lines:
            return self
        facts = replace(
            self.facts,
            lines=self.facts.lines + lines,
            collected={code: values.shifted(lines) for code, values in self.facts.collected.items()},
            samples={
                code: {key: (line + lines, text) for key, (line, text) in kept.items()}
                for code, kept in self.facts.samples.items()
            },
        )
        return Partial(
            problems=[p if p.line is None else replace(p, line=p.line + lines) for p in self.problems],
            left_out=self.left_out,
            facts=facts,
            first_crlf=None if self.first_crlf is None else self.first_crlf + lines,
            line_count=self.line_count,
            rows=[(line + lines, what) for line, what in self.rows],
            stats=None if self.stats is None else self.stats.shifted(lines),
        )


def stamp(
    plan: Plan, rule: Rule, findings: Iterable[Finding], file: str, line: int | None, into: list[Problem]
) -> None:
    """Turn a rule's findings into problems: the engine, not the rule, sets code, name, severity and file.
    ``line`` is where a finding without a line of its own is (the record's; None for file-level rules)."""
    severity = plan.severities[rule.code]
    for finding in findings:
        into.append(
            Problem(
                code=rule.code,
                name=rule.name,
                severity=severity,
                line=line if finding.line is None else finding.line,
                path=finding.path,
                message=finding.message,
                column=finding.column,
                file=finding.file or file,
            )
        )


def _switched_on(plan: Plan, rule: Rule) -> bool:
    """False for a rule whose option ``enabled`` is false (opt-in rules, deep ones without --deep): it finds
    nothing, so it is not run at all."""
    return plan.contexts[rule.code].options.get("enabled") is not False


def crash(rule: Rule, file: str, line: int | None, exc: Exception) -> RuleCrashError:
    """The error that stops the run when a rule raises: rule, module, file, line; the traceback for -v."""
    # Only the exception's type: its text may quote the training data (--verbose shows it, in the traceback).
    return RuleCrashError(
        rule.code, rule.module, file, line, type(exc).__name__, "".join(traceback.format_exception(exc))
    )


class FileScan:
    """The state of scanning one file with one plan."""

    def __init__(self, plan: Plan, name: str, role: FileRole = "training", file_format: Format | None = None) -> None:
        self.plan = plan
        self.name = name
        rules = tuple(rule for rule in plan.rules_for(name) if role in rule.file_roles and _switched_on(plan, rule))
        self.rules = rules
        self.line_rules: dict[str, list[Rule]] = {}  # reader issue -> the rules that turn it into problems
        for rule in rules:
            if rule.kind == "line" and rule.reader_issue:
                self.line_rules.setdefault(rule.reader_issue, []).append(rule)
        self.record_rules = [rule for rule in rules if rule.kind == "record"]
        # A job rule collects from every file whatever the per-file ignores (they say where its findings
        # may be, not what it may compare), and only when the job has a validation file to compare.
        job_rules = (
            tuple(rule for rule in plan.rules if rule.kind == "job" and _switched_on(plan, rule))
            if plan.has_validation
            else ()
        )
        dataset_rules = tuple(rule for rule in rules if rule.kind == "dataset")
        self.collecting_rules = [rule for rule in (*dataset_rules, *job_rules) if rule.collect is not None]
        # one histogram per extra way of counting (cost), beside the counter's own
        self.partial = Partial(facts=DatasetFacts(role=role, also_counts=[Counter() for _ in plan.also_count]))
        if plan.keep_stats:  # an open model's counts are runs of tokens, not one count per message
            self.partial.stats = FileStats(per_role=plan.target.rendered is None)
        self._kept: Counter[str] = Counter()  # problems kept per rule
        # Prepared once per file format, for the loop over every record: each record rule with its function
        # and context, each collecting rule with its collect, context and store (no lookups per record).
        self._active: list[tuple[Rule, Callable[..., Any], RuleContext]] = []
        self._collecting: list[tuple[Rule, Callable[..., Any], RuleContext, Collected]] = []
        self._active_plain: list[tuple[Rule, Callable[..., Any], RuleContext]] = []  # what runs on plain chat
        self._collecting_plain: list[tuple[Rule, Callable[..., Any], RuleContext, Collected]] = []
        # each rule with a sample, its context and the texts kept: key -> (first line, text)
        self._sampling: list[tuple[Rule, Callable[..., Any], RuleContext, dict[int, tuple[int, str]]]] = []
        if file_format is not None:
            self._set_format(file_format)

    def _set_format(self, file_format: Format) -> None:
        facts = self.partial.facts
        facts.format = file_format
        contexts = self.plan.contexts
        self._active = [
            (rule, rule.function, contexts[rule.code])
            for rule in self.record_rules
            if rule.formats is None or file_format in rule.formats
        ]
        # one entry per collect function: rules that share one read its values from the first one's store
        self._collecting = []
        first: dict[Callable[..., Any], str] = {}  # collect function -> the code whose store keeps its values
        clean: dict[str, bool] = {}  # that code -> whether every rule sharing it may skip plain chat examples
        for rule in self.collecting_rules:
            if rule.collect is None or not (rule.formats is None or file_format in rule.formats):
                continue
            code = first.get(rule.collect)
            if code is None:
                first[rule.collect] = rule.code
                clean[rule.code] = rule.plain_chat_clean
                store = facts.collected.setdefault(rule.code, Collected())
                self._collecting.append((rule, rule.collect, contexts[rule.code], store))
            else:
                facts.shared[rule.code] = code
                clean[code] = clean[code] and rule.plain_chat_clean
        self._sampling = [
            (rule, rule.sample, contexts[rule.code], facts.samples.setdefault(rule.code, {}))
            for rule in self.rules
            if rule.kind == "dataset"
            and rule.sample is not None
            and (rule.formats is None or file_format in rule.formats)
        ]
        skips = self.plan.skips_plain_chat
        self._active_plain = [entry for entry in self._active if not (skips and entry[0].plain_chat_clean)]
        self._collecting_plain = [entry for entry in self._collecting if not (skips and clean[entry[0].code])]

    def feed(self, items: Iterable[Item]) -> None:
        """Scan records and line issues, in file order. An open-weight model's counter renders and encodes
        records in batches (``count_batch``); the rules still see them one by one, in order."""
        counters = (self.plan.target.counter, *self.plan.also_count)
        if not any(getattr(counter, "batched", False) for counter in counters):
            self._feed(items, None)
            return
        chunk: list[Item] = []
        for item in items:
            chunk.append(item)
            if len(chunk) >= BATCH:
                self._feed_batch(chunk, counters)
                chunk = []
        if chunk:
            self._feed_batch(chunk, counters)

    def _feed_batch(self, chunk: list[Item], counters: tuple[Any, ...]) -> None:
        records = [item for item in chunk if not isinstance(item, LineIssue)]
        if records and self.partial.facts.format is None:
            self._set_format(detect_format(records[0].data, self.plan.target.method))
        file_format = self.partial.facts.format or "chat"
        counted: list[list[ExampleTokens] | None] = [
            counter.count_batch([record.data for record in records], file_format)
            if getattr(counter, "batched", False)
            else None
            for counter in counters
        ]
        self._feed(chunk, counted)

    def _feed(self, items: Iterable[Item], counted: list[list[ExampleTokens] | None] | None) -> None:
        facts = self.partial.facts
        plan = self.plan
        counter = plan.target.counter
        also_count = plan.also_count
        problems = self.partial.problems
        stats = self.partial.stats
        position = -1  # of the record in the batch counted (counted)
        for item in items:
            if isinstance(item, LineIssue):
                self.line_issue(item)
                continue
            position += 1
            line = item.line
            facts.lines = max(facts.lines, line)
            if facts.format is None:
                self._set_format(detect_format(item.data, plan.target.method))
            file_format = facts.format or "chat"
            shape_plain = file_format == "chat" and is_plain_chat(item.data)
            plain = shape_plain and not item.maybe_special  # what PLAIN_CHAT_CLEAN rules may skip
            tokens = _counted(counter, counted[0] if counted else None, position, item.data, plain, file_format)
            facts.examples += 1
            facts.token_counts[tokens.total] += 1
            if plan.keep_rows:
                self.partial.rows.append((line, tokens))
            if also_count:  # other encodings, in the same pass (cost)
                for index, (histogram, other) in enumerate(zip(facts.also_counts, also_count, strict=True), 1):
                    batch = counted[index] if counted else None
                    histogram[_counted(other, batch, position, item.data, plain, file_format).total] += 1
            facts.trained_tokens += tokens.trained
            facts.estimated |= tokens.estimated
            example = Example(line, item.data, file_format, tokens, item.maybe_special, shape_plain, item.raw)
            if stats is not None:
                stats.add(example, tokens)
            for rule, check, context in self._active_plain if plain else self._active:
                try:
                    found = check(example, context)
                    if not found:  # most checks return () for most records: nothing to stamp
                        continue
                    before = len(problems)
                    stamp(plan, rule, found, self.name, line, problems)
                except Exception as exc:
                    raise crash(rule, self.name, line, exc) from exc
                if len(problems) > before:
                    self._cap(before)
            for rule, collect, context, store in self._collecting_plain if plain else self._collecting:
                try:
                    value = collect(example, context)
                except Exception as exc:
                    raise crash(rule, self.name, line, exc) from exc
                if value is not None:
                    store.append(line, value)
            for rule, sample, context, kept in self._sampling:
                if len(kept) < SAMPLES_KEPT:  # the first distinct ones of the block: exact once merged
                    try:
                        found = sample(example, context)
                        if found is not None and found[0] not in kept:
                            kept[found[0]] = (line, preview(found[1], SAMPLE_CHARS))
                    except Exception as exc:
                        raise crash(rule, self.name, line, exc) from exc

    def line_issue(self, issue: LineIssue) -> None:
        self.partial.facts.lines = max(self.partial.facts.lines, issue.line or 0)
        if self.plan.keep_rows and issue.line is not None and issue.kind not in ("crlf", "bom"):
            self.partial.rows.append((issue.line, issue.kind))
        if issue.kind == "crlf":
            if self.partial.first_crlf is None or (issue.line or 0) < self.partial.first_crlf:
                self.partial.first_crlf = issue.line
            return
        for rule in self.line_rules.get(issue.kind, ()):
            before = len(self.partial.problems)
            try:
                stamp(self.plan, rule, rule.function(issue), self.name, issue.line, self.partial.problems)
            except Exception as exc:
                raise crash(rule, self.name, issue.line, exc) from exc
            self._cap(before)

    def _cap(self, before: int) -> None:
        """Keep the problems just added only as far as the cap per rule allows; count the rest."""
        problems = self.partial.problems
        added = problems[before:]
        del problems[before:]
        problems.extend(cap_problems(added, self.plan.max_problems_per_rule, self._kept, self.partial.left_out))

    def merge(self, other: Partial) -> None:
        """Add the results of the next part of the file (parts are merged in file order)."""
        cap = self.plan.max_problems_per_rule
        self.partial.problems.extend(cap_problems(other.problems, cap, self._kept, self.partial.left_out))
        self.partial.left_out.update(other.left_out)
        if self.partial.facts.format is None and other.facts.format is not None:
            self._set_format(other.facts.format)
        self.partial.facts.merge(other.facts)
        if other.stats is not None:
            if self.partial.stats is None:
                self.partial.stats = FileStats(per_role=other.stats.per_role)
            self.partial.stats.merge(other.stats)
        if other.first_crlf is not None and (
            self.partial.first_crlf is None or other.first_crlf < self.partial.first_crlf
        ):
            self.partial.first_crlf = other.first_crlf


def _counted(
    counter: TokenCounter | RenderedCounter,
    batch: list[ExampleTokens] | None,
    position: int,
    data: dict[str, Any],
    plain: bool,
    file_format: str,
) -> ExampleTokens:
    """An example's counts: from its batch where the counter counted the batch (an open model's), else now."""
    if batch is not None:
        return batch[position]
    if plain:
        return counter.plain_chat(data["messages"])
    return count_example(counter, data, file_format)


def count_example(counter: TokenCounter | RenderedCounter, data: dict[str, Any], file_format: str) -> ExampleTokens:
    """Tokens of one record in the file's format."""
    if file_format == "prompt-completion":
        return counter.prompt_completion(data.get("prompt"), data.get("completion"))
    if file_format == "preference":
        source = data.get("input")
        source = source if isinstance(source, dict) else {}
        tokens = counter.chat(messages_of(source) or [], tools=_list(source.get("tools")))
        for key in ("preferred_output", "non_preferred_output"):
            outputs = data.get(key)
            for message in outputs if isinstance(outputs, list) else []:
                if isinstance(message, dict):
                    extra, _ = counter.message(message)
                    tokens.total += extra
                    tokens.trained += extra
        return tokens
    return counter.chat(messages_of(data) or [], tools=_list(data.get("tools")), functions=_list(data.get("functions")))


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None
