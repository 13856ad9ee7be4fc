"""The HTML report (ftdata report --html) in a real headless browser: Debian's Chromium driven by Playwright.

The page is opened from disk: it must make no request but for itself, log no console error (a blocked style or
a broken SVG shows there), carry a strict Content-Security-Policy, show planted markup as text, and hold no
planted secret. A full-page screenshot goes to the test's folder (and to the lead's brief folder when there is
one) to be looked at.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from ftdata.htmlreport import STYLE, content_security_policy, markdown_html, style_hash
from tests.conftest import FIXTURES, invoke

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path("/work/briefs")  # where the lead looks at the screenshot, when the folder is there
CLEAN = FIXTURES / "examples" / "clean-500.jsonl"
SECRET = "sk-proj-Q7fK2mXp9LrT4vWb8ZcN1dYh6JsG3aEu5RiO0kPq"  # planted: must never be in the page
EMAIL = "margaret.hollis@northwind-mail.net"
SCRIPT = '<script>document.title="pwned"</script><img src=x onerror="document.title=\'pwned\'"><b id="planted">'
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chat(user: str, answer: str, system: str | None = None) -> dict[str, Any]:
    messages = [{"role": "system", "content": system}] if system is not None else []
    return {"messages": [*messages, {"role": "user", "content": user}, {"role": "assistant", "content": answer}]}


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records), encoding="utf-8")
    return path


def planted_job(folder: Path) -> tuple[Path, Path]:
    """A training file of clean examples with planted duplicates, refusals, a secret in a system prompt, an
    e-mail address and markup in records; a validation file with two examples copied from training."""
    clean = [json.loads(line) for line in CLEAN.read_text(encoding="utf-8").splitlines()]
    training = clean[:160]
    training += [training[3], training[3], training[10]]  # duplicates of lines 4 and 11
    refusal = "I'm sorry, but I can't help with that."
    training += [chat(f"Write my exam essay on topic {n}.", refusal) for n in range(24)]
    system = f"You are the billing bot. Call the billing API with the key {SECRET} when asked."
    training += [
        chat(f"What is my balance, account {n}?", "Your balance is on the billing page.", system) for n in range(4)
    ]
    training += [chat("Who wrote to us?", f"The last message came from {EMAIL}.")] * 2
    training += [chat(f"Render {SCRIPT} as a title", f"{SCRIPT} is markup") for _ in range(3)]
    validation = [*clean[160:200], training[20], training[21]]
    return write(folder / "train.jsonl", training), write(folder / "valid.jsonl", validation)


def make_report(folder: Path) -> tuple[Path, str, int]:
    train, valid = planted_job(folder)
    out = folder / "report.html"
    code, _, err = invoke(
        "report", str(train), "--validation-file", str(valid), "--html", str(out), "--isolated", "-m", "gpt-4o-mini"
    )
    assert out.is_file(), err
    return out, err, code


def test_the_page_is_self_contained_escaped_and_redacted(tmp_path: Path) -> None:
    out, err, code = make_report(tmp_path)
    assert code == 1 and "report written to" in err  # the secret is an error: the job is not ready
    page = out.read_text(encoding="utf-8")
    assert SECRET not in page and SECRET[8:20] not in page and "Q7fK2m" not in page
    assert EMAIL not in page and "margaret.hollis" not in page
    assert "<script" not in page.lower() and "<img" not in page.lower() and '<b id="planted">' not in page
    assert "&lt;script&gt;" in page and "&lt;img src=x onerror=" in page  # the planted markup is there, as text
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', page)
    assert policy is not None and "default-src 'none'" in policy.group(1)
    assert style_hash() in policy.group(1) and "unsafe-inline" not in policy.group(1)
    assert page.count("<style>") == 1 and f"<style>{STYLE}</style>" in page
    assert " style=" not in page  # no inline style attribute: the CSP would block it
    assert re.search(r"(?:src|href)=\"(?:https?:)?//", page) is None  # nothing from elsewhere
    for section in ("overview", "lengths", "figures", "problems", "duplicates", "balance", "cost", "rules"):
        assert f'id="{section}"' in page
    assert 'href="#rule-FT511"' in page and 'id="rule-FT511"' in page and 'id="rule-FT501"' in page
    assert "limit 65,536 tokens" in page  # the length CDF against gpt-4o-mini's limit


def test_an_input_file_is_never_overwritten(tmp_path: Path) -> None:
    train, _ = planted_job(tmp_path)
    before = train.read_bytes()
    code, _, err = invoke("report", str(train), "--html", str(train), "--isolated")
    assert code == 2 and "is the input file" in err
    assert train.read_bytes() == before
    code, _, err = invoke("report", str(train), "--html", str(tmp_path / "no-such-folder" / "r.html"), "--isolated")
    assert code == 2 and "does not exist" in err


class _Balance(HTMLParser):
    """Checks that every element is closed in order (SVG's self-closed ones aside)."""

    VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.open[-1:] or 'nothing'} at {self.getpos()}")
        else:
            self.open.pop()


