"""Property-based fuzzing: valid example files, one line mutated at any JSON path, through the CLI and the library.

For each format (the valid whole-file fixtures in fixtures/examples/), a record is mutated: the value at any
JSON path replaced by any JSON value (every type, huge numbers, long and odd strings, deep nesting), a key
deleted, a key added, or the whole record replaced or wrapped. The file is linted through the CLI (JSON
output) and the records through ``ftdata.lint(records)``. Properties:

* the CLI exits 0 or 1, prints one JSON document on stdout, no traceback, and leaves the file unchanged;
* the library raises nothing and leaves the records unchanged;
* problems appear only on the mutated line: the other lines' problems are those of the unmutated file.

Line 1 decides the file's format, so mutating it legitimately changes every other line's verdict; it is
fuzzed in a test of its own whose only properties are the first two above.

Hypothesis profiles (registered here, applied to these tests only), chosen by the environment variable
``FTDATA_FUZZ``:

* ``ci`` (default): 60 examples per test, derandomized (the same examples on every run), no example database;
* ``long``: 2,000 examples per test, random; a failure prints the ``@reproduce_failure`` blob, and
  ``pytest --hypothesis-seed=N`` replays a seed.

Then come regression tests for named hostile lines, and a test that no output format leaks planted secrets.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import string
import subprocess
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal

import orjson
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, note, settings
from hypothesis import strategies as st

import ftdata
from ftdata.cli import main
from ftdata.config import Settings
from ftdata.formatters import formats_for
from ftdata.vocabulary import Method
from tests.conftest import FIXTURES

EXAMPLES = FIXTURES / "examples"

# ---------------------------------------------------------------------------------------------- profiles

_SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.filter_too_much,
    HealthCheck.large_base_example,
    # conftest's autouse fixtures (network blocked, 'today' pinned) are function-scoped; they hold for the
    # whole test, across its examples, which is what is wanted. Files go to tmp_path_factory, never tmp_path.
    HealthCheck.function_scoped_fixture,
]
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)
settings.register_profile(
    "long",
    max_examples=2000,
    deadline=None,
    derandomize=False,
    database=None,
    print_blob=True,
    suppress_health_check=_SUPPRESSED,
)
FUZZ = settings.get_profile(os.environ.get("FTDATA_FUZZ", "ci"))

# ------------------------------------------------------------------------------------------------ fixtures


@dataclass(frozen=True)
class Fixture:
    name: str
    args: tuple[str, ...]  # extra command-line options
    method: Method | None  # the same, for the library
    target: str | None = None  # checked for this target (its own rules and limits): the same, for both

    @property
    def key(self) -> str:
        return f"{self.name}@{self.target}" if self.target else self.name

    @property
    def path(self) -> Path:
        return EXAMPLES / f"{self.name}.jsonl"

    @property
    def lines(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").splitlines()

    def settings(self) -> Settings:
        return Settings(method=self.method, target=self.target)


FORMATS = [
    Fixture("support-chat", (), None),
    Fixture("vision-chat", (), None),
    Fixture("dpo", (), None),
    Fixture("rft", ("--method", "rft"), "rft"),
    Fixture("prompt-completion", (), None),
    # the rules only some targets switch on (alternating turns, data-URL images, one-message DPO outputs, ...)
    Fixture("support-chat", ("--target", "together"), None, "together"),
    Fixture("dpo", ("--target", "together"), None, "together"),
    Fixture("vision-chat", ("--target", "fireworks"), None, "fireworks"),
]
FORMAT_IDS = [fixture.key for fixture in FORMATS]

# Dataset-level rules that report at one line while comparing lines: mixed-formats (FT120, the first line
# whose format differs), missing-system-message (FT201, lines without one when others have one),
# images-not-supported (FT155, the first line with images). None of them needs excluding from the
# "other lines untouched" property with these fixtures:
#  * FT120: no fixture line differs from line 1's format, so the first differing line is the mutated one;
#  * FT201: every line of both chat fixtures has a system message, so no other line can lack one (and the
#    rule applies to neither the preference, RFT nor prompt/completion format);
#  * FT155: runs only when a model is chosen; these tests choose none;
#  * remote-images-not-checked (FT153), too-many-image-examples (FT404), small-dataset (FT402),
#    too-few-examples (FT401), format-not-supported (FT121): whole-file problems (line null), not compared;
#  * validation-example-in-training (FT405): needs a validation file; there is none.
CROSS_LINE_RULES: frozenset[str] = frozenset()

# --------------------------------------------------------------------------------------------- JSON values


@dataclass(frozen=True)
class Deep:
    """A list or an object nested ``depth`` levels around ``leaf``; expanded only when written or linted
    (so that hypothesis can print it, and a record holding it can be walked, without recursion)."""

    depth: int
    kind: str  # "list" or "dict"
    key: str
    leaf: Any

    def expand(self) -> Any:
        value = self.leaf
        for _ in range(self.depth):
            value = [value] if self.kind == "list" else {self.key: value}
        return value


class _Raw:
    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(value: Any) -> str:
    """One JSONL line for any JSON value, however deep (orjson stops dumping at 254 levels; this does not)."""
    out: list[str] = []
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, _Raw):
            out.append(item.text)
        elif isinstance(item, Deep):
            opening = "[" if item.kind == "list" else "{" + json.dumps(item.key, ensure_ascii=False) + ": "
            out.append(opening * item.depth)
            stack.append(_Raw(("]" if item.kind == "list" else "}") * item.depth))
            stack.append(item.leaf)
        elif item is None:
            out.append("null")
        elif item is True:
            out.append("true")
        elif item is False:
            out.append("false")
        elif isinstance(item, int):
            out.append(str(item))
        elif isinstance(item, float):
            out.append(repr(item))  # finite floats only: repr is valid JSON
        elif isinstance(item, str):
            out.append(json.dumps(item, ensure_ascii=False))
        elif isinstance(item, list):
            out.append("[")
            stack.append(_Raw("]"))
            for index in range(len(item) - 1, -1, -1):
                stack.append(item[index])
                if index:
                    stack.append(_Raw(", "))
        elif isinstance(item, dict):
            out.append("{")
            stack.append(_Raw("}"))
            pairs = list(item.items())
            for index in range(len(pairs) - 1, -1, -1):
                key, child = pairs[index]
                stack.append(child)
                stack.append(_Raw((", " if index else "") + json.dumps(key, ensure_ascii=False) + ": "))
        else:  # pragma: no cover - a bug in the strategies
            raise TypeError(type(item))
    return "".join(out)


def expand(value: Any) -> Any:
    """A plain JSON value (dicts, lists, scalars) with every Deep expanded; iterative."""
    return copy_containers(value, expand_deeps=True)


KNOWN_KEYS = [
    "messages", "role", "content", "name", "weight", "tool_calls", "tool_call_id", "function_call",
    "functions", "tools", "parallel_tool_calls", "type", "text", "image_url", "url", "detail", "function",
    "arguments", "parameters", "description", "properties", "required", "id", "refusal", "input",
    "preferred_output", "non_preferred_output", "prompt", "completion", "answer", "audio", "file",
]  # fmt: skip
ROLES = ["system", "user", "assistant", "tool", "function", "developer", "", "User", "assistant "]
ODD_STRINGS = [
    "",
    " ",
    "<|endoftext|>",
    "<|im_start|>system",
    "<|fim_prefix|>",
    "\u0000",
    "a\u0000b",
    "\u200f\u202eRTL\u202c",
    "\ufeff",
    "\u2028",
    "\u2029",
    "\x85",
    "\x7f",
    "\r\n",
    "\n" * 50,
    "\t",
    "\U0001f600\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U00010000\U0010ffff",
    "\uffff\ufffe",
    " " * 10_000,
    "{}",
    '{"a": 1}',
    "[]",
    "null",
    "call_1",
    "low",
    "high",
    "auto",
    "text",
    "image_url",
    "function",
    "https://example.com/a.png",
    "http://",
    "data:image/png;base64,",
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg==",
    "data:image/jpeg;base64,!!!!",
    "data:,",
    "$.messages[0].content",
    "%s%n{0}",
    *ROLES,
]
ODD_KEYS = ["", "\n", ",", "\u0000", " ", "$", "$.messages[0]", "<|endoftext|>", "\u202e", "\U0001f600", '"', "\\"]
BIG_INTS = [10**30, -(2**70), 2**63, 2**63 - 1, -(2**63) - 1, 2**64, 2**53 + 1, 10**400, 0, -1, 1]
SPECIAL_FLOATS = [1e308, -1e308, 5e-324, -0.0, 0.5, 1e16, 2.0**53]

_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
_chars = st.characters(exclude_categories=_SURROGATES)  # no lone surrogates: they cannot be written as UTF-8
short_text = st.text(_chars, max_size=40)
long_text = st.builds(
    lambda piece, n: (piece * n)[:5000], st.text(_chars, min_size=1, max_size=8), st.integers(50, 5000)
)
strings = st.one_of(short_text, st.sampled_from(ODD_STRINGS), long_text)
keys = st.one_of(
    st.sampled_from(KNOWN_KEYS),
    st.sampled_from(ODD_KEYS),
    st.text(_chars, max_size=30),
    st.builds(lambda piece, n: piece * n, st.text(_chars, min_size=1, max_size=4), st.integers(100, 3000)),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(BIG_INTS),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(SPECIAL_FLOATS),
    strings,
)
deep = st.builds(Deep, st.integers(900, 1000), st.sampled_from(["list", "dict"]), keys, scalars)


def _shapes(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Containers, and objects shaped like the parts of an example (so that rules look deeper into them)."""
    role = st.one_of(st.sampled_from(ROLES), children)
    part = st.one_of(
        st.fixed_dictionaries({"type": st.just("text"), "text": children}),
        st.fixed_dictionaries(
            {
                "type": st.just("image_url"),
                "image_url": st.one_of(
                    children, st.fixed_dictionaries({"url": children}, optional={"detail": children})
                ),
            }
        ),
        st.fixed_dictionaries({"type": children}, optional={"text": children, "image_url": children}),
    )
    call = st.fixed_dictionaries(
        {
            "id": children,
            "type": st.one_of(st.just("function"), children),
            "function": st.one_of(children, st.fixed_dictionaries({"name": children, "arguments": children})),
        }
    )
    tool = st.fixed_dictionaries(
        {
            "type": st.one_of(st.just("function"), children),
            "function": st.one_of(
                children,
                st.fixed_dictionaries({"name": children}, optional={"parameters": children, "description": children}),
            ),
        }
    )
    message = st.fixed_dictionaries(
        {"role": role},
        optional={
            "content": st.one_of(children, st.lists(part, max_size=3)),
            "tool_calls": st.one_of(children, st.lists(call, max_size=3)),
            "tool_call_id": children,
            "name": children,
            "weight": children,
            "function_call": st.one_of(children, st.fixed_dictionaries({"name": children, "arguments": children})),
        },
    )
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=4),
        message,
        st.lists(message, min_size=1, max_size=3),
        part,
        st.lists(call, min_size=1, max_size=2),
        st.lists(tool, min_size=1, max_size=2),
    )


