"""Secrets and personal data (FT501-FT504): found where they are, and never shown whole in any output.

The secrets planted here are made at test time from random parts, so that no real-looking key is committed.
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata import secrets
from ftdata.formatters import OUTPUT_FORMATS
from tests.conftest import FIXTURES, invoke

ROOT = Path(__file__).resolve().parent.parent
ALNUM = string.ascii_letters + string.digits


def rnd(count: int, alphabet: str = ALNUM, *, rng: random.Random) -> str:
    return "".join(rng.choice(alphabet) for _ in range(count))


def luhn_digit(partial: str) -> str:
    """The check digit that makes ``partial`` + it pass Luhn."""
    for digit in "0123456789":
        if secrets.luhn_ok(partial + digit):
            return digit
    raise AssertionError("no check digit")


def planted(rng: random.Random) -> dict[str, str]:
    """One unique secret (or piece of personal data) of each kind, by name."""
    upper = string.ascii_uppercase + string.digits
    card = "4" + "".join(rng.choice(string.digits) for _ in range(14))
    card += luhn_digit(card)
    return {
        "openai": "sk-proj-" + rnd(100, ALNUM + "_-", rng=rng) + "A1b",
        "openai-legacy": "sk-" + rnd(20, rng=rng) + "T3BlbkFJ" + rnd(20, rng=rng) + "Z9",
        "anthropic": "sk-ant-api03-" + rnd(93, ALNUM + "_-", rng=rng) + "Ab1AA",
        "aws": "AKIA" + "Q7" + rnd(14, upper, rng=rng),
        "github": "ghp_" + rnd(34, rng=rng) + "a1",
        "github-fine-grained": "github_pat_11" + rnd(20, rng=rng) + "_" + rnd(59, rng=rng),
        "gitlab": "glpat-" + rnd(18, rng=rng) + "x1Y",
        "slack": "xoxb-" + rnd(12, string.digits, rng=rng) + "-" + rnd(13, string.digits, rng=rng)
        + "-" + rnd(24, rng=rng),
        "stripe": "sk" + "_live_" + rnd(22, rng=rng) + "Q9",
        "google": "AIza" + rnd(33, ALNUM + "_-", rng=rng) + "k2",
        "huggingface": "hf_" + rnd(32, string.ascii_letters, rng=rng) + "Qz",
        "npm": "npm_" + rnd(34, rng=rng) + "a7",
        "pypi": "pypi-AgEIcHlwaS5vcmc" + rnd(60, ALNUM + "_-", rng=rng),
        "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJ" + rnd(40, rng=rng) + "." + rnd(43, ALNUM + "_-", rng=rng),
        "private-key": "-----BEGIN OPENSSH PRIVATE KEY-----\n" + rnd(64, ALNUM + "+/", rng=rng),
        "email": rnd(8, string.ascii_lowercase, rng=rng) + "." + rnd(6, string.ascii_lowercase, rng=rng)
        + "@" + rnd(10, string.ascii_lowercase, rng=rng) + ".com",
        "card": " ".join(card[i : i + 4] for i in range(0, 16, 4)),
        "phone": "+44 7700 9" + rnd(5, string.digits, rng=rng),
        "ip": f"8.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}.{rng.randrange(1, 255)}",
    }  # fmt: skip


def secret_records(values: dict[str, str]) -> list[dict[str, Any]]:
    """Each value in a record of its own, in a different place of the record each time."""
    records: list[dict[str, Any]] = []
    for index, (name, value) in enumerate(values.items()):
        place = index % 4
        if place == 0:
            messages = [{"role": "user", "content": f"my {name}: {value} ok"}, {"role": "assistant", "content": "no"}]
        elif place == 1:
            messages = [
                {"role": "user", "content": "hi"},
                {"role": "assistant", "content": [{"type": "text", "text": f"use {value}"}]},
            ]
        elif place == 2:
            arguments = json.dumps({"value": value})
            call = {"id": "c1", "type": "function", "function": {"name": "f", "arguments": arguments}}
            messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [call]}]
        else:
            messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok", "meta": {value: 1}}]
        records.append({"messages": messages})
    return records


def windows(value: str, width: int = 10) -> set[str]:
    """Every run of ``width`` characters of a value."""
    return {value[i : i + width] for i in range(len(value) - width + 1)}


def private_windows(value: str, twin: str) -> set[str]:
    """The runs of 10 characters of a value that its twin (another of its kind) does not share: those of its
    random part, not of the vendor's fixed prefix (which the rules' documentation names)."""
    return windows(value) - windows(twin)


LINT_FORMATS = [name for name, output in OUTPUT_FORMATS.items() if output.supports("lint")]


def test_every_lint_format_is_covered() -> None:
    assert {"text", "concise", "json", "github", "sarif", "junit", "gitlab", "json-lines"} <= set(LINT_FORMATS)


@pytest.mark.parametrize("output_format", LINT_FORMATS)
def test_no_output_format_shows_a_secret(tmp_path: Path, output_format: str) -> None:
    rng = random.Random()
    values = planted(rng)
    twins = planted(rng)
    data = tmp_path / "leaky.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in secret_records(values)), encoding="utf-8")
    config = tmp_path / "ftdata.toml"
    config.write_text("[options]\nphone-or-ip-in-text = {enabled = true}\n", encoding="utf-8")
    common = ["lint", str(data), "--config", str(config), "-f", output_format, "--show-all", "--exit-zero"]
    _, stdout, stderr = invoke(*common)
    written = tmp_path / "report.out"
    _, stdout_with_file, stderr_with_file = invoke(*common, "--output-file", str(written))
    outputs = {"stdout": stdout, "stderr": stderr + stderr_with_file + stdout_with_file, "file": written.read_text()}
    for name, value in values.items():
        for where, text in outputs.items():
            assert value not in text, f"{output_format} {where} shows the whole {name}"
            shown = [piece for piece in private_windows(value, twins[name]) if piece in text]
            assert not shown, f"{output_format} {where} shows {shown[0]!r} of the {name}"
    # The masked prefix is what the report shows instead (JSON may escape the ellipsis).
    for name, value in values.items():
        masked = secrets.mask(value.split("\n")[0])
        forms = {masked, masked.replace("…", "\\u2026"), masked.replace("…", "&#8230;")}
        if output_format not in ("github", "junit", "gitlab", "sarif"):  # CI formats may shorten messages
            assert any(form in outputs["stdout"] and form in outputs["file"] for form in forms), (name, masked)


def test_each_planted_secret_is_found_at_its_path(tmp_path: Path) -> None:
    values = planted(random.Random(7))
    data = tmp_path / "leaky.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in secret_records(values)), encoding="utf-8")
    report = ftdata.lint(
        data, select=["FT501", "FT502", "FT503", "FT504"], options={"phone-or-ip-in-text": {"enabled": True}}
    )
    found = {(p.line, p.code, p.path) for p in report.problems}
    paths = ["$.messages[0].content", "$.messages[1].content[0].text"]
    paths += ["$.messages[1].tool_calls[0].function.arguments", "$.messages[1].meta"]
    codes = {"email": "FT503", "card": "FT502", "phone": "FT504", "ip": "FT504"}
    expected = {(line, codes.get(name, "FT501"), paths[(line - 1) % 4]) for line, name in enumerate(values, start=1)}
    assert found == expected
    assert all(len(p.message) < 300 and "…" in p.message for p in report.problems)


def test_the_line_as_read_finds_what_the_record_holds(tmp_path: Path) -> None:
    """The cheap tests read the line as the file has it (no re-serialisation) unless an escape could spell a
    character another way: however a writer escapes or spaces the JSON — \\u escapes for every character of
    the secret, \\/ for slashes, spaces around the separators — the file gives the problems the records give
    when they are passed as objects (where the tests read orjson's dump)."""
    values = planted(random.Random(11))
    records = secret_records(values)
    settings: dict[str, Any] = {
        "select": ["FT501", "FT502", "FT503", "FT504"],
        "options": {"phone-or-ip-in-text": {"enabled": True}},
    }
    expected = {(p.line, p.code, p.path) for p in ftdata.lint(records, **settings).problems}
    assert len(expected) == len(values)

    def escaped(text: str) -> str:
        for value in values.values():
            text = text.replace(value, "".join(f"\\u{ord(char):04x}" for char in value))
        return text

    writers = {
        "compact": lambda record: json.dumps(record, separators=(",", ":")),
        "spaced": lambda record: json.dumps(record, separators=(" , ", " : ")),
        "unicode-escaped": lambda record: escaped(json.dumps(record)),
        "escaped-slashes": lambda record: json.dumps(record).replace("/", "\\/"),
    }
    for name, write in writers.items():
        path = tmp_path / f"{name}.jsonl"
        path.write_text("".join(write(record) + "\n" for record in records), encoding="utf-8")
        assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == records, name
        found = {(p.line, p.code, p.path) for p in ftdata.lint(path, **settings).problems}
        assert found == expected, name


def test_one_problem_per_kind_per_example(tmp_path: Path) -> None:
    rng = random.Random(3)
    values = planted(rng)
    other = planted(rng)
    content = f"{values['openai']} {other['openai']} {values['aws']} {values['email']} {other['email']}"
    record = {"messages": [{"role": "user", "content": content}, {"role": "assistant", "content": values["openai"]}]}
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = ftdata.lint(data, select=["FT501", "FT503"])
    messages = sorted(p.message.split(" (")[0] for p in report.problems)
    assert messages == [
        "text holds an AWS access key id",
        "text holds an OpenAI API key",
        "text holds an email address",
    ]
    assert {p.path for p in report.problems} == {"$.messages[0].content"}


def test_a_key_that_holds_a_secret_is_masked_in_paths_below_it(tmp_path: Path) -> None:
    address = "dana.kowalska@fastmail.fm"
    record = {
        "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "ok"}],
        "meta": {address: {"card": "4111 1111 1111 1111"}},
    }
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(record) + "\n", encoding="utf-8")
    report = ftdata.lint(data, select=["FT502", "FT503"])
    assert {p.code for p in report.problems} == {"FT502", "FT503"}
    for problem in report.problems:
        assert address not in (problem.path or "") and "kowalska" not in (problem.path or "")


