"""The ftdata command: exit codes, output formats, options, and that input files are never changed."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, assert_valid_report, invoke

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"
# (line, code) of every defect planted in broken-chat.jsonl, one per line from line 2 on.
PLANTED = [
    (2, "FT001"),
    (3, "FT004"),
    (4, "FT005"),
    (5, "FT101"),
    (6, "FT102"),
    (7, "FT103"),
    (8, "FT104"),
    (9, "FT105"),
    (10, "FT106"),
    (11, "FT107"),
    (12, "FT108"),
    (13, "FT109"),
    (14, "FT110"),
    (15, "FT111"),
    (16, "FT112"),
    (17, "FT113"),
    (18, "FT201"),
    (19, "FT202"),
    (20, "FT301"),
]


run = invoke  # every json lint output is held to ftdata/report.schema.json


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_clean_file_exits_0() -> None:
    code, out, _ = run("lint", str(GOOD), "--isolated", "--model", "gpt-4o-mini")
    assert code == 0, out
    assert "no problems found" in out and "ftdata: ok" in out and "$0.06" in out


def test_every_planted_defect_at_its_own_line_and_exit_1() -> None:
    before = sha(BROKEN)
    code, out, _ = run("lint", str(BROKEN), "--isolated", "--format", "json")
    assert code == 1
    document = json.loads(out)
    found = {(p["line"], p["code"]) for p in document["files"][0]["problems"]}
    for planted in PLANTED:
        assert planted in found, f"defect {planted} not reported"
    assert sha(BROKEN) == before  # never modified


def test_json_output_follows_the_contract() -> None:
    code, out, err = run("lint", str(BROKEN), str(GOOD), "--isolated", "-f", "json", "--model", "gpt-4o-mini")
    assert code == 1 and err == ""
    document = json.loads(out)  # stdout is one JSON document and nothing else
    assert document["schema_version"] == 1
    assert set(document) >= {"schema_version", "files", "summary"}
    broken, good = document["files"]
    assert broken["path"] == str(BROKEN) and broken["format"] == "chat" and broken["examples"] == 17
    for problem in broken["problems"]:
        assert set(problem) >= {"code", "name", "severity", "line", "path", "message"}
        assert problem["severity"] in ("error", "warning", "info")
        assert problem["line"] is None or isinstance(problem["line"], int)
    assert good["problems"] == []
    assert {"encoding", "total", "billed"} <= set(good["tokens"])
    assert good["tokens"]["encoding"] == "o200k_base"
    cost = good["cost"]
    assert cost["model"] == "gpt-4o-mini-2024-07-18" and cost["epochs"] == 3
    assert cost["trained_tokens"] == good["tokens"]["billed"] * 3
    assert cost["usd"] == pytest.approx(cost["trained_tokens"] * 3.0 / 1e6)
    summary = document["summary"]
    assert summary["errors"] == sum(p["severity"] == "error" for p in broken["problems"]) > 0


def test_concise_format() -> None:
    _, out, _ = run("lint", str(BROKEN), "--isolated", "-f", "concise")
    assert f"{BROKEN}:2:92: FT001 [error]" in out
    assert f"{BROKEN}:10:1: FT106 [error] $.messages[1].role:" in out


def test_github_format_is_chosen_under_actions_and_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _, out, _ = run("lint", str(BROKEN), "--isolated")
    lines = out.splitlines()
    assert any(line.startswith(f"::error file={BROKEN},line=10,title=FT106 invalid-role::") for line in lines)
    assert lines[-1].startswith("ftdata: not ready")
    many = "\n".join(['{"messages": []}'] * 80) + "\n"
    _, out, _ = run("lint", "-", "--isolated", "-f", "github", input=many)
    annotations = [line for line in out.splitlines() if line.startswith("::error")]
    assert len(annotations) == 50
    assert "109 more problem(s) not shown" in out  # 80 FT103 and 79 copies (FT511), 50 shown


def test_text_format_caps_each_rule_unless_show_all() -> None:
    many = "\n".join(['{"messages": []}'] * 30) + "\n"
    _, out, _ = run("lint", "-", "--isolated", input=many)
    assert out.count("is an empty list") == 20 and "10 more FT103 not shown" in out
    _, out, _ = run("lint", "-", "--isolated", "--show-all", input=many)
    assert out.count("is an empty list") == 30


def test_exit_zero_and_strict(tmp_path: Path) -> None:
    assert run("lint", str(BROKEN), "--isolated", "--exit-zero")[0] == 0
    warn_only = tmp_path / "warn.jsonl"
    line = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
    warn_only.write_text(line * 12 + "\n")  # a blank line: a warning, no error
    assert run("lint", str(warn_only), "--isolated")[0] == 0
    assert run("lint", str(warn_only), "--isolated", "--strict")[0] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["lint", "missing.jsonl", "--isolated"], "missing.jsonl: no such file"),
        (["lint", str(GOOD), "--isolated", "--model", "gpt-5"], "unknown model 'gpt-5'"),
        (["lint", str(GOOD), "--isolated", "--select", "FT999"], "'FT999' selects no rule"),
        (["lint", str(GOOD), "--isolated", "--severity", "FT301"], "expects RULE=VALUE"),
        (["lint", str(GOOD), "--isolated", "--severity", "FT301=fatal"], "severity.FT301"),
        (["lint", str(GOOD), "--isolated", "--epochs", "51"], "51 is not in the range"),
        (["lint", str(GOOD), "--isolated", "--format", "xml"], "'xml' is not one of"),
        (["lint", "--isolated"], "Missing argument"),
    ],
)
def test_could_not_run_exits_2_with_a_helpful_message(args: list[str], message: str) -> None:
    code, out, err = run(*args)
    assert code == 2, out
    assert message in err
    assert out == ""


def test_stdin_and_gzip(tmp_path: Path) -> None:
    import gzip

    data = GOOD.read_bytes()
    code, out, _ = run("lint", "-", "--isolated", "-f", "json", input=data)
    assert code == 0 and json.loads(out)["files"][0]["examples"] == 60
    packed = tmp_path / "support-chat.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    code, out, _ = run("lint", str(packed), "--isolated", "-f", "json")
    assert (
        code == 0
        and json.loads(out)["files"][0]["tokens"]["total"]
        == json.loads(run("lint", str(GOOD), "--isolated", "-f", "json")[1])["files"][0]["tokens"]["total"]
    )


def test_select_ignore_and_severity_from_the_command_line() -> None:
    _, out, _ = run(
        "lint",
        str(BROKEN),
        "--isolated",
        "-f",
        "json",
        "--select",
        "structure",
        "--ignore",
        "FT11,invalid-role",
        "--severity",
        "missing-role=warning",
    )
    codes = {p["code"]: p["severity"] for p in json.loads(out)["files"][0]["problems"]}
    assert codes and all(code.startswith("FT1") for code in codes)
    assert "FT106" not in codes and not any(code.startswith("FT11") for code in codes)
    assert codes["FT105"] == "warning"


def test_rules_and_rule_commands() -> None:
    code, out, _ = run("rules")
    assert code == 0 and "FT112  missing-assistant-message" in out
    rows = json.loads(run("rules", "--format", "json")[1])
    assert {"code": "FT001", "name": "invalid-json"}.items() <= rows[0].items()
    code, out, _ = run("rule", "example-too-long")
    assert code == 0 and "Why is this bad?" in out and out.startswith("# FT301 example-too-long")  # Markdown
    code, _, err = run("rule", "FT998")
    assert code == 2 and "unknown rule 'FT998'" in err


def test_version() -> None:
    import ftdata

    code, out, _ = run("--version")
    assert code == 0 and ftdata.__version__ in out and "prices taken mid/late 2026" in out


def test_console_script_runs_as_a_real_process() -> None:
    """The installed entry point and python -m ftdata both work (stdout carries only the report)."""
    result = subprocess.run(
        [sys.executable, "-m", "ftdata", "lint", str(GOOD), "--isolated", "-f", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert assert_valid_report(json.loads(result.stdout))["summary"] == {
        "errors": 0,
        "warnings": 0,
        "infos": 0,
        "usd": None,
    }
    assert result.stderr == ""


def test_progress_goes_to_stderr_only(tmp_path: Path) -> None:
    big = tmp_path / "big.jsonl"
    big.write_bytes(GOOD.read_bytes() * 100)  # 6,000 lines: progress is reported every 4,096
    code, out, err = run("lint", str(big), "--isolated", "-f", "json", "--progress")
    assert code == 0 and json.loads(out)["files"][0]["examples"] == 6000
    assert " MB (" in err and str(big) in err  # (a rate shows once a second of checking is behind it)
    assert " MB (" not in run("lint", str(big), "--isolated", "-f", "json")[2]  # not a terminal: quiet


def test_folders_stand_for_their_jsonl_files(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "train.jsonl").write_bytes(GOOD.read_bytes())
    (tmp_path / "b.jsonl").write_bytes(BROKEN.read_bytes())
    (tmp_path / "notes.txt").write_text("ignored")
    code, out, _ = run("lint", str(tmp_path), "--isolated", "-f", "json")
    assert code == 1
    assert [f["path"] for f in json.loads(out)["files"]] == [
        str(tmp_path / "a" / "train.jsonl"),
        str(tmp_path / "b.jsonl"),
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = run("lint", str(empty), "--isolated")
    assert code == 2 and "no .jsonl or .jsonl.gz file" in err


def test_same_answers_with_one_and_several_jobs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of 4 KiB split the file many times; forked workers must give exactly the in-process report."""
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_bytes(b"\xef\xbb\xbf" + (GOOD.read_bytes() + BROKEN.read_bytes()).replace(b"\n", b"\r\n", 3) * 3)
    outputs = {}
    for jobs in ("1", "2", "3"):
        code, out, _ = run("lint", str(mixed), "--isolated", "-f", "json", "--jobs", jobs, "-m", "gpt-4o-mini")
        assert code == 1
        outputs[jobs] = out
    assert outputs["1"] == outputs["2"] == outputs["3"]
    problems = json.loads(outputs["1"])["files"][0]["problems"]
    assert [p["code"] for p in problems].count("FT007") == 1  # CRLF once per file, whatever the split
    assert [p["code"] for p in problems].count("FT003") == 1
    lines = [p["line"] for p in problems if p["line"] is not None]
    assert lines == sorted(lines) and max(lines) > 200  # absolute line numbers across blocks
    costs = {jobs: run("cost", str(mixed), "--isolated", "-f", "json", "--jobs", jobs)[1] for jobs in ("1", "2")}
    assert costs["1"] == costs["2"]
    packed = tmp_path / "mixed.jsonl.gz"  # a stream, read in the main process rather than by byte range
    packed.write_bytes(gzip.compress(mixed.read_bytes()))
    _, out, _ = run("lint", str(packed), "--isolated", "-f", "json", "--jobs", "2", "-m", "gpt-4o-mini")
    assert json.loads(out)["files"][0]["problems"] == problems


