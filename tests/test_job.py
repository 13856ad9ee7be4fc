"""The job as the unit of work: the import graph, job rules, crash isolation and service profiles as data."""

from __future__ import annotations

import ast
import datetime
import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ftdata
from ftdata.profiles import load_profile, shipped_profiles
from tests.conftest import FIXTURES, ROOT, invoke

GOOD = FIXTURES / "examples" / "support-chat.jsonl"


run = invoke


def _module_imports(path: Path) -> set[str]:
    """The ftdata modules a module imports when it is imported (not under TYPE_CHECKING, not in functions)."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        for child in [node] if isinstance(node, (ast.Import, ast.ImportFrom)) else []:
            if isinstance(child, ast.ImportFrom) and child.module and child.module.startswith("ftdata"):
                found.add(child.module)
                found.update(f"{child.module}.{alias.name}" for alias in child.names)
            elif isinstance(child, ast.Import):
                found.update(alias.name for alias in child.names if alias.name.startswith("ftdata"))
    return found


def test_the_import_graph_of_ftdata_has_no_cycle() -> None:
    modules = {f"ftdata.{path.stem}": path for path in (ROOT / "ftdata").glob("*.py") if path.stem != "__init__"}
    graph = {name: {m for m in _module_imports(path) if m in modules and m != name} for name, path in modules.items()}
    assert len(graph) > 15 and any(graph.values())  # the walk found the modules and their imports
    state: dict[str, str] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if state.get(name) == "done":
            return
        assert state.get(name) != "open", "import cycle: " + " -> ".join((*trail, name))
        state[name] = "open"
        for imported in sorted(graph[name]):
            visit(imported, (*trail, name))
        state[name] = "done"

    for name in sorted(graph):
        visit(name, ())


def test_the_import_graph_check_finds_a_cycle(tmp_path: Path) -> None:
    """The walk above would see a cycle: two modules importing each other are both found."""
    (tmp_path / "a.py").write_text("from ftdata.b import x\n")
    (tmp_path / "b.py").write_text("from ftdata import a\nif TYPE_CHECKING:\n    from ftdata.c import y\n")
    assert _module_imports(tmp_path / "a.py") == {"ftdata.b", "ftdata.b.x"}
    assert _module_imports(tmp_path / "b.py") == {"ftdata", "ftdata.a"}


def test_importing_the_rule_api_loads_neither_tiktoken_nor_the_counter() -> None:
    heavy = "('ftdata.tokens', 'ftdata.encodings', 'ftdata.target', 'ftdata.engine')"
    code = f"import sys, ftdata.ruleapi; print(sorted(m for m in sys.modules if 'tiktoken' in m or m in {heavy}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "[]"
    # the check itself can see tiktoken: building an encoding imports it
    code = "import sys, ftdata.encodings as e; e.get_encoding('o200k_base'); print('tiktoken' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    assert out.strip() == "True"


def test_a_retiring_model_is_said_once_per_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    second = tmp_path / "more.jsonl"
    second.write_bytes(GOOD.read_bytes())
    report = ftdata.lint([GOOD, second], model="gpt-4o-mini")
    retiring = [p for p in report.problems if p.code == "FT403"]
    assert len(retiring) == 1 and retiring[0].file == str(GOOD) and retiring[0].line is None
    assert "2027-01-06" in retiring[0].message
    # with a validation file too: still once, in the first training file
    report = ftdata.lint([GOOD, second], model="gpt-4o-mini", validation_file=second)
    assert [p.file for p in report.problems if p.code == "FT403"] == [str(GOOD)]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_same_file_as_training_and_validation_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    """Every example of the validation file is reported at its own line, also when blocks and workers split it."""
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    data = tmp_path / "train.jsonl"
    example = {"messages": [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}]}
    data.write_text("".join(json.dumps(example).replace('"q"', f'"q{n}"') + "\n" for n in range(300)))
    code, out, _ = run("lint", str(data), "--validation-file", str(data), "--isolated", "-f", "json", "--jobs", jobs)
    assert code == 1  # an error: the same data must not be in both files
    training, validation = json.loads(out)["files"]
    assert validation["role"] == "validation" and not [p for p in training["problems"] if p["code"] == "FT405"]
    found = [p for p in validation["problems"] if p["code"] == "FT405"]
    assert [p["line"] for p in found] == list(range(1, 301))
    assert {p["severity"] for p in found} == {"error"} and "same file, line 7" in found[6]["message"]


def test_held_out_examples_that_are_not_in_training_are_not_reported(tmp_path: Path) -> None:
    held_out = tmp_path / "valid.jsonl"
    held_out.write_text(
        '{"messages": [{"role": "user", "content": "Something new"}, {"role": "assistant", "content": "Yes"}]}\n'
        + GOOD.read_text().splitlines()[3]
        + "\n"
    )
    report = ftdata.lint(GOOD, validation_file=held_out)
    assert [(p.file, p.line) for p in report.problems if p.code == "FT405"] == [(str(held_out), 2)]
    assert "support-chat.jsonl, line 4" in next(p.message for p in report.problems if p.code == "FT405")


RAISING_PLUGIN = '''
"""Crashes on the fourth example.