def test_no_false_positives_on_clean_varied_text(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    paragraphs = [p for p in readme.split("\n\n") if p.strip()]
    records = [
        {"messages": [{"role": "user", "content": p}, {"role": "assistant", "content": p[::-1]}]} for p in paragraphs
    ]
    data = tmp_path / "readme.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    for source in (
        data,
        FIXTURES / "examples" / "support-chat.jsonl",
        *sorted((FIXTURES / "examples").glob("*.jsonl")),
    ):
        report = ftdata.lint(source, select=["FT501", "FT502", "FT503"])
        assert not report.problems, (source.name, [(p.code, p.line, p.message) for p in report.problems][:5])


@pytest.mark.parametrize(
    ("number", "valid"),
    [
        ("4111111111111111", True),
        ("4111111111111112", False),
        ("79927398713", True),
        ("79927398710", False),
        ("378282246310005", True),
        ("378282246310006", False),
        ("5555555555554444", True),
    ],
)
def test_luhn(number: str, valid: bool) -> None:
    assert secrets.luhn_ok(number) is valid


def test_cards_need_luhn_a_known_issuer_and_a_card_shape() -> None:
    def found(text: str) -> list[str]:
        return [note for _, _, note in secrets.find_cards(text)]

    assert found("pay 4111 1111 1111 1111 now") == ["Visa, a well-known test number"]
    assert found("pay 4111-1111-1111-1112 now") == []  # fails Luhn
    assert found("pay 9111 1111 1111 1113 now") == []  # no known issuer
    assert found("pay 4111 1111-1111 1111 now") == []  # separators must agree
    assert found("id 41111111111111110000") == []  # longer than a card
    random_visa = "4556737586899855"
    assert found(random_visa) == ["Visa"]


