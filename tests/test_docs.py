"""The README's rule table is generated from the registry; it must not go stale."""

from __future__ import annotations

import os
import re

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