What it does
------------
Raises, to show that a rule's bug is not taken for a problem in the data.

Why is this bad?
----------------
It is a test.

Example
-------
```jsonl
{"messages": []}
```

Use instead
-----------
```jsonl
{"messages": []}
```
"""
CODE = "ACME301"
NAME = "crashes-on-four"
GROUP = "content"
SEVERITY = "warning"


def check(example, ctx):
    if example.line == 4:
        raise KeyError("the secret text of example four, which must not be quoted in full " + "x" * 200)
    return ()
'''


def test_a_rule_that_raises_stops_the_run_with_exit_2_naming_rule_file_and_line(plugin) -> None:  # type: ignore[no-untyped-def]
    plugin(RAISING_PLUGIN, "crashes-on-four", module="acme_crashing")
    code, out, err = run("lint", str(GOOD), "--isolated", "-f", "json")
    assert code == 2 and out == ""
    assert "rule ACME301 (acme_crashing) failed on" in err and f"{GOOD}, line 4" in err
    assert "KeyError" in err and "report it to the authors of the plugin 'acme_crashing'" in err
    assert "secret text" not in err  # the exception's text may quote the data: only with -v
    assert "--ignore ACME301" in err and "Traceback" not in err and "x" * 100 not in err
    code, _, err = run("lint", str(GOOD), "--isolated", "-v")
    assert code == 2 and "Traceback (most recent call last)" in err and "acme_crashing.py" in err
    code, _, _ = run("lint", str(GOOD), "--isolated", "--ignore", "ACME301")
    assert code == 0


def test_a_rule_that_raises_in_a_worker_names_the_line_in_the_file(  # type: ignore[no-untyped-def]
    plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fourth line of a later block is reported at its line in the whole file."""
    source = RAISING_PLUGIN.replace("example.line == 4", "example.data['messages'][0]['content'] == 'boom'")
    plugin(source, "crashes-on-four", module="acme_crashing")
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    line = '{"messages": [{"role": "user", "content": "%s"}, {"role": "assistant", "content": "a"}]}\n'
    data = tmp_path / "big.jsonl"
    data.write_text("".join(line % ("boom" if n == 250 else "fine") for n in range(1, 400)))
    for jobs in ("1", "2"):
        code, _, err = run("lint", str(data), "--isolated", "--jobs", jobs)
        assert code == 2 and f"{data}, line 250" in err, (jobs, err)