def test_problems_past_the_cap_per_rule_are_counted_not_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    many = tmp_path / "blank.jsonl"
    many.write_bytes(GOOD.read_bytes() + b"\n" * 3000 + GOOD.read_bytes())
    outputs = {}
    for jobs in ("1", "2"):
        code, out, _ = run("lint", str(many), "--isolated", "-f", "json", "--jobs", jobs)
        assert code == 0  # blank lines are warnings
        outputs[jobs] = out
    assert outputs["1"] == outputs["2"]
    document = json.loads(outputs["1"])
    blanks = [p for p in document["files"][0]["problems"] if p["code"] == "FT004"]
    assert len(blanks) == 1000 and document["files"][0]["problems_left_out"] == {"FT004": 2000}
    assert blanks[0]["line"] == 61 and blanks[-1]["line"] == 1060  # the first thousand, in file order
    assert document["summary"]["warnings"] == 3060  # and the second copy's 60 duplicates (FT511)
    _, out, _ = run("lint", str(many), "--isolated")
    assert "2,980 more FT004 not shown (2,000 found past max-problems-per-rule" in out
    assert "3,000  FT004 blank-line (warning)" in out
    _, out, _ = run("lint", str(many), "--isolated", "-f", "json", "--max-problems-per-rule", "0")
    assert len([p for p in json.loads(out)["files"][0]["problems"] if p["code"] == "FT004"]) == 3000