@pytest.mark.parametrize(
    "address",
    [
        "alice@example.com",
        "bob@sub.example.org",
        "carol@example.net",
        "dev@host.test",
        "x@service.invalid",
        "root@localhost.localhost",
        "me@intranet.example",
        "user@gmail.com",
        "john.doe@outlook.com",
        "someone@yourcompany.com",
        "git@github.com",
        "icon@2x.png",
    ],
)
def test_placeholder_emails_are_skipped(address: str) -> None:
    assert list(secrets.find_emails(f"write to {address} today")) == []


@pytest.mark.parametrize("address", ["maria.gonzalez@fastmail.fm", "ops+alerts@corp.acme-widgets.de", "li@zoho.eu"])
def test_real_looking_emails_are_found(address: str) -> None:
    assert [value for _, value, _ in secrets.find_emails(f"write to {address}.")] == [address]


@pytest.mark.parametrize(
    "text",
    [
        "sk-learn is not a library; scikit-learn is",
        "task-" + "a" * 40,
        "see the ask-me-anything-thread-from-last-week-about-everything",
        "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAN and ASIATIC and AIzawl",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "-----BEGIN PUBLIC KEY-----",
        "eyJ alone, eyJhbGciOiJIUzI1NiJ9 alone",
    ],
)
def test_prose_and_placeholders_are_not_secrets(text: str) -> None:
    assert list(secrets.find_secrets(text)) == []


def test_mask_shows_at_most_six_characters() -> None:
    assert secrets.mask("sk-proj-" + "a1B2" * 20) == "sk-pro…"
    assert secrets.mask("ab@cd.io") == "ab…"
    assert len(secrets.mask("x" * 1000)) == secrets.VISIBLE + 1


def test_deep_records_do_not_recurse() -> None:
    value: Any = "sk-proj-" + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"
    for _ in range(5000):
        value = [value]
    hits = secrets.first_hits({"x": value}, secrets.find_secrets)
    assert [hit.kind for hit in hits] == ["an OpenAI API key"]
    assert secrets.record_text({"x": value}).endswith("ABCDEFGH")