def test_a_builtin_rule_that_raises_says_to_report_it_to_ftdata(monkeypatch: pytest.MonkeyPatch) -> None:
    import ftdata.rules.too_few_examples as rule

    def broken(dataset, ctx):  # type: ignore[no-untyped-def]
        raise RuntimeError("oops")

    monkeypatch.setattr(rule, "finish", broken)
    from ftdata import registry

    registry.all_rules.cache_clear()
    try:
        code, _, err = run("lint", str(GOOD), "--isolated")
    finally:
        registry.all_rules.cache_clear()
    assert code == 2 and "rule FT401 (ftdata.rules.too_few_examples)" in err
    assert "(its file-level checks)" in err and "ftdata's issue tracker" in err


def test_a_user_target_that_extends_openai_changes_the_minimum_from_config(tmp_path: Path) -> None:
    """Adding a service profile is a data-only change: here from the user's configuration."""
    five = tmp_path / "five.jsonl"
    five.write_text("".join(GOOD.read_text().splitlines(keepends=True)[:5]))
    config = tmp_path / "pyproject.toml"
    config.write_text(
        textwrap.dedent(
            """
            [tool.ftdata]
            target = "house"

            [tool.ftdata.targets.house]
            extends = "openai"
            title = "Our own trainer"
            limits = {min-examples = 3}
            """
        )
    )
    assert "FT401" in {p.code for p in ftdata.lint(five).problems}  # openai: at least 10
    report = ftdata.lint(five, config=config)
    assert "FT401" not in {p.code for p in report.problems}
    code, out, _ = run("lint", str(five), "--config", str(config), "-f", "json")
    assert code == 0 and "FT401" not in out
    code, out, _ = run("lint", str(five), "--config", str(config), "--target", "openai", "-f", "json")
    assert code == 1 and "FT401" in out
    profile = load_profile("house", {"house": {"extends": "openai", "limits": {"min-examples": 3}}}, "pyproject.toml")
    assert profile.limits.min_examples.source == "config:house" and profile.extends == "openai"
    assert "[tool.ftdata.targets.house]" in profile.sources["config:house"].title
    assert profile.limits.max_images_per_example == load_profile("openai").limits.max_images_per_example


def test_unknown_and_circular_targets_are_config_errors(tmp_path: Path) -> None:
    code, _, err = run("lint", str(GOOD), "--isolated", "--target", "openia")
    known = "known: axolotl, azure-openai, fireworks, openai, together, trl, unsloth"
    assert code == 2 and "unknown target 'openia'" in err and known in err
    config = tmp_path / "ftdata.toml"
    config.write_text('target = "a"\n[targets.a]\nextends = "b"\n[targets.b]\nextends = "a"\n')
    code, _, err = run("lint", str(GOOD), "--config", str(config))
    assert code == 2 and "in a circle: a -> b -> a" in err
    config.write_text('target = "a"\n[targets.a]\nextends = "openai"\nlimits = {min-examples = "ten"}\n')
    code, _, err = run("lint", str(GOOD), "--config", str(config))
    assert code == 2 and "[tool.ftdata.targets.a]" in err and "min-examples" in err


def test_every_figure_of_every_shipped_profile_has_a_dated_source() -> None:
    assert "openai" in shipped_profiles()
    for name in shipped_profiles():
        profile = load_profile(name)
        checked = 0
        for group in (profile.limits, profile.vocabulary):
            for field in type(group).model_fields:
                figure = getattr(group, field)
                assert figure.source in profile.sources, (name, field)
                assert profile.sources[figure.source].date.strip(), (name, field)
                checked += 1
        assert profile.epochs.source in profile.sources
        assert checked >= 15


def test_a_figure_without_a_known_source_is_refused() -> None:
    from ftdata.errors import ConfigError

    with pytest.raises(ConfigError, match="source 'nowhere' is not in"):
        load_profile(
            "odd",
            {
                "odd": {
                    "extends": "openai",
                    "limits": {"min-examples": {"value": 3, "source": "nowhere", "verified": True}},
                }
            },
            "pyproject.toml",
        )