def test_the_progress_line_fits_the_terminal_and_shows_no_absurd_first_rate() -> None:
    from ftdata.cli import _ProgressMeter

    meter = _ProgressMeter("/a/very/long/path/to/some/training/data/train.jsonl", 50_000_000)
    narrow = meter.line("12/50 MB (24%)", 40)
    assert len(narrow) <= 39 and narrow.endswith("train.jsonl: 12/50 MB (24%)") and "…" in narrow
    assert (
        meter.line("12/50 MB (24%)", 200)
        == "ftdata: /a/very/long/path/to/some/training/data/train.jsonl: 12/50 MB (24%)"
    )
    import io
    from contextlib import redirect_stderr

    err = io.StringIO()
    with redirect_stderr(err):
        meter(6_000_000)  # the first update, a moment after the start: no rate yet
    assert "MB/s" not in err.getvalue() and err.getvalue().startswith("\r")


def test_messages_say_what_is_true_for_the_settings(tmp_path: Path) -> None:
    """Wording that used to be wrong for some settings, each case once."""
    import ftdata

    forty = tmp_path / "forty.jsonl"
    forty.write_text("".join(GOOD.read_text().splitlines(keepends=True)[:40]))
    (small,) = [p for p in ftdata.lint(forty, options={"small-dataset": {"minimum": 100}}).problems]
    assert "fewer than 100 (option minimum)" in small.message and "from 100 to 100" not in small.message
    long = ftdata.lint(GOOD, max_tokens_per_example=50, select=["FT301"]).problems[0]
    assert "(set by max-tokens-per-example)" in long.message and "the default" not in long.message
    _, out, _ = run("lint", str(GOOD), "--isolated")
    assert "estimates for tool calls" in out and "images" not in out  # the chat file has tool calls only
    (tmp_path / "ftdata.toml").write_text("[models.gpt-4o-mini]\nprice-per-million = 2.5\n")
    _, out, _ = run("lint", str(GOOD), "--config", str(tmp_path / "ftdata.toml"), "-m", "gpt-4o-mini")
    assert "$2.5 per 1M tokens, your price; an estimate" in out and "prices taken" not in out
    _, out, _ = run("lint", str(GOOD), "--isolated", "--validation-file", str(forty))
    block = out.split(str(forty), 1)[1]
    assert "counted, not billed" in block and "billed per epoch" not in block.split("\n\n")[0]


def test_rule_docs_are_markdown() -> None:
    code, out, _ = run("rule", "small-dataset")
    assert code == 0 and out.startswith("# FT402 small-dataset: Small dataset.")
    assert "## What it does\n" in out and "## Use instead\n" in out and "```jsonl" in out
    assert "------" not in out and "``minimum``" not in out and "`minimum`" in out
    assert "## Options\n\n- `minimum` (default `50`)" in out


def test_stdin_can_be_named_for_reports_and_per_file_ignores(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nper-file-ignores = { "legacy/*.jsonl" = ["FT106"] }\n')
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        code, out, _ = run("lint", "-", "--stdin-filename", "legacy/old.jsonl", "-f", "json", input=BROKEN.read_bytes())
        named = json.loads(out)["files"][0]
        code2, out2, _ = run("lint", "-", "-f", "json", input=BROKEN.read_bytes())
    finally:
        os.chdir(old)
    assert named["path"] == "legacy/old.jsonl" and "FT106" not in {p["code"] for p in named["problems"]}
    assert json.loads(out2)["files"][0]["path"] == "-" and "FT106" in {
        p["code"] for p in json.loads(out2)["files"][0]["problems"]
    }
    assert code == code2 == 1
