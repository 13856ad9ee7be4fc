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
    FILE_ROLES = ("training",)           # optional: the files it checks (default: training and validation)
    DEEP = True                          # optional: a slow check, off (OPTIONS "enabled": False) unless the
                                         # run asks for deep checks (lint --deep) or enables it by its option

a docstring with the sections *What it does*, *Why is this bad?*, *Example* and *Use instead*, and exactly
one of these functions:

- ``check(example: Example, ctx: RuleContext) -> Iterable[Finding]`` — runs on every record;
- ``check_line(issue: LineIssue) -> Iterable[Finding]`` with ``READER_ISSUE = "<kind>"`` — turns a reader
  issue (invalid JSON, BOM, ...) into findings;
- ``finish(dataset: DatasetFacts, ctx: RuleContext) -> Iterable[Finding]`` — runs once per file on compact
  facts gathered from every record (so it works however the records were split between workers). Such a
  rule may also define ``collect(example, ctx) -> object | None``: each value that is not None is kept with
  its line in ``dataset.values_of(CODE)`` (keep values small, and return None for the common case). A
  ``collect`` function that several rules name (the same function object) runs once per example and its
  values are kept once, for all of them (so it must not depend on a rule's options: it is given the first
  rule's context); ``Collected.column`` reads one int of each of its values, for rows of several facts;
  and ``sample(example, ctx) -> tuple[int, str] | None``: a text to quote and its key (a hash of it), of
  which the engine keeps the first line and a redacted, shortened text of the first ``SAMPLES_KEPT``
  distinct keys of the file, exactly however the file is split (``dataset.samples_of(CODE)``: key -> (first
  line, text)) — for messages that quote what they count, such as the file's system prompts;
- ``finish_job(job: JobFacts, ctx: RuleContext) -> Iterable[Finding]`` — runs once per job (the training
  files and the validation file together) on every file's facts; it may ``collect`` the same way (its
  ``collect`` runs on every file of the job, but only when the job has a validation file). A finding names
  its ``file`` (default: the job's first training file).

``ctx.target`` is where the job will run (the service profile's limits and vocabularies, the model, the
per-example limit, the catalog, the method, the epochs, today); rules read service facts from it, never
from constants of their own, so that one rule serves every service.

The engine, not the rule, stamps code, name, severity and file on each finding.
"""

from __future__ import annotations

import datetime
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, overload

from ftdata.reader import LineIssue
from ftdata.vocabulary import GROUPS, SEVERITIES, FileRole, Format, Method, Severity

if TYPE_CHECKING:  # the target holds the token counter: rules and plugins load it only when a run does
    from ftdata.catalog import Catalog, Model
    from ftdata.target import Target


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a rule found.

    ``line``: left out, a ``check`` or ``check_line`` finding is at the record's (or the issue's) line and a
    ``finish`` or ``finish_job`` finding is about the whole file. ``path``: a JSON path in the record.
    ``file``: for job rules, the path of the file it is in (default: the job's first training file; a
    path that is both a training file and the validation file stands for the validation file).
    """

    message: str
    path: str | None = None
    line: int | None = None
    column: int | None = None
    file: str | None = None


ESTIMATED_IMAGES = 1
ESTIMATED_TOOL_CALLS = 2
ESTIMATED_TEMPLATE = 4  # the chat template refused the example: its tokens are those of its texts alone
ESTIMATED_TRAINED = 8  # trained tokens found by the assistant turns' text (no template marks them)
_ESTIMATED_NAMES = (
    (ESTIMATED_IMAGES, "images"),
    (ESTIMATED_TOOL_CALLS, "tool calls"),
    (ESTIMATED_TEMPLATE, "examples the chat template refused"),
    (ESTIMATED_TRAINED, "trained tokens"),
)


def estimated_parts(flags: int) -> list[str]:
    """The names of the estimated parts, for reports: ['images', 'tool calls']."""
    return [name for flag, name in _ESTIMATED_NAMES if flags & flag]


class Collected(Sequence[tuple[int, Any]]):
    """The (line, value) pairs a rule's ``collect`` returned for a file, in file order, held compactly so that
    a file's facts grow by a few bytes per example, never by its text.

    Lines are kept in an array of machine integers. Values that are ints in [0, 2**64) — hashes — or tuples of
    a fixed number of such ints are kept in an array too (8 bytes an int: a 64-bit hash costs 16 bytes a pair
    with its line, not a tuple's 90); any other value turns the store into a list of references to the small
    objects rules return. Rules see the same pairs either way.
    """

    __slots__ = ("lines", "values", "width")

    def __init__(self, lines: Iterable[int] = (), values: Iterable[Any] = ()) -> None:
        self.lines = array("q", lines)
        self.values: array[int] | list[Any] = array("Q")
        self.width = 0  # ints per value in the array (1: plain ints); -1: values kept as a list; 0: none yet
        for value in values:
            self._add(value)

    def _add(self, value: Any) -> None:
        if self.width >= 0:
            packed = _packed(value)
            if packed is not None and self.width in (0, len(packed)):
                self.width = len(packed)
                self.values.extend(packed)
                return
            self._as_list()
        self.values.append(value)

    def _as_list(self) -> None:
        if self.width != -1:
            self.values = list(self._values())
            self.width = -1

    def _values(self) -> Iterator[Any]:
        width, values = self.width, self.values
        if width <= 1:
            return iter(values)
        # each value's ints are every width-th int from its first: zip builds the tuples in C
        return zip(*(values[offset::width] for offset in range(width)), strict=True)

    def append(self, line: int, value: Any) -> None:
        # Called for every record by every collecting rule: the common values (an int, or a tuple of the
        # width already held) go straight into the array, which raises OverflowError for an int outside
        # [0, 2**64); anything else, or the first value, takes the general way (_add).
        width = self.width
        if width == 1 and type(value) is int:
            try:
                self.values.append(value)
            except OverflowError:
                self._as_list()
                self._add(value)
        elif width > 1 and type(value) is tuple and len(value) == width and _all_ints(value):
            values = self.values
            size = len(values)
            try:
                values.extend(value)
            except OverflowError:  # an int out of range: undo the ints added before it, and keep a list
                del values[size:]
                self._as_list()
                self._add(value)
        else:
            self._add(value)
        self.lines.append(line)

    def extend(self, other: Collected) -> None:
        if other.width == 0:
            return
        if self.width == 0 or (self.width == other.width and self.width != -1):
            self.width = other.width
            if isinstance(self.values, array) and isinstance(other.values, array):
                self.values.extend(other.values)
            else:
                self.values = list(self.values) + list(other.values)
        else:
            self._as_list()
            self.values.extend(other._values())
        self.lines.extend(other.lines)

    def shifted(self, by: int) -> Collected:
        """The same pairs with every line moved on by ``by`` (the lines of earlier blocks)."""
        moved = Collected()
        moved.lines = array("q", [line + by for line in self.lines])
        moved.values = self.values
        moved.width = self.width
        return moved

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, index: int) -> Sequence[int]:
        """The ``index``-th int of every value, in file order (values that are tuples of ints), beside
        ``lines``: one slice of the array, not a tuple built per value."""
        if self.width > 1:
            return self.values[index :: self.width]
        if self.width == -1:
            return [value[index] for value in self.values]  # type: ignore[index]  # values that are tuples
        return array("Q") if self.width == 0 else self.values  # plain ints: the one column

    def value(self, index: int) -> Any:
        width = self.width
        if width > 1:
            return tuple(self.values[index * width : (index + 1) * width])
        return self.values[index]

    @overload
    def __getitem__(self, index: int) -> tuple[int, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[int, Any]]: ...
    def __getitem__(self, index: int | slice) -> tuple[int, Any] | list[tuple[int, Any]]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += len(self.lines)
        return self.lines[index], self.value(index)

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        return zip(self.lines, self._values(), strict=True)

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuilt, (self.lines, self.values, self.width)

    def __repr__(self) -> str:
        return f"Collected({list(self)!r})"


