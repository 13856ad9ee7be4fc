"""Shared test set-up: no network for anything that runs in the test process, and case-file helpers."""

from __future__ import annotations

import datetime
import functools
import importlib.metadata
import json
import os
import re
import socket
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


class NetworkBlocked(AssertionError):
    pass


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection attempt from the test process fails the test: ftdata must work offline."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise NetworkBlocked(f"network access attempted: {args[1:]!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


PINNED_TODAY = datetime.date(2026, 6, 1)  # before every end date in the catalog, so results do not age


@pytest.fixture(autouse=True)
def _pinned_today(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rules see a fixed 'today' unless a test is marked real_today (or a fixture case sets 'today')."""
    if request.node.get_closest_marker("real_today") is None:
        monkeypatch.setattr("ftdata.target.today", lambda: PINNED_TODAY)


_REPEAT = re.compile(r"^\.\.\. \((\d+) lines in all\)$")


def materialize(text: str) -> bytes:
    """Turn an example as written in docs and fixtures into the file's bytes (see rules/__init__.py)."""
    lines: list[str] = []
    for line in text.splitlines():
        repeat = _REPEAT.match(line)
        if repeat:
            lines.extend([lines[-1]] * (int(repeat.group(1)) - len(lines)))
        else:
            lines.append(line)
    body = "".join(line.replace("<CR>", "\r") + "\n" for line in lines)
    data = body.encode("utf-8").replace(b"<BOM>", b"\xef\xbb\xbf").replace(b"<0xFF>", b"\xff")
    return data


def write_jsonl(folder: Path, text: str, name: str = "data.jsonl") -> Path:
    path = folder / name
    path.write_bytes(materialize(text))
    return path


def load_cases(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as handle:
        return list(tomllib.load(handle)["case"])


def iter_fixture_cases() -> Iterator[Any]:
    for path in sorted((FIXTURES / "rules").glob("*.toml")):
        for case in load_cases(path):
            yield pytest.param(path.stem, case, id=f"{path.stem}:{case['name']}")


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Install a real rule module (its source) on sys.path and register it as an ftdata.rules entry point."""
    from ftdata import registry

    def install(source: str, name: str, module: str = "acme_rules") -> None:
        (tmp_path / f"{module}.py").write_text(textwrap.dedent(source))
        monkeypatch.syspath_prepend(str(tmp_path))
        sys.modules.pop(module, None)
        point = importlib.metadata.EntryPoint(name=name, value=module, group=registry.ENTRY_POINT_GROUP)
        real = importlib.metadata.entry_points

        def entry_points(**kwargs):  # type: ignore[no-untyped-def]
            if kwargs.get("group") == registry.ENTRY_POINT_GROUP:
                return importlib.metadata.EntryPoints([point])
            return real(**kwargs)

        monkeypatch.setattr(registry.importlib.metadata, "entry_points", entry_points)
        registry.all_rules.cache_clear()

    yield install
    registry.all_rules.cache_clear()


@pytest.fixture(autouse=True)
def _no_ambient_output_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Outputs do not depend on the environment the suite runs in: no NO_COLOR / FORCE_COLOR, not under
    GitHub Actions, no step summary (a test that needs one sets it)."""
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


def _closed(schema: Any) -> Any:
    """A copy of a JSON Schema in which every object that lists its properties allows no other one."""
    if isinstance(schema, list):
        return [_closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: _closed(value) for key, value in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        closed["additionalProperties"] = False
    return closed


@functools.cache
def report_validators() -> tuple[Any, Any]:
    """Validators for the shipped ftdata/report.schema.json, as shipped (open: fields may be added) and closed."""
    import json

    import jsonschema

    schema = json.loads((ROOT / "ftdata" / "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema), jsonschema.Draft202012Validator(_closed(schema))


def assert_valid_report(document: Any) -> Any:
    """A lint json document valid against ftdata/report.schema.json, and against its closed copy too, so that a
    field the schema does not describe fails the test (the schema cannot go stale). Returns the document."""
    for validator in report_validators():
        errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    return document


def lint_reports_by_jobs(*args: str, exit_codes: tuple[int, ...] = (0,)) -> list[Any]:
    """The JSON reports of ``ftdata lint ARGS --isolated -f json`` with ``--jobs 1`` and ``--jobs 2`` (each run
    exits with one of ``exit_codes``), for the tests that hold a split file to the same report."""
    reports = []
    for jobs in ("1", "2"):
        code, out, _ = invoke("lint", *args, "--isolated", "-f", "json", "--jobs", jobs)
        assert code in exit_codes, out
        reports.append(json.loads(out))
    return reports


def invoke(
    *args: str, input: str | bytes | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> tuple[int, str, str]:
    """The ``ftdata`` command run in this process (click's runner), in ``cwd`` if given: exit code, stdout,
    stderr. A crash is raised, not taken for an exit code; every JSON lint output is held to the schema."""
    from click.testing import CliRunner

    from ftdata.cli import main

    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, list(args), input=input, env=env)
    finally:
        os.chdir(old)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    formats = [args[i + 1] for i, arg in enumerate(args[:-1]) if arg in ("-f", "--format")]
    if args and args[0] == "lint" and formats[-1:] == ["json"] and "--statistics" not in args and result.stdout.strip():
        assert_valid_report(json.loads(result.stdout))
    return result.exit_code, result.stdout, result.stderr
