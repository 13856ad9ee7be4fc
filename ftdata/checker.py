"""Checking one file: records and line issues in, problems and compact facts out.

A :class:`FileCheck` is fed the items of a file in order — all of them, or, when the file is split into
blocks checked by several processes, one block each — and the partial results are merged in file order
before the dataset rules run once on the merged facts. Either way the answers are the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ftdata.cost import price_examples
from ftdata.formats import detect_format, is_plain_chat, messages_of
from ftdata.reader import Item, LineIssue
from ftdata.report import FileReport, Problem, TokenStats
from ftdata.ruleapi import DatasetFacts, Example, Finding
from ftdata.tokens import ExampleTokens, TokenCounter

if TYPE_CHECKING:
    from ftdata.engine import Plan
    from ftdata.registry import Rule


@dataclass
class Partial:
    """What checking part of a file found: small enough to send back from a worker process."""

    problems: list[Problem] = field(default_factory=list)
    facts: DatasetFacts = field(default_factory=DatasetFacts)
    first_crlf: int | None = None  # CRLF is reported once per file, at its first line
    line_count: int = 0  # lines of the part checked (a block's lines are numbered from 1)

    def shifted(self, lines: int) -> Partial:
        """The same results with every line number moved on by ``lines`` (the lines of earlier blocks)."""
        if not lines:
            return self
        facts = replace(
            self.facts,
            lines=self.facts.lines + lines,
            collected={
                code: [(line + lines, v) for line, v in values] for code, values in self.facts.collected.items()
            },
        )
        return Partial(
            problems=[p if p.line is None else replace(p, line=p.line + lines) for p in self.problems],
            facts=facts,
            first_crlf=None if self.first_crlf is None else self.first_crlf + lines,
            line_count=self.line_count,
        )


class FileCheck:
    """The state of checking one file with one plan."""

    def __init__(self, plan: Plan, name: str, role: str = "training", file_format: str | None = None) -> None:
        self.plan = plan
        self.name = name
        rules = plan.rules_for(name)
        self.line_rules = {rule.reader_issue: rule for rule in rules if rule.kind == "line"}
        self.record_rules = [rule for rule in rules if rule.kind == "record"]
        self.dataset_rules = [rule for rule in rules if rule.kind == "dataset"]
        self.partial = Partial(facts=DatasetFacts(role=role))
        self._active: list[Rule] = []
        self._collecting: list[Rule] = []
        self._active_plain: list[Rule] = []  # what still runs on a plain chat example
        self._collecting_plain: list[Rule] = []
        if file_format is not None:
            self._set_format(file_format)

    def _set_format(self, file_format: str) -> None:
        self.partial.facts.format = file_format
        applies = [
            rule
            for rule in self.record_rules + self.dataset_rules
            if rule.formats is None or file_format in rule.formats
        ]
        self._active = [rule for rule in applies if rule.kind == "record"]
        self._collecting = [rule for rule in applies if rule.kind == "dataset" and rule.collect is not None]
        self._active_plain = [rule for rule in self._active if not rule.plain_chat_clean]
        self._collecting_plain = [rule for rule in self._collecting if not rule.plain_chat_clean]

    def _stamp(self, rule: Rule, findings: Iterable[Finding], line: int | None) -> None:
        severity = self.plan.severities[rule.code]
        for finding in findings:
            self.partial.problems.append(
                Problem(
                    code=rule.code,
                    name=rule.name,
                    severity=severity,
                    line=line if finding.line == -1 else finding.line,
                    path=finding.path,
                    message=finding.message,
                    column=finding.column,
                    file=self.name,
                )
            )

    def feed(self, items: Iterable[Item]) -> None:
        """Check records and line issues, in file order."""
        facts = self.partial.facts
        contexts = self.plan.contexts
        counter = self.plan.counter
        for item in items:
            if isinstance(item, LineIssue):
                self.line_issue(item)
                continue
            facts.lines = max(facts.lines, item.line)
            if facts.format is None:
                self._set_format(detect_format(item.data, self.plan.settings.method))
            file_format = facts.format or "chat"
            plain = file_format == "chat" and not item.maybe_special and is_plain_chat(item.data)
            tokens = (
                counter.plain_chat(item.data["messages"]) if plain else count_example(counter, item.data, file_format)
            )
            facts.examples += 1
            facts.token_counts[tokens.total] += 1
            facts.trained_tokens += tokens.trained
            facts.estimated |= tokens.estimated
            example = Example(item.line, item.data, file_format, tokens, item.maybe_special)
            for rule in self._active_plain if plain else self._active:
                self._stamp(rule, rule.function(example, contexts[rule.code]), item.line)
            for rule in self._collecting_plain if plain else self._collecting:
                value = rule.collect(example, contexts[rule.code])  # type: ignore[misc]
                if value is not None:
                    facts.collected.setdefault(rule.code, []).append((item.line, value))

    def line_issue(self, issue: LineIssue) -> None:
        self.partial.facts.lines = max(self.partial.facts.lines, issue.line or 0)
        if issue.kind == "crlf":
            if self.partial.first_crlf is None or (issue.line or 0) < self.partial.first_crlf:
                self.partial.first_crlf = issue.line
            return
        rule = self.line_rules.get(issue.kind)
        if rule is not None:
            self._stamp(rule, rule.function(issue), issue.line)

    def merge(self, other: Partial) -> None:
        """Add the results of the next part of the file (parts are merged in file order)."""
        self.partial.problems.extend(other.problems)
        if self.partial.facts.format is None and other.facts.format is not None:
            self._set_format(other.facts.format)
        self.partial.facts.merge(other.facts)
        if other.first_crlf is not None and (
            self.partial.first_crlf is None or other.first_crlf < self.partial.first_crlf
        ):
            self.partial.first_crlf = other.first_crlf

    def finish(self) -> FileReport:
        """Run the dataset rules on the merged facts and build the file's report."""
        facts = self.partial.facts
        if self.partial.first_crlf is not None:
            rule = self.line_rules.get("crlf")
            if rule is not None:
                self._stamp(rule, rule.function(LineIssue("crlf", self.partial.first_crlf)), self.partial.first_crlf)
        for rule in self.dataset_rules:
            if rule.formats is None or facts.format is None or facts.format in rule.formats:
                self._stamp(rule, rule.function(facts, self.plan.contexts[rule.code]), None)
        problems = sorted(self.partial.problems, key=lambda p: (p.line is not None, p.line or 0))
        plan = self.plan
        counts = facts.token_counts
        return FileReport(
            path=self.name,
            role=facts.role,
            format=facts.format,
            examples=facts.examples,
            problems=problems,
            tokens=TokenStats.from_counts(
                counts,
                facts.trained_tokens,
                encoding=plan.counter.encoding.name,
                limit=plan.max_tokens,
                estimated=facts.estimated,
            ),
            cost=price_examples(
                counts, model=plan.model, max_tokens=plan.max_tokens, epochs=plan.settings.epochs, catalog=plan.catalog
            )
            if facts.role == "training"
            else None,
        )


def count_example(counter: TokenCounter, data: dict[str, Any], file_format: str) -> ExampleTokens:
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