def _rebuilt(lines: array[int], values: array[int] | list[Any], width: int) -> Collected:
    found = Collected()
    found.lines, found.values, found.width = lines, values, width
    return found


_WORD = 1 << 64


def _packed(value: Any) -> tuple[int, ...] | None:
    """The value as unsigned 64-bit ints when it is such an int or a tuple of two or more; else None."""
    if type(value) is int:
        return (value,) if 0 <= value < _WORD else None
    if type(value) is tuple and len(value) > 1 and all(type(item) is int and 0 <= item < _WORD for item in value):
        return value
    return None


def _all_ints(value: tuple[Any, ...]) -> bool:
    """Whether every item is an int (not a bool, nor a float, which the array would take or turn down)."""
    for item in value:  # noqa: SIM110 - a loop costs half what all() over a generator does, for every record
        if type(item) is not int:
            return False
    return True


@dataclass(slots=True)
class ExampleTokens:
    """Token counts of one example, in the order the service lays the example out."""

    total: int = 0
    trained: int = 0  # tokens of assistant messages the service trains on (weight != 0)
    prefix: int = 0  # tool/function definitions, laid out before the messages
    messages: list[tuple[int, bool]] = field(default_factory=list)  # (tokens, trained) per message
    estimated: int = 0  # parts estimated, not counted exactly: ESTIMATED_IMAGES | ESTIMATED_TOOL_CALLS
    error: str | None = None  # the chat template refused the example (open-weight models): its message
    double_encoded: int = 0  # tool-call arguments given as JSON strings that the template wrote as quoted strings
    # the sequences a trainer feeds apart (a preference pair's prompt + chosen and prompt + rejected, as an
    # open model's template renders them), each held to the maximum length on its own; () for one sequence
    parts: tuple[ExampleTokens, ...] = ()

    def sequences(self) -> tuple[ExampleTokens, ...]:
        """The sequences the trainer cuts at its maximum length one at a time."""
        return self.parts or (self,)

    def trained_tokens_beyond(self, limit: int) -> int:
        """Trained tokens that lie past ``limit``: lost when the service truncates the example's end."""
        lost = 0
        position = self.prefix
        for tokens, trained in self.messages:
            end = position + tokens
            if trained and end > limit:
                lost += end - max(position, limit)
            position = end
        return lost