MAX_TREE_DEPTH = 4


@st.composite
def json_trees(draw: st.DrawFn, depth: int = 0) -> Any:
    """A JSON value: a scalar, more likely the deeper it is, or one of the shapes above around smaller trees.

    Not st.recursive: that one hands _shapes a strategy whose repr holds the level below's many times over,
    and hypothesis builds such reprs while shrinking (hundreds of megabytes, then the OOM killer); the repr
    of json_trees(depth=1) is just that.
    """
    if depth >= MAX_TREE_DEPTH or draw(st.integers(0, 9)) < 4 + 2 * depth:
        return draw(scalars)
    return draw(_shapes(json_trees(depth=depth + 1)))


json_values = st.one_of(json_trees(), deep)

# ------------------------------------------------------------------------------------------------ mutation

Path_ = tuple[Any, ...]  # keys and indexes from the record's root


def paths_of(record: Any, limit: int = 16) -> list[Path_]:
    """Every JSON path in the record (a Deep counts as one value), root first; iterative."""
    found: list[Path_] = []
    todo: list[tuple[Path_, Any]] = [((), record)]
    while todo:
        path, value = todo.pop()
        found.append(path)
        if len(path) >= limit:
            continue
        if isinstance(value, dict):
            todo.extend(((*path, key), child) for key, child in value.items())
        elif isinstance(value, list):
            todo.extend(((*path, index), child) for index, child in enumerate(value))
    return sorted(found, key=lambda p: (len(p), repr(p)))


