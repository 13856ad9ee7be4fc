"""What a rule sees and what it yields: the whole interface between ftdata and a rule module.

A rule is a module (in ``rules/``, installed as ``ftdata.rules``, or a third-party module registered in the
``ftdata.rules`` entry-point group) that defines these constants::

    CODE = "FT112"                       # two to five capitals and three digits, unique
    NAME = "missing-assistant-message"   # kebab-case, reads well after "ignore"
    GROUP = "structure"                  # file, structure, content, tokens or dataset
    SEVERITY = "error"                   # error, warning or info
    FORMATS = ("chat",)                  # optional: the file formats it applies to (default: all)
    OPTIONS = {"minimum": 50}            # optional: options users may set, with their defaults
    PLAIN_CHAT_CLEAN = True              # optional: finds nothing in a plain chat example, so the engine
                                         # may skip it there (ftdata.formats.is_plain_chat; tests hold you to it)

a docstring with the sections *What it does*, *Why is this bad?*, *Example* and *Use instead*, and exactly
one of these functions:

- ``check(example: Example, ctx: RuleContext) -> Iterable[Finding]`` — runs on every record;
- ``check_line(issue: LineIssue) -> Iterable[Finding]`` with ``READER_ISSUE = "<kind>"`` — turns a reader
  issue (invalid JSON, BOM, ...) into findings;
- ``finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterable[Finding]`` — runs once per file on compact
  facts gathered from every record (so it works however the records were split between workers). Such a
  rule may also define ``collect(example, ctx) -> object | None``: each value that is not None is kept with
  its line in ``dataset.collected[CODE]`` (keep values small, and return None for the common case).

The engine, not the rule, stamps code, name, severity and file on each finding.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ftdata.catalog import Catalog, Model, load_catalog
from ftdata.reader import LineIssue
from ftdata.tokens import ExampleTokens

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
GROUPS = ("file", "structure", "content", "tokens", "dataset")
_UNSET = -1


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a rule found. ``line`` defaults to the record's line; ``path`` is a JSON path in it."""

    message: str
    path: str | None = None
    line: int | None = _UNSET
    column: int | None = None


@dataclass(frozen=True, slots=True)
class Example:
    """One parsed record, with its file's format and its token counts."""

    line: int
    data: dict[str, Any]
    format: str  # the file's format: chat, rft, preference or prompt-completion
    tokens: ExampleTokens | None
    maybe_special: bool = True  # False when the raw line cannot hold a special token such as <|endoftext|>


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may know about the run: its own options and the model's limits."""

    options: Mapping[str, Any]
    max_tokens: int  # tokens per training example before the service truncates
    model: Model | None  # None when no model was chosen
    today: datetime.date = field(default_factory=datetime.date.today)
    catalog: Catalog = field(default_factory=load_catalog)  # the run's: the shipped one with the user's models
    method: str | None = None  # what the user said they will train: sft, dpo or rft


@dataclass(slots=True)
class DatasetFacts:
    """Compact facts about every record of a file, mergeable across workers."""

    format: str | None = None
    role: str = "training"  # or "validation" (checked, not billed)
    lines: int = 0  # the last line number seen
    examples: int = 0  # records that parsed to an object
    # How many examples have each token count: exact statistics and costs in memory that does not grow
    # with the file (there are only so many distinct counts).
    token_counts: Counter[int] = field(default_factory=Counter)
    trained_tokens: int = 0
    estimated: bool = False  # some token counts include estimates (images, tool calls)
    collected: dict[str, list[tuple[int, Any]]] = field(default_factory=dict)  # rule code -> (line, value)

    def merge(self, other: DatasetFacts) -> None:
        self.format = self.format or other.format
        self.lines = max(self.lines, other.lines)
        self.examples += other.examples
        self.token_counts.update(other.token_counts)
        self.trained_tokens += other.trained_tokens
        self.estimated |= other.estimated
        for code, values in other.collected.items():
            self.collected.setdefault(code, []).extend(values)


__all__ = ["DatasetFacts", "Example", "Finding", "LineIssue", "RuleContext", "Severity"]