@dataclass(frozen=True, slots=True)
class Example:
    """One parsed record, with its file's format and its token counts."""

    line: int
    data: dict[str, Any]
    format: Format  # the file's format
    tokens: ExampleTokens | None
    maybe_special: bool = True  # False when the raw line cannot hold a special token such as <|endoftext|>
    # True when the engine found the record a plain chat example (ftdata.formats.is_plain_chat: only messages,
    # each a system, user or assistant role and a string content): helpers may take a shorter way then.
    # False when it is not, or not known.
    plain: bool = False
    raw: bytes | None = None  # the line the record was read from (None: not read from a file's line)


@dataclass(frozen=True, slots=True)
class RuleContext:
    """What a rule may know about the run: its own options, and the target the job will run on."""

    options: Mapping[str, Any]
    target: Target

    @property
    def max_tokens(self) -> int:
        """Tokens per training example before the service truncates."""
        return self.target.max_tokens

    @property
    def model(self) -> Model | None:
        """The chosen model (None when none was chosen)."""
        return self.target.model

    @property
    def catalog(self) -> Catalog:
        """The run's catalog: the shipped one with the user's models."""
        return self.target.catalog

    @property
    def today(self) -> datetime.date:
        return self.target.today

    @property
    def method(self) -> Method | None:
        """What the user said they will train: sft, dpo or rft."""
        return self.target.method


SAMPLES_KEPT = 64  # distinct texts a rule's sample keeps per file (its first ones)
SAMPLE_CHARS = 120  # of each, shown