def get(record: Any, path: Path_) -> Any:
    for step in path:
        record = record[step]
    return record


def copy_containers(value: Any, *, expand_deeps: bool = False) -> Any:
    """A copy whose containers are new; Deeps (and scalars, immutable) are shared, or with ``expand_deeps``
    expanded into plain values. Iterative."""
    if isinstance(value, Deep):
        return value.expand() if expand_deeps else value
    if not isinstance(value, (list, dict)):
        return value
    root: Any = [] if isinstance(value, list) else {}
    todo: list[tuple[Any, Any]] = [(value, root)]
    while todo:
        source, target = todo.pop()
        items = enumerate(source) if isinstance(source, list) else source.items()
        for key, child in items:
            copied = child
            if isinstance(child, Deep) and expand_deeps:
                copied = child.expand()
            elif isinstance(child, (list, dict)):
                copied = [] if isinstance(child, list) else {}
                todo.append((child, copied))
            if isinstance(target, list):
                target.append(copied)
            else:
                target[key] = copied
    return root


def pick(draw: st.DrawFn, items: list[Path_]) -> Path_:
    """One of the items, drawn by index: a strategy over the items themselves (sampled_from) would carry
    them in its repr and label, which for long keys and many paths cost hypothesis gigabytes when shrinking."""
    return items[draw(st.integers(0, len(items) - 1))]


