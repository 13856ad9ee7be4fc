"""The README's rule table is generated from the registry; it must not go stale."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from ftdata.registry import rules_markdown_table
from tests.conftest import ROOT

START, END = "<!-- rules-table:start -->\n", "\n<!-- rules-table:end -->"


def test_readme_rule_table_is_current() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    match = re.search(re.escape(START) + "(.*?)" + re.escape(END), text, re.S)
    assert match, "README.md lacks the rules-table markers"
    current = rules_markdown_table()
    if match.group(1) != current and os.environ.get("FTDATA_UPDATE_README") == "1":
        readme.write_text(text[: match.start(1)] + current + text[match.end(1) :], encoding="utf-8")
        return
    assert match.group(1) == current, "README rule table is stale: FTDATA_UPDATE_README=1 pytest tests/test_docs.py"


def test_readme_opens_with_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    first_block = text.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert "ftdata lint fixtures/examples/" in first_block[1] and "pip install ." in first_block[1]
    assert "pytest" in first_block[3] and "[test]" in first_block[3]


def _library_snippet() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## In Python, right before upload", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


_FAKE_OPENAI = """
from typing import IO


class _Files:
    def create(self, *, file: IO[bytes], purpose: str) -> object: ...


class OpenAI:
    files: _Files
"""


def _job_in(folder: Path) -> None:
    from tests.conftest import FIXTURES

    lines = (FIXTURES / "examples" / "support-chat.jsonl").read_text().splitlines(keepends=True)
    (folder / "train.jsonl").write_text("".join(lines[:50]))
    (folder / "valid.jsonl").write_text("".join(lines[50:]))


def test_the_readme_library_snippet_runs_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a validation file and a price (and the upload taken by a stand-in: no network here)."""
    _job_in(tmp_path)
    uploaded: list[tuple[str, str]] = []

    class Files:
        def create(self, *, file: Any, purpose: str) -> None:
            uploaded.append((os.path.basename(file.name), purpose))

    fake = types.ModuleType("openai")
    fake.OpenAI = lambda: types.SimpleNamespace(files=Files())  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "openai", fake)
    monkeypatch.chdir(tmp_path)
    printed: list[str] = []
    exec(compile(_library_snippet(), "README.md", "exec"), {"print": printed.append})
    assert uploaded == [("train.jsonl", "fine-tune"), ("valid.jsonl", "fine-tune")]
    assert printed[0].startswith("50 examples, ") and printed[1].startswith("about $")


def test_the_readme_library_snippet_passes_mypy_strict(tmp_path: Path) -> None:
    """Typed as the README's editable install leaves it: mypy must see ftdata's types."""
    (tmp_path / "snippet.py").write_text(_library_snippet())
    (tmp_path / "stubs" / "openai").mkdir(parents=True)
    (tmp_path / "stubs" / "openai" / "__init__.pyi").write_text(_FAKE_OPENAI)
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"), "snippet.py"],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(tmp_path / "stubs")},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
