"""Rule selection and third-party rules through the ftdata.rules entry-point group."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import ftdata
from ftdata import registry
from ftdata.errors import ConfigError
from ftdata.registry import RegistryError, all_rules, select_rules
from tests.conftest import FIXTURES

RULES = all_rules()


def chosen(select: tuple[str, ...] = ("ALL",), ignore: tuple[str, ...] = (), extend: tuple[str, ...] = ()) -> set[str]:
    return {rule.code for rule in select_rules(RULES, select, ignore, extend)}


def test_selection_by_code_prefix_name_and_group() -> None:
    every = {rule.code for rule in RULES}
    assert chosen() == every
    assert chosen(("FT1",)) == {c for c in every if c.startswith("FT1")}
    assert chosen(("ft1",)) == chosen(("FT1",))  # prefixes are case-insensitive
    assert chosen(("structure",)) == chosen(("FT1",))
    assert chosen(("missing-role",)) == {"FT105"}
    assert chosen(("FT1",), extend=("FT301",)) == chosen(("FT1",)) | {"FT301"}


def test_most_specific_selector_wins_and_ignore_wins_ties() -> None:
    assert chosen(("FT1", "FT105"), ignore=("structure",)) == {"FT105"}  # a code beats a group
    assert chosen(("FT10",), ignore=("FT1",)) == {c for c in chosen() if c.startswith("FT10")}
    assert chosen(("FT1",), ignore=("FT1",)) == set()


def test_unknown_selector_is_a_config_error_with_a_suggestion() -> None:
    with pytest.raises(ConfigError, match="did you mean missing-role"):
        select_rules(RULES, ("missing-rol",))


PLUGIN = '''
"""Example has no greeting.

What it does
------------
Flags examples whose first user message does not say hello.

Why is this bad?
----------------
House style.

Example
-------
```jsonl
{"messages": [{"role": "user", "content": "Price?"}, {"role": "assistant", "content": "$5"}]}
```

Use instead
-----------
```jsonl
{"messages": [{"role": "user", "content": "Hello! Price?"}, {"role": "assistant", "content": "$5"}]}
```
"""
from ftdata.ruleapi import Finding

CODE = "{code}"
NAME = "{name}"
GROUP = "content"
SEVERITY = "warning"
FORMATS = ("chat",)


def check(example, ctx):
    first = next((m for m in example.data.get("messages", []) if m.get("role") == "user"), None)
    if first and "hello" not in str(first.get("content", "")).lower():
        yield Finding("no greeting", path="$.messages")
'''


def install_plugin(plugin, code: str, name: str) -> None:  # type: ignore[no-untyped-def]
    plugin(PLUGIN.replace("{code}", code).replace("{name}", name), name)


def test_third_party_rule_runs_like_a_builtin(plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin(plugin, "ACME201", "missing-greeting")
    report = ftdata.lint(FIXTURES / "examples" / "support-chat.jsonl", select=["ACME"])
    assert report.problems and {p.code for p in report.problems} == {"ACME201"}
    assert {p.severity for p in report.problems} == {"warning"}
    assert registry.find_rule("missing-greeting").module == "acme_rules"


@pytest.mark.parametrize(("code", "name"), [("FT112", "greeting-a"), ("ACME201", "missing-role")])
def test_colliding_plugin_is_an_error(plugin, code: str, name: str) -> None:  # type: ignore[no-untyped-def]
    install_plugin(plugin, code, name)
    with pytest.raises(RegistryError, match="both use"):
        registry.all_rules()


def test_badly_declared_rule_is_refused(plugin) -> None:  # type: ignore[no-untyped-def]
    install_plugin(plugin, "acme1", "missing-greeting")
    with pytest.raises(RegistryError, match="CODE 'acme1'"):
        registry.all_rules()


def test_rule_modules_are_not_imported_from_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "__init__.py").write_text("raise SystemExit('imported from cwd')\n")
    monkeypatch.chdir(tmp_path)
    registry.all_rules.cache_clear()
    try:
        assert {rule.code for rule in registry.all_rules()} == {rule.code for rule in RULES}
    finally:
        registry.all_rules.cache_clear()


@pytest.mark.parametrize("how", ["python -m", "PYTHONPATH with an empty entry"])
def test_entry_points_in_the_working_folder_are_not_loaded(tmp_path: Path, how: str) -> None:
    """A *.dist-info lying in the working folder is not an installed plugin: it is not imported."""
    info = tmp_path / "evil-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: evil\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[ftdata.rules]\nevil = evil_rule\n")
    marker = tmp_path / "imported"
    (tmp_path / "evil_rule.py").write_text(f"open({str(marker)!r}, 'w').close()\n")
    env = {**os.environ}
    if how == "python -m":
        command = [sys.executable, "-m", "ftdata", "rules"]
    else:
        command = [str(Path(sys.executable).parent / "ftdata"), "rules"]
        env["PYTHONPATH"] = os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "FT001" in result.stdout and not marker.exists()
    # the same distribution, installed (on sys.path elsewhere), is loaded: the check is about where it lies
    site = tmp_path / "site"
    site.mkdir()
    (info).rename(site / info.name)
    (tmp_path / "evil_rule.py").rename(site / "evil_rule.py")
    env["PYTHONPATH"] = str(site)
    command = [sys.executable, "-m", "ftdata", "rules"]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert marker.exists() and "evil" in result.stderr  # imported; then refused, as it declares no rule