@st.composite
def mutated(draw: st.DrawFn, record: Any) -> tuple[Any, list[str]]:
    """The record after one to three mutations, and what was done (for the failure report)."""
    record = copy_containers(record)
    done: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        paths = paths_of(record)
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add", "wrap"]))
        if operation == "replace":
            path = pick(draw, paths)
            value = draw(json_values)
            if path:
                get(record, path[:-1])[path[-1]] = value
            else:
                record = value
            done.append(f"replace {path!r}")
        elif operation == "delete":
            inner = [path for path in paths if path]
            if not inner:
                continue
            path = pick(draw, inner)
            del get(record, path[:-1])[path[-1]]
            done.append(f"delete {path!r}")
        elif operation == "add":
            containers = [path for path in paths if isinstance(get(record, path), (dict, list))]
            if not containers:
                continue
            path = pick(draw, containers)
            container = get(record, path)
            value = draw(json_values)
            if isinstance(container, dict):
                key = draw(keys)
                container[key] = value
                done.append(f"add key {key[:40]!r} at {path!r}")
            else:
                index = draw(st.integers(0, len(container)))
                container.insert(index, value)
                done.append(f"insert at {(*path, index)!r}")
        else:
            how = draw(st.sampled_from(["list", "dict", "value"]))
            if how == "list":
                record = [record]
            elif how == "dict":
                record = {draw(keys): record}
            else:
                record = draw(json_values)
            done.append(f"wrap/replace record ({how})")
    return record, done


# ------------------------------------------------------------------------------------------- running ftdata

_files = itertools.count()


def write_lines(folder: Path, lines: list[str]) -> Path:
    path = folder / f"fuzz-{next(_files)}.jsonl"
    path.write_bytes("".join(line + "\n" for line in lines).encode("utf-8"))
    return path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def explain(result: Result) -> str:
    if result.exc_info is None or isinstance(result.exception, SystemExit):
        return f"exit {result.exit_code}\nstderr: {result.stderr[-3000:]}\nstdout: {result.stdout[:1000]}"
    return "".join(traceback.format_exception(*result.exc_info))[-6000:]


def lint_cli(path: Path, *args: str, output: str = "json") -> Result:
    return CliRunner().invoke(main, ["lint", str(path), "--isolated", "--format", output, *args], catch_exceptions=True)