def test_job_findings_land_where_the_rule_is_on(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    # the same path as training and validation file: the job's notice is the training file's
    report = ftdata.lint(GOOD, model="gpt-4o-mini", validation_file=GOOD)
    assert [(f.role, p.code) for f in report.files for p in f.problems if p.code == "FT403"] == [("training", "FT403")]
    # a per-file ignore moves it on to the next training file, instead of silencing it for the job
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(GOOD.read_bytes())
    second.write_bytes(GOOD.read_bytes())
    config = tmp_path / "pyproject.toml"
    config.write_text('[tool.ftdata]\nper-file-ignores = { "a.jsonl" = ["FT403"] }\n')
    report = ftdata.lint([first, second], model="gpt-4o-mini", config=config)
    assert [p.file for p in report.problems if p.code == "FT403"] == [str(second)]
    # ignoring the cross-file rule on the training file does not stop it comparing that file
    config.write_text('[tool.ftdata]\nper-file-ignores = { "a.jsonl" = ["FT405"] }\n')
    report = ftdata.lint(first, validation_file=second, config=config)
    assert {p.file for p in report.problems if p.code == "FT405"} == {str(second)}
    config.write_text('[tool.ftdata]\nper-file-ignores = { "b.jsonl" = ["FT405"] }\n')
    assert not [p for p in ftdata.lint(first, validation_file=second, config=config).problems if p.code == "FT405"]


def test_records_from_the_library_with_odd_values_are_compared(tmp_path: Path) -> None:
    deep: list[object] = []
    inner = deep
    for _ in range(600):
        inner.append([])
        inner = inner[0]  # type: ignore[assignment]
    held_out = tmp_path / "valid.jsonl"
    record = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}
    held_out.write_text(json.dumps(record) + "\n")
    report = ftdata.lint(
        [{**record, 1: "a key that is not a string"}, {"messages": deep}, record], validation_file=held_out
    )
    assert [(p.file, p.line) for p in report.problems if p.code == "FT405"] == [(str(held_out), 1)]