@dataclass(slots=True)
class DatasetFacts:
    """Compact facts about every record of a file, mergeable across workers."""

    format: Format | None = None
    role: FileRole = "training"  # or "validation" (checked, not billed)
    lines: int = 0  # the last line number seen
    examples: int = 0  # records that parsed to an object
    # The file's size as read (decompressed, as it will be uploaded): where the last block read ends (0 for
    # records given as objects, which are no file).
    bytes: int = 0
    # How many examples have each token count: exact statistics and costs in memory that does not grow
    # with the file (there are only so many distinct counts).
    token_counts: Counter[int] = field(default_factory=Counter)
    trained_tokens: int = 0
    also_counts: list[Counter[int]] = field(default_factory=list)  # the same histogram by each plan.also_count
    estimated: int = 0  # parts of some counts that are estimates: ESTIMATED_IMAGES | ESTIMATED_TOOL_CALLS
    collected: dict[str, Collected] = field(default_factory=dict)  # rule code -> its (line, value) pairs
    # rule code -> the code whose store it reads: rules that share a collect function keep its values once
    shared: dict[str, str] = field(default_factory=dict)
    # rule code -> key -> (first line, redacted text): the first SAMPLES_KEPT distinct keys a rule's sample gave
    samples: dict[str, dict[int, tuple[int, str]]] = field(default_factory=dict)

    def values_of(self, code: str) -> Collected:
        """What the rule ``code`` collected from this file: its (line, value) pairs in file order."""
        return self.collected.get(self.shared.get(code, code)) or Collected()

    def samples_of(self, code: str) -> Mapping[int, tuple[int, str]]:
        """What the rule ``code``'s ``sample`` gave: key -> (its first line, its text, redacted and shortened),
        for the SAMPLES_KEPT keys that come first in the file (a key past them is not there)."""
        return self.samples.get(code) or {}

    def merge(self, other: DatasetFacts) -> None:
        self.format = self.format or other.format
        self.lines = max(self.lines, other.lines)
        self.examples += other.examples
        self.bytes = max(self.bytes, other.bytes)  # offsets are the file's, whichever block saw them
        self.token_counts.update(other.token_counts)
        if not self.also_counts:
            self.also_counts = [Counter() for _ in other.also_counts]
        for mine, theirs in zip(self.also_counts, other.also_counts, strict=False):
            mine.update(theirs)
        self.trained_tokens += other.trained_tokens
        self.estimated |= other.estimated
        for code, values in other.collected.items():
            self.collected.setdefault(code, Collected()).extend(values)
        self.shared.update(other.shared)
        for code, given in other.samples.items():
            held = self.samples.setdefault(code, {})
            for key, (line, text) in given.items():
                if key not in held or line < held[key][0]:
                    held[key] = (line, text)
            if len(held) > SAMPLES_KEPT:  # the keys that come first in the file: exact, whatever the blocks
                first = sorted(held.items(), key=lambda item: item[1][0])[:SAMPLES_KEPT]
                held.clear()  # in place: a scan still feeding this file holds the dict
                held.update(first)


@dataclass(frozen=True, slots=True)
class FileFacts:
    """One file of a job: its path and the facts its records left."""

    path: str
    facts: DatasetFacts

    @property
    def role(self) -> FileRole:
        return self.facts.role


@dataclass(frozen=True, slots=True)
class JobFacts:
    """Every file of one job, in the order given: the training files, then the validation file."""

    files: Sequence[FileFacts]

    @property
    def training(self) -> list[FileFacts]:
        return [f for f in self.files if f.role == "training"]

    @property
    def validation(self) -> list[FileFacts]:
        return [f for f in self.files if f.role == "validation"]


__all__ = [
    "GROUPS",
    "SEVERITIES",
    "DatasetFacts",
    "Example",
    "ExampleTokens",
    "FileFacts",
    "Finding",
    "JobFacts",
    "LineIssue",
    "RuleContext",
    "Severity",
]