def check_cli(path: Path, *args: str) -> dict[str, Any]:
    """Lint a file through the CLI: exit 0/1, one JSON document, no traceback, the file unchanged."""
    before = sha(path)
    result = lint_cli(path, *args)
    assert result.exception is None or isinstance(result.exception, SystemExit), explain(result)
    assert result.exit_code in (0, 1), explain(result)
    assert "Traceback" not in result.stderr, explain(result)
    try:
        document = json.loads(result.stdout)  # exactly one JSON document: json.loads rejects anything after it
    except ValueError as exc:
        raise AssertionError(f"stdout is not one JSON document ({exc}): {result.stdout[:2000]!r}") from None
    assert isinstance(document, dict) and isinstance(document.get("files"), list), result.stdout[:2000]
    assert sha(path) == before, "ftdata changed its input file"
    return document


Key = tuple[int, str, str | None]  # (line, code, path) of a problem on a line


def cli_problems(document: dict[str, Any]) -> set[Key]:
    (entry,) = document["files"]
    return {(p["line"], p["code"], p["path"]) for p in entry["problems"] if p["line"] is not None}


def lib_problems(report: ftdata.Report) -> set[Key]:
    return {(p.line, p.code, p.path) for p in report.problems if p.line is not None}


@cache
def cli_baseline(key: str) -> frozenset[Key]:
    fixture = next(f for f in FORMATS if f.key == key)
    return frozenset(cli_problems(check_cli(fixture.path, *fixture.args)))


@cache
def lib_baseline(key: str) -> frozenset[Key]:
    fixture = next(f for f in FORMATS if f.key == key)
    records = [orjson.loads(line) for line in fixture.lines]
    return frozenset(lib_problems(ftdata.lint(records, settings=fixture.settings())))


def assert_other_lines_untouched(found: set[Key], baseline: frozenset[Key], line: int) -> None:
    def others(keys: set[Key] | frozenset[Key]) -> set[Key]:
        return {key for key in keys if key[0] != line and key[1] not in CROSS_LINE_RULES}

    appeared, vanished = others(found) - others(baseline), others(baseline) - others(found)
    assert not appeared and not vanished, (
        f"mutating line {line} changed other lines' problems: appeared {sorted(appeared, key=str)[:10]}, "
        f"vanished {sorted(vanished, key=str)[:10]}"
    )


def lint_records(records: list[Any], fixture: Fixture) -> ftdata.Report:
    """The library on records; the records must come back unchanged."""
    before = [dumps(record) for record in records]
    try:
        report = ftdata.lint(records, settings=fixture.settings())
    except Exception as exc:
        raise AssertionError(
            "ftdata.lint(records) raised:\n" + "".join(traceback.format_exception(exc))[-6000:]
        ) from None
    assert [dumps(record) for record in records] == before, "ftdata.lint changed the records it was given"
    return report


def _note_line(line: int, text: str, done: list[str]) -> None:
    note(f"line {line}: {'; '.join(done)}")
    note(f"mutated line ({len(text):,} chars): {text[:1500]}{' …' if len(text) > 1500 else ''}")


# ---------------------------------------------------------------------------------------- the fuzz tests