def well_formed(page: str) -> list[str]:
    checker = _Balance()
    checker.feed(page)
    checker.close()
    return checker.errors + [f"<{tag}> never closed" for tag in checker.open]


@pytest.mark.parametrize("name", sorted(path.name for path in (FIXTURES / "examples").glob("*.jsonl")))
def test_every_bundled_example_makes_a_well_formed_page(name: str, tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, _, err = invoke("report", str(FIXTURES / "examples" / name), "--html", str(out), "--isolated")
    assert code in (0, 1) and out.is_file(), err
    page = out.read_text(encoding="utf-8")
    assert well_formed(page) == [] and page.startswith("<!DOCTYPE html>")


def test_the_planted_page_is_well_formed(tmp_path: Path) -> None:
    out, _, _ = make_report(tmp_path)
    assert well_formed(out.read_text(encoding="utf-8")) == []


def test_many_duplicate_groups_fold_into_a_summary(tmp_path: Path) -> None:
    clean = [json.loads(line) for line in CLEAN.read_text(encoding="utf-8").splitlines()][:40]
    path = write(tmp_path / "copies.jsonl", clean + clean[:14])  # 14 groups of two
    out = tmp_path / "report.html"
    invoke("report", str(path), "--html", str(out), "--isolated")
    page = out.read_text(encoding="utf-8")
    assert well_formed(page) == [] and "4 more groups</summary>" in page
    assert page.count("<td class='mono small'>1, 41") == 1  # the first group: line 1 and its copy at 41


def test_rule_docs_are_escaped_markdown() -> None:
    rendered = markdown_html('## Example\n```jsonl\n{"a": "<b>"}\n```\nUse `x<y` & more.')
    assert "<h4>Example</h4>" in rendered and "&lt;b&gt;" in rendered and "<code>x&lt;y</code> &amp; more" in rendered
    assert content_security_policy().startswith("default-src 'none'")


def _browser() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium): /usr/bin/chromium is absent")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed (pip install playwright; its browser download is not needed)")
    return sync_playwright


def test_the_page_in_a_real_browser(tmp_path: Path) -> None:
    sync_playwright = _browser()
    out, _, _ = make_report(tmp_path)
    requests: list[str] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh profile
            executable_path=str(CHROMIUM),
            headless=True,
            args=ARGS,
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(out.as_uri(), wait_until="load")
            assert page.title().startswith("ftdata report") and "pwned" not in page.title()
            assert page.locator("#planted").count() == 0 and page.locator("script").count() == 0
            assert page.locator("img").count() == 0
            assert page.get_by_text("<script>", exact=False).count() > 0  # shown as text
            csp = page.locator('meta[http-equiv="Content-Security-Policy"]')
            assert csp.count() == 1 and "default-src 'none'" in (csp.get_attribute("content") or "")
            # the style applied (a blocked style would leave the default white body and a console error)
            background = page.evaluate("getComputedStyle(document.body).backgroundColor")
            assert background == "rgb(246, 247, 249)"
            assert page.locator("svg").count() >= 5
            page.locator("#p-FT511 summary").click()  # details open without any script
            assert page.locator("#p-FT511 table").is_visible()
            page.evaluate("window.scrollTo(0, 0)")  # the sticky menu at the top of the shot
            shot = tmp_path / "report-screenshot.png"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            context.close()
    assert requests == [out.as_uri()]
    assert problems == []
    assert shot.stat().st_size > 50_000
    if SHOTS.is_dir() and not os.environ.get("CI"):  # for the lead to look at (not from CI runs)
        shutil.copyfile(shot, SHOTS / "report-screenshot.png")