def test_a_record_changed_between_two_runs_is_checked_again() -> None:
    call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{not json"}}
    record = {"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "tool_calls": [call]}]}
    assert "FT131" in {p.code for p in ftdata.lint([record]).problems}
    call["function"]["arguments"] = "{}"  # type: ignore[index]
    assert "FT131" not in {p.code for p in ftdata.lint([record]).problems}


def test_profile_values_are_strict_and_each_table_is_its_own_source() -> None:
    from ftdata.errors import ConfigError

    for bad in ("5", True, -4, 1.5):
        with pytest.raises(ConfigError, match="min-examples"):
            load_profile("a", {"a": {"extends": "openai", "limits": {"min-examples": bad}}}, "here")
    chain = {"a": {"extends": "b", "title": "A"}, "b": {"extends": "openai", "limits": {"min-examples": 2}}}
    profile = load_profile("a", chain, "here")
    assert profile.limits.min_examples.value == 2 and profile.limits.min_examples.source == "config:b"
    assert "[tool.ftdata.targets.b]" in profile.sources["config:b"].title and profile.title == "A"
    same = load_profile("openai", {"openai": {"extends": "openai", "limits": {"min-examples": 4}}}, "here")
    assert (
        same.limits.min_examples.value == 4
        and same.limits.max_image_bytes == load_profile("openai").limits.max_image_bytes
    )


BROKEN_LINE_PLUGIN = (
    RAISING_PLUGIN.replace('CODE = "ACME301"', 'CODE = "ACME002"')
    .replace('GROUP = "content"', 'GROUP = "file"\nREADER_ISSUE = "invalid-json"')
    .replace(
        """def check(example, ctx):
    if example.line == 4:
        raise KeyError("the secret text of example four, which must not be quoted in full " + "x" * 200)
    return ()""",
        """def check_line(issue):
    raise ValueError("broken")""",
    )
)


def test_a_crash_on_a_reader_issue_after_many_blocks_names_its_line(  # type: ignore[no-untyped-def]
    plugin, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip

    plugin(BROKEN_LINE_PLUGIN, "crashes-on-four", module="acme_lines")
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    line = GOOD.read_text().splitlines()[0] + "\n"
    packed = gzip.compress((line * 300).encode())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(packed[: len(packed) - 20])  # a stream cut short: an invalid-json issue after the blocks
    for jobs in ("1", "2"):
        code, _, err = run("lint", str(cut), "--isolated", "--jobs", jobs)
        line = re.search(r"cut\.jsonl\.gz, line (\d+)", err)
        assert code == 2 and "rule ACME002" in err and line and int(line.group(1)) > 250, err


def test_a_validation_file_is_not_held_to_the_training_set_rules(tmp_path: Path) -> None:
    small = tmp_path / "valid.jsonl"
    small.write_text("".join(GOOD.read_text().splitlines(keepends=True)[:3]))
    report = ftdata.lint(GOOD, validation_file=small)
    validation = report.files[1]
    assert validation.role == "validation" and validation.examples == 3
    assert not {"FT401", "FT402"} & {p.code for p in validation.problems}
    alone = ftdata.lint(small)  # the same file as a training file: too few examples
    assert {"FT401"} <= {p.code for p in alone.problems}


def test_a_retired_model_is_an_error_naming_models_that_still_train(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    report = ftdata.lint(GOOD, model="gpt-4.1-nano")
    (retired,) = [p for p in report.problems if p.code == "FT406"]
    assert retired.severity == "error" and not report.ok and "ended on 2026-10-23" in retired.message
    assert "gpt-4o-mini-2024-07-18" in retired.message and "gpt-3.5-turbo" not in retired.message
    ending = ftdata.lint(GOOD, model="gpt-4o-mini", strict=True)
    assert [p.code for p in ending.problems] == ["FT403"] and ending.ok  # a notice: --strict does not count it


@pytest.mark.real_today
def test_ftdata_today_checks_a_job_as_of_another_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FTDATA_TODAY", "2026-12-01")
    assert [p.code for p in ftdata.lint(GOOD, model="gpt-4o-mini").problems] == ["FT403"]
    monkeypatch.setenv("FTDATA_TODAY", "2027-02-01")
    assert "FT406" in {p.code for p in ftdata.lint(GOOD, model="gpt-4o-mini").problems}
    monkeypatch.setenv("FTDATA_TODAY", "next tuesday")
    with pytest.raises(ftdata.ConfigError, match="YYYY-MM-DD"):
        ftdata.lint(GOOD, model="gpt-4o-mini")


def test_collected_values_are_compact_exact_and_travel_between_processes() -> None:
    """What rules collect per example grows with the file: held as an array of lines and references to the
    values, a few bytes each, never a tuple per example; merged, shifted and pickled without loss."""
    import pickle
    import tracemalloc

    from ftdata.ruleapi import Collected, DatasetFacts

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    values = Collected()
    for line in range(1, 200_001):
        values.append(line, True)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown / 200_000 < 24  # a list of (line, True) tuples takes about 90 bytes each
    assert len(values) == 200_000 and values[0] == (1, True) and values[-1] == (200_000, True)
    shifted = values.shifted(10)
    assert shifted[0] == (11, True) and list(values)[:2] == [(1, True), (2, True)]  # the original is unchanged
    assert pickle.loads(pickle.dumps(shifted)) == shifted
    first, second = DatasetFacts(collected={"X": Collected([1, 2], ["a", "b"])}), DatasetFacts()
    second.collected["X"] = Collected([7], ["c"])
    first.merge(second)
    assert list(first.values_of("X")) == [(1, "a"), (2, "b"), (7, "c")] and list(first.values_of("Y")) == []