@pytest.mark.parametrize("fixture", FORMATS, ids=FORMAT_IDS)
@FUZZ
@given(data=st.data())
def test_cli_mutated_line_touches_no_other_line(
    fixture: Fixture, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    lines = fixture.lines
    line = data.draw(st.integers(2, len(lines)), label="line")
    record, done = data.draw(mutated(orjson.loads(lines[line - 1])), label="mutation")
    text = dumps(record)
    _note_line(line, text, done)
    lines[line - 1] = text
    path = write_lines(tmp_path_factory.mktemp("fuzz"), lines)
    document = check_cli(path, *fixture.args)
    assert_other_lines_untouched(cli_problems(document), cli_baseline(fixture.key), line)


@pytest.mark.parametrize("fixture", FORMATS, ids=FORMAT_IDS)
@FUZZ
@given(data=st.data())
def test_library_mutated_record_touches_no_other_record(fixture: Fixture, data: st.DataObject) -> None:
    records = [orjson.loads(line) for line in fixture.lines]
    line = data.draw(st.integers(2, len(records)), label="line")
    record, done = data.draw(mutated(records[line - 1]), label="mutation")
    # A record that is not an object is a problem at its line, as in a file; but a string among records is
    # taken for a path, and lint() refuses a mix of records and paths (InputError): not a record, skip it.
    assume(not isinstance(record, str))
    _note_line(line, dumps(record), done)
    records[line - 1] = expand(record)
    report = lint_records(records, fixture)
    assert_other_lines_untouched(lib_problems(report), lib_baseline(fixture.key), line)


@pytest.mark.parametrize("fixture", FORMATS, ids=FORMAT_IDS)
@FUZZ
@given(data=st.data())
def test_mutated_first_line_still_runs(
    fixture: Fixture, data: st.DataObject, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Line 1 decides the format: every verdict may change, but ftdata must still run and answer."""
    lines = fixture.lines
    record, done = data.draw(mutated(orjson.loads(lines[0])), label="mutation")
    text = dumps(record)
    _note_line(1, text, done)
    lines[0] = text
    check_cli(write_lines(tmp_path_factory.mktemp("fuzz"), lines), *fixture.args)
    if not isinstance(record, str):  # a string among records is taken for a path (see above)
        lint_records([expand(record), *(orjson.loads(line) for line in lines[1:])], fixture)


# ------------------------------------------------------------------------------- named hostile lines

VALID = EXAMPLES.joinpath("support-chat.jsonl").read_text(encoding="utf-8").splitlines()[0]
USER = {"role": "user", "content": "What is the weather in Paris?"}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "get_weather",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
        },
    }
]
CALL = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}


def _tool_exchange(*, call: Any = CALL, tool_call_id: Any = "call_1", tools: Any = TOOLS) -> dict[str, Any]:
    return {
        "messages": [
            USER,
            {"role": "assistant", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": tool_call_id, "content": "18 C, sunny"},
            {"role": "assistant", "content": "It is 18 C and sunny in Paris."},
        ],
        "tools": tools,
    }


def _chat(*messages: Any, **extra: Any) -> dict[str, Any]:
    return {"messages": list(messages), **extra}


def _nested(depth: int, kind: str) -> Deep:
    return Deep(depth, kind, "k", "x")


_BAD_NAME_CALLS = {
    "list": {**CALL, "function": {"name": ["get_weather"], "arguments": "{}"}},
    "object": {**CALL, "function": {"name": {"n": "get_weather"}, "arguments": "{}"}},
}
_BAD_NAME_TOOLS = {
    "list": [{"type": "function", "function": {"name": ["get_weather"], "parameters": {"type": "object"}}}],
    "object": [{"type": "function", "function": {"name": {"n": "get_weather"}, "parameters": {"type": "object"}}}],
}
ASSISTANT = {"role": "assistant", "content": "Hello"}
VISION_FIRST = EXAMPLES.joinpath("vision-chat.jsonl").read_text(encoding="utf-8").splitlines()[0]

HOSTILE: dict[str, tuple[str, Any]] = {
    # name: (line 1 of the file, hostile record at line 2)
    "role-list": (VALID, _chat({"role": ["user"], "content": "Hi"}, ASSISTANT)),
    "role-object": (VALID, _chat({"role": {"r": "user"}, "content": "Hi"}, ASSISTANT)),
    "assistant-role-list": (VALID, _chat(USER, {"role": ["assistant"], "content": "Hello"})),
    "tool-call-id-list": (VALID, _tool_exchange(tool_call_id=["call_1"])),
    "tool-call-id-object": (VALID, _tool_exchange(tool_call_id={"id": "call_1"})),
    "call-id-list": (VALID, _tool_exchange(call={**CALL, "id": ["call_1"]})),
    "call-function-name-list": (VALID, _tool_exchange(call=_BAD_NAME_CALLS["list"])),
    "call-function-name-object": (VALID, _tool_exchange(call=_BAD_NAME_CALLS["object"])),
    "tool-definition-name-list": (VALID, _tool_exchange(tools=_BAD_NAME_TOOLS["list"])),
    "tool-definition-name-object": (VALID, _tool_exchange(tools=_BAD_NAME_TOOLS["object"])),
    "part-type-list": (VALID, _chat({"role": "user", "content": [{"type": ["text"], "text": "Hi"}]}, ASSISTANT)),
    "part-type-object": (VALID, _chat({"role": "user", "content": [{"type": {"t": "text"}, "text": "Hi"}]}, ASSISTANT)),
    "content-nested-1000-list": (VALID, _chat({"role": "user", "content": _nested(1000, "list")}, ASSISTANT)),
    "content-nested-1000-dict": (VALID, _chat({"role": "user", "content": _nested(1000, "dict")}, ASSISTANT)),
    "content-nested-1000-in-part": (
        VALID,
        _chat({"role": "user", "content": [{"type": "text", "text": _nested(1000, "list")}]}, ASSISTANT),
    ),
    "content-million-spaces": (VALID, _chat(USER, {"role": "assistant", "content": " " * 1_000_000})),
    "user-content-million-spaces": (VALID, _chat({"role": "user", "content": " " * 1_000_000}, ASSISTANT)),
    "tools-null": (VALID, _tool_exchange(tools=None)),
    "tools-null-no-calls": (VALID, _chat(USER, ASSISTANT, tools=None)),
    "content-empty-list": (VALID, _chat({"role": "user", "content": []}, ASSISTANT)),
    "assistant-content-empty-list": (VALID, _chat(USER, {"role": "assistant", "content": []})),
    "detail-null": (
        VISION_FIRST,
        _chat(
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "https://example.com/a.png", "detail": None}}],
            },
            ASSISTANT,
        ),
    ),
    **{
        f"function-call-arguments-{kind}": (
            VALID,
            _chat(
                USER,
                {"role": "assistant", "function_call": {"name": "get_weather", "arguments": arguments}},
                {"role": "function", "name": "get_weather", "content": "18 C"},
                {"role": "assistant", "content": "Sunny."},
                functions=[{"name": "get_weather", "parameters": {"type": "object", "properties": {}}}],
            ),
        )
        for kind, arguments in {
            "object": {"city": "Paris"},
            "list": ["Paris"],
            "number": 10**30,
            "null": None,
            "bool": True,
        }.items()
    },
}


# Lines that once made the tokenizer eat all memory (24 GB, then the OOM killer): checked in a child process
# with its address space capped, so that a regression fails this test instead of killing the whole run.
IN_A_CHILD = frozenset({"content-million-spaces", "user-content-million-spaces"})
CHILD_MEMORY = 3 << 30
CHILD_SECONDS = 120
_LIBRARY_CHILD = (
    "import json, sys; import ftdata; from ftdata.config import Settings; "
    "rows = [json.loads(line) for line in open(sys.argv[1], encoding='utf-8')]; "
    "report = ftdata.lint(rows, settings=Settings()); "
    "print(json.dumps(sorted({p.line for p in report.problems if p.line is not None})))"
)


def _capped() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (CHILD_MEMORY, CHILD_MEMORY))


def _child(*args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            [sys.executable, *args],
            capture_output=True,
            text=True,
            timeout=CHILD_SECONDS,
            preexec_fn=_capped,
            cwd=Path(__file__).resolve().parent.parent,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise AssertionError(f"ftdata ran over {CHILD_SECONDS} s") from None


def _check_in_a_child(path: Path) -> None:
    before = sha(path)
    done = _child("-m", "ftdata", "lint", str(path), "--isolated", "--format", "json")
    why = f"exit {done.returncode} (memory capped at {CHILD_MEMORY >> 30} GiB)\nstderr: {done.stderr[-3000:]}"
    assert done.returncode in (0, 1), why
    assert "Traceback" not in done.stderr, why
    document = json.loads(done.stdout)
    assert any(p["line"] == 2 for p in document["files"][0]["problems"]), "no problem reported at line 2"
    assert sha(path) == before
    done = _child("-c", _LIBRARY_CHILD, str(path))
    why = f"ftdata.lint(records): exit {done.returncode}\nstderr: {done.stderr[-3000:]}"
    assert done.returncode == 0, why
    assert 2 in json.loads(done.stdout), "the library reports nothing at the hostile record"


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_line_is_reported_not_crashed_on(case: str, tmp_path: Path) -> None:
    first, hostile = HOSTILE[case]
    lines = [first, dumps(hostile), *[first] * 10]
    path = write_lines(tmp_path, lines)
    if case in IN_A_CHILD:
        _check_in_a_child(path)
        return
    document = check_cli(path)
    on_line_2 = [p for p in document["files"][0]["problems"] if p["line"] == 2]
    assert on_line_2, f"no problem reported at the hostile line 2: {document['files'][0]['problems']}"
    report = lint_records([orjson.loads(first), expand(hostile), *[orjson.loads(first)] * 10], FORMATS[0])
    assert any(p.line == 2 for p in report.problems), "the library reports nothing at the hostile record"


# ------------------------------------------------------------------------------------------------- leaks


def _secrets(seed: int) -> Iterator[str]:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    seen: set[str] = set()
    while True:
        secret = "sk-proj-" + "".join(rng.choice(alphabet) for _ in range(40))
        if secret not in seen:
            seen.add(secret)
            yield secret


def _planted_records() -> tuple[list[dict[str, Any]], list[str]]:
    secrets = _secrets(20260601)
    planted: list[str] = []

    def s() -> str:
        planted.append(next(secrets))
        return planted[-1]

    records: list[dict[str, Any]] = [
        {  # secrets as content, unknown keys (top level and in messages) and their values
            "messages": [
                {"role": "system", "content": s(), s(): s()},
                {"role": "user", "content": s(), s(): [s(), {s(): s()}]},
                {"role": "assistant", "content": s(), "name": s(), "weight": s()},
            ],
            s(): s(),
            s(): {s(): s()},
        },
        {  # role values, an unknown part type, detail and image URLs
            "messages": [
                {"role": s(), "content": s()},
                {
                    "role": "user",
                    "content": [
                        {"type": s(), "text": s()},
                        {
                            "type": "image_url",
                            "image_url": {"url": f"https://{s()}.example.com/{s()}.png", "detail": s()},
                        },
                        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{s()}"}},
                        {"type": "image_url", "image_url": {"url": s()}},
                        {"type": "text", "text": f"<|endoftext|>{s()}"},
                    ],
                },
                {"role": "assistant", "content": s(), "refusal": s()},
            ],
        },
        {  # tool names, call ids and arguments, undefined tools, duplicate tool names
            "messages": [
                {"role": "user", "content": s()},
                {
                    "role": "assistant",
                    "tool_calls": [
                        {"id": s(), "type": s(), "function": {"name": s(), "arguments": s()}},
                        {"id": s(), "type": "function", "function": {"name": s(), "arguments": '{"' + s() + '": 1'}},
                    ],
                },
                {"role": "tool", "tool_call_id": s(), "content": s()},
                {"role": s(), "content": s()},
            ],
            "tools": [
                {"type": "function", "function": {"name": s(), "parameters": {"type": s(), "properties": {s(): s()}}}},
                {"type": s(), "function": {"name": "dup", "description": s()}},
                {"type": "function", "function": {"name": "dup", s(): s()}},
            ],
            "parallel_tool_calls": s(),
        },
        {  # the legacy function-call shape
            "messages": [
                {"role": "user", "content": s()},
                {"role": "assistant", "function_call": {"name": s(), "arguments": s()}},
                {"role": "function", "name": s(), "content": s()},
            ],
            "functions": [{"name": s(), "parameters": s()}],
        },
        {"prompt": s(), "completion": s(), s(): s()},  # another format in the file
        {"input": {"messages": [{"role": s(), "content": s()}]}, "preferred_output": s(), s(): s()},
    ]
    return records, planted


@pytest.mark.parametrize("output", formats_for("lint"))
def test_no_output_format_leaks_planted_secrets(output: str, tmp_path: Path) -> None:
    records, planted = _planted_records()
    assert len(set(planted)) == len(planted) > 50
    lines = [VALID, *(dumps(record) for record in records), *(dumps(record) for record in records)]
    path = write_lines(tmp_path, lines)
    before = sha(path)
    args = ["--show-all"] if output == "text" else []
    result = lint_cli(path, *args, output=output)
    assert result.exception is None or isinstance(result.exception, SystemExit), explain(result)
    assert result.exit_code in (0, 1), explain(result)
    assert sha(path) == before
    assert result.stdout.strip(), "no output"
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        leaks = []
        for secret in planted:
            at = next(
                (text.find(secret[i : i + 12]) for i in range(len(secret) - 11) if secret[i : i + 12] in text), -1
            )
            if at >= 0:
                leaks.append(text[max(0, at - 70) : at + 30].replace("\n", " "))
        assert not leaks, f"{stream} quotes {len(leaks)} planted secret(s):\n" + "\n".join(leaks)
