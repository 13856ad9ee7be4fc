"""Targets: the same file judged and priced for each service — openai, azure-openai, together, fireworks —
and for a target of the user's own; every figure in the profile files sourced and dated."""

from __future__ import annotations

import datetime
import json
import sys
from pathlib import Path
from typing import Any

import pytest

import ftdata
from ftdata.errors import ConfigError
from ftdata.profiles import _validate, load_profile, shipped_profiles
from tests.conftest import FIXTURES, ROOT, invoke

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
HI = {"role": "user", "content": "Hi"}
HELLO = {"role": "assistant", "content": "Hello"}
SHIPPED = ("openai", "azure-openai", "together", "fireworks")


def write(folder: Path, records: list[Any], name: str = "train.jsonl", *, prefix: bytes = b"") -> Path:
    path = folder / name
    path.write_bytes(prefix + b"".join(json.dumps(record).encode() + b"\n" for record in records))
    return path


def codes(path: Path, **options: Any) -> set[str]:
    return {problem.code for problem in ftdata.lint(path, **options).problems if problem.severity == "error"}


def chat(*messages: dict[str, Any], n: int = 12) -> list[dict[str, Any]]:
    return [{"messages": list(messages)} for _ in range(n)]


def test_the_four_targets_are_shipped() -> None:
    assert set(SHIPPED) <= set(shipped_profiles())
    assert load_profile("azure-openai").extends == "openai"


@pytest.mark.parametrize(
    ("records", "code"),
    [
        (chat(HI, HI, HELLO), "FT114"),  # consecutive user turns
        (
            chat(
                {
                    "role": "user",
                    "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                    ],
                },
                {"role": "assistant", "content": "A cat."},
            ),
            "FT154",  # an http(s) image: together takes base64 data URLs only
        ),
        (
            [
                {
                    "input": {"messages": [HI]},
                    "preferred_output": [{"role": "assistant", "content": "Hello!"}, HELLO],
                    "non_preferred_output": [{"role": "assistant", "content": "Go away"}],
                }
            ]
            * 12,
            "FT160",  # two messages in one side of the pair: together takes exactly one
        ),
    ],
    ids=["consecutive-user-turns", "http-image", "two-message-dpo-output"],
)
def test_passes_on_openai_fails_on_together(tmp_path: Path, records: list[Any], code: str) -> None:
    path = write(tmp_path, records)
    assert codes(path, model="gpt-4o" if code == "FT154" else None) == set()
    assert code in codes(path, target="together")


def test_five_examples_pass_on_fireworks_and_fail_on_openai(tmp_path: Path) -> None:
    path = write(tmp_path, chat(HI, HELLO, n=5))
    assert "FT401" in codes(path)
    assert codes(path, target="fireworks") == set()
    two = write(tmp_path, chat(HI, HELLO, n=2), "two.jsonl")
    assert "FT401" in codes(two, target="fireworks")  # at least 3 there


def test_a_bom_passes_on_azure_openai_and_fails_on_openai(tmp_path: Path) -> None:
    path = write(tmp_path, chat(HI, HELLO), prefix=b"\xef\xbb\xbf")
    assert "FT003" in codes(path)
    assert codes(path, target="azure-openai") == set()
    assert "FT003" not in {p.code for p in ftdata.lint(path, target="azure-openai").problems}
    # the user's severity brings the rule back on a target that turns it off
    assert "FT003" in codes(path, target="azure-openai", severity={"byte-order-mark": "error"})


def test_a_model_retired_on_openai_still_trains_on_azure_openai(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    path = write(tmp_path, chat(HI, HELLO))
    (retired,) = [p for p in ftdata.lint(path, model="gpt-4.1-nano").problems if p.code == "FT406"]
    assert "on openai ended on 2026-10-23" in retired.message
    assert "azure-openai trains it until at least 2027-04-14 for existing customers" in retired.message
    report = ftdata.lint(path, model="gpt-4.1-nano", target="azure-openai")
    assert report.ok and not {p.code for p in report.problems} & {"FT403", "FT406"}
    assert report.file(path).tokens.max_tokens_per_example == 32768  # Azure's figure for gpt-4.1-nano


def test_the_report_names_its_target(tmp_path: Path) -> None:
    path = write(tmp_path, chat(HI, HELLO))
    code, out, _ = invoke("lint", str(path), "--isolated", "--target", "together", "-m", "Qwen/Qwen3-8B", "-f", "json")
    target = json.loads(out)["target"]
    assert code == 0 and target == {
        "name": "together",
        "title": "Together AI fine-tuning",
        "model": "Qwen/Qwen3-8B",
        "token_counts": "exact",  # Qwen3's own tokenizer and chat template (the open-models extra)
    }
    _, out, _ = invoke("lint", str(path), "--isolated", "--target", "together", "-m", "Qwen/Qwen3-8B")
    assert out.rstrip().endswith("for together (Qwen/Qwen3-8B)")
    # a model whose tokenizer ftdata does not know is still counted, as an estimate, and says so
    _, out, _ = invoke("lint", str(path), "--isolated", "--target", "fireworks", "-m", "gemma-4-31b-it")
    assert out.rstrip().endswith("for fireworks (gemma-4-31b-it, tokens estimated)")


def test_cost_lists_only_pairs_that_can_train_the_bundled_example_today_with_sources(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    code, out, _ = invoke("cost", str(GOOD), "--isolated", "-f", "json")
    rows = json.loads(out)["models"]
    assert code == 0 and {row["target"] for row in rows} == set(SHIPPED)
    pairs = {(row["target"], row["model"]) for row in rows}
    assert ("openai", "gpt-4.1-nano-2025-04-14") not in pairs  # retired there ...
    assert ("azure-openai", "gpt-4.1-nano-2025-04-14") in pairs  # ... trains here
    assert not any(row["model"].startswith(("babbage", "davinci", "o4-mini")) for row in rows)  # wrong format
    for row in rows:
        assert row["status"] is None
        # the same answer as lint's, on that target; an open-weight model estimated here because its files are
        # not installed is one lint refuses to judge without them (exit 2, saying what to install)
        try:
            problems = ftdata.lint(GOOD, target=row["target"], model=row["model"]).problems
        except ConfigError as exc:
            assert row["token_counts"] == "estimate" and "not on this machine" in str(exc), row
            continue
        assert not {"FT121", "FT122", "FT406"} & {p.code for p in problems}, row
        if row["price_certainty"] == "unknown":
            assert row["usd"] is None
        else:
            assert row["price"]["source"] and row["price_certainty"] in ("verified", "unverified")

    def per_epoch(row: dict[str, Any]) -> bool:  # the target's default epochs are unknown: one epoch's figure
        return any(f["epochs_source"] == "per epoch" for f in row["files"])

    priced = [row for row in rows if row["usd"] is not None]
    whole = [row["usd"] for row in priced if not per_epoch(row)]
    assert whole == sorted(whole) and rows[-1]["usd"] is None  # cheapest first, unpriced last
    assert [per_epoch(row) for row in priced] == sorted(per_epoch(row) for row in priced)  # not ranked with jobs
    together = next(row for row in rows if row["target"] == "together" and row["model"] == "Qwen/Qwen3-8B")
    assert together["token_counts"] == "exact" and together["price_certainty"] == "unverified"
    assert "2026-02-13" in together["price"]["source"]  # the date of the copy the price was read from
    code, out, _ = invoke("cost", str(GOOD), "--isolated", "-f", "json", "--all")
    marked = {(row["target"], row["model"]): row["status"] for row in json.loads(out)["models"]}
    assert marked[("openai", "gpt-4.1-nano-2025-04-14")] == "new jobs ended on 2026-10-23"


def test_cost_narrowed_to_a_target(monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = invoke("cost", str(GOOD), "--isolated", "-f", "json", "--target", "together", "--epochs", "2")
    rows = json.loads(out)["models"]
    assert code == 0 and rows and {row["target"] for row in rows} == {"together"}
    qwen = next(row for row in rows if row["model"] == "Qwen/Qwen3-8B")
    assert qwen["usd"] == pytest.approx(qwen["trained_tokens"] * 0.48 / 1e6, abs=1e-6)  # JSON rounds to 6 places
    assert qwen["files"][0]["epochs"] == 2


USER_TARGET = """
[tool.ftdata]
target = "cheap-openai"

[tool.ftdata.targets.cheap-openai]
extends = "openai"
title = "OpenAI at our negotiated rate"
limits = { min-examples = 5 }

[tool.ftdata.targets.cheap-openai.models.gpt-4o-mini]
price-per-million = 1.25
"""


def test_a_user_target_extends_another_with_one_limit_and_one_price_changed(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(USER_TARGET)
    path = write(tmp_path, chat(HI, HELLO, n=6))
    code, out, _ = invoke("targets", cwd=tmp_path)
    row = next(line for line in out.splitlines() if line.startswith("cheap-openai"))
    assert code == 0 and "OpenAI at our negotiated rate" in row and "openai" in row.split("  ")[-1] + row
    code, out, _ = invoke("targets", "-f", "json", cwd=tmp_path)
    mine = next(t for t in json.loads(out) if t["name"] == "cheap-openai")
    assert mine["limits"]["min_examples"]["value"] == 5 and mine["limits"]["min_examples"]["source"].startswith(
        "config"
    )
    # lint: 6 examples are enough here (openai wants 10), and the price is the user's
    code, out, _ = invoke("lint", "train.jsonl", "-m", "gpt-4o-mini", "-f", "json", cwd=tmp_path)
    document = json.loads(out)
    assert code == 0 and document["target"]["name"] == "cheap-openai"
    assert "FT401" not in {p["code"] for p in document["files"][0]["problems"]}
    assert document["files"][0]["cost"]["price"]["usd"] == 1.25
    assert "FT401" in {p.code for p in ftdata.lint(path, target="openai", model="gpt-4o-mini").problems}
    # cost: priced on that target with the user's price, marked as configured
    code, out, _ = invoke("cost", "train.jsonl", "-m", "gpt-4o-mini", "-f", "json", cwd=tmp_path)
    (row,) = json.loads(out)["models"]
    assert row["target"] == "cheap-openai" and row["price"]["usd"] == 1.25
    assert row["price_certainty"] == "configured"
    assert row["usd"] == pytest.approx(row["trained_tokens"] * 1.25 / 1e6)


def test_a_target_that_extends_in_a_circle_or_names_no_base_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="a new target needs extends"):
        load_profile("mine", {"mine": {"title": "x"}})
    with pytest.raises(ConfigError, match="'models' must be tables of models"):
        load_profile("mine", {"mine": {"extends": "openai", "models": {"x": 1}}})


def _figures(table: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every number or date in a profile (its sources left out), with the innermost table that holds it."""
    return [
        (f"{where}.{key}", holder) for where, holder in _tables(table) for key, v in holder.items() if _is_figure(v)
    ]


def _is_figure(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_figure(item) for item in value)
    return isinstance(value, (int, float, datetime.date)) and not isinstance(value, bool)


@pytest.mark.parametrize("name", SHIPPED)
def test_every_figure_in_the_profile_files_has_a_source_and_a_date(name: str) -> None:
    raw = tomllib.loads((ROOT / "ftdata" / "targets" / f"{name}.toml").read_text(encoding="utf-8"))
    sources = {**raw.get("sources", {})}
    if raw.get("extends"):
        sources.update(tomllib.loads((ROOT / "ftdata" / "targets" / f"{raw['extends']}.toml").read_text())["sources"])
    for key, source in raw.get("sources", {}).items():
        assert source.get("title") and source.get("date"), f"{name}: source {key} needs a title and a date"
        assert any(ch.isdigit() for ch in source["date"]), f"{name}: source {key}: the date read is missing"
    figures = _figures({k: v for k, v in raw.items() if k != "schema-version"})
    assert len(figures) > 10
    for where, holder in figures:
        assert holder.get("source") in sources, f"{name}: {where} has no source"
        assert isinstance(holder.get("verified"), bool), f"{name}: {where} does not say whether it was verified"
    # a figure that could not be found has no value and a note saying so, never a guess
    for where, holder in _tables(raw):
        valued = {"value", "usd", "severity", "new-jobs-end", "shutdown", "func-init"} & set(holder)
        if "source" in holder and not valued and where.split(".")[0] != "epochs":
            assert holder.get("note"), f"{name}: {where} has neither a value nor a note"


def _tables(table: dict[str, Any], where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every table of a profile but its sources (the top level as ""), with where it is."""
    found = [] if where else [("", table)]
    for key, value in table.items():
        if isinstance(value, dict) and key != "sources":
            here = f"{where}.{key}" if where else key
            found.append((here, value))
            found += _tables(value, here)
    return found


def test_the_loader_refuses_an_unsourced_figure_or_an_unknown_one_without_a_note() -> None:
    with pytest.raises(ConfigError, match="source 'nowhere' is not in"):
        load_profile(
            "mine",
            {
                "mine": {
                    "extends": "openai",
                    "limits": {"max-examples": {"value": 5, "source": "nowhere", "verified": True}},
                }
            },
        )
    raw = json.loads(json.dumps(shipped_profiles()["openai"], default=str))
    raw["limits"]["max-examples"] = {"source": "guide-2024", "verified": True}
    with pytest.raises(ConfigError, match="needs a note"):
        _validate(raw, "a profile")


def test_a_shipped_figure_replaces_the_one_it_extends_whole() -> None:
    """azure-openai's unknown price must not keep openai's dollar figure beside its own source."""
    nano = load_profile("azure-openai").catalog.resolve("gpt-4.1-nano")
    assert nano.training_price is not None and nano.training_price.usd is None and nano.training_price.note
    assert nano.max_tokens_per_example.value == 32768 and nano.lifecycle and nano.lifecycle.at_least


def test_together_takes_a_sample_weight_that_openai_refuses(tmp_path: Path) -> None:
    path = write(tmp_path, [{"messages": [HI, HELLO], "weight": 0.5}] * 12)
    assert "FT110" in codes(path)
    assert codes(path, target="together") == set()


def test_a_model_without_a_published_limit_is_held_to_the_targets_default_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path, chat(HI, {"role": "assistant", "content": "word " * 70_000}, n=3))
    (long,) = {p.message for p in ftdata.lint(path, target="fireworks", model="qwen3-8b").problems if p.code == "FT301"}
    assert "over the limit of 65,536 (fireworks's default: no limit for qwen3-8b is published" in long
    # Qwen3's own template and tokenizer count it (exactly), and Fireworks drops what is too long
    assert "example has 70,016 tokens as Qwen/Qwen3-8B's chat template renders it" in long and "drops it" in long
    assert not [p for p in ftdata.lint(path, target="fireworks", model="gemma-4-31b-it").problems if p.code == "FT301"]
    # a model whose files ftdata does not have is an estimate, and says so
    (estimated,) = {
        p.message
        for p in ftdata.lint(path, target="fireworks", model="glm-5p1", max_tokens_per_example=1000).problems
        if p.code == "FT301"
    }
    assert "example has about " in estimated


MODELS_AND_TARGETS = """
[tool.ftdata.models.gpt-4o-mini]
price-per-million = 2.5              # negotiated with OpenAI: not Azure's price

[tool.ftdata.models.acme-llama]
encoding = "cl100k_base"
max-tokens-per-example = 8192
price-per-million = 2.0

[tool.ftdata.targets.azure-openai.rules]
FT003 = "error"                      # by code, over the profile's byte-order-mark = off

[tool.ftdata.targets.our-openai]
extends = "openai"
rules = { byte-order-mark = { severity = "warning" } }
"""


def test_user_models_stay_on_their_target_and_user_rules_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    (tmp_path / "pyproject.toml").write_text(MODELS_AND_TARGETS)
    write(tmp_path, chat(HI, HELLO), prefix=b"\xef\xbb\xbf")
    code, out, err = invoke("cost", "train.jsonl", "-f", "json", "-m", "gpt-4o-mini", cwd=tmp_path)
    prices = {row["target"]: row["price"] for row in json.loads(out)["models"]}
    assert code == 0, err
    assert prices["openai"]["usd"] == 2.5 and prices["azure-openai"] is None  # Azure's price stays unknown
    # a new model without a base, on a target whose tool overheads are an estimate
    code, out, err = invoke(
        "lint", "train.jsonl", "--target", "together", "-m", "acme-llama", "-f", "json", cwd=tmp_path
    )
    assert code == 1 and json.loads(out)["files"][0]["cost"]["price"]["usd"] == 2.0, err
    # the user's rules, by code or by name, as plain values or tables
    codes_azure = {
        p["code"]: p["severity"]
        for p in json.loads(invoke("lint", "train.jsonl", "--target", "azure-openai", "-f", "json", cwd=tmp_path)[1])[
            "files"
        ][0]["problems"]
    }
    assert codes_azure.get("FT003") == "error"
    _, out, _ = invoke("lint", "train.jsonl", "--target", "our-openai", "-f", "json", cwd=tmp_path)
    assert {p["code"]: p["severity"] for p in json.loads(out)["files"][0]["problems"]}["FT003"] == "warning"


def test_a_broken_target_of_the_config_is_a_config_error_even_when_not_chosen(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ftdata]\nmodel = "gpt-4.1-nano"\n[tool.ftdata.targets.bad]\nextends = "together"\n'
        'limits = { min-examples = "five" }\n'
    )
    write(tmp_path, chat(HI, HELLO))
    code, _, err = invoke("lint", "train.jsonl", cwd=tmp_path)
    assert code == 2 and "[tool.ftdata.targets.bad]" in err and "min-examples" in err and "bug" not in err


def test_a_model_refused_on_one_target_but_trained_on_another_is_not_a_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    code, out, err = invoke("cost", str(GOOD), "--isolated", "-m", "gpt-4.1-nano", "--all", "-f", "json")
    assert {row["target"] for row in json.loads(out)["models"] if row["status"] is None} == {"azure-openai"}
    assert code == 0 and "gpt-4.1-nano-2025-04-14 on openai: new jobs ended on 2026-10-23; another target" in err
    code, _, err = invoke("cost", str(GOOD), "--isolated", "-m", "gpt-4.1-nano", "--target", "openai")
    assert code == 1 and "error: gpt-4.1-nano-2025-04-14 on openai: new jobs ended" in err


def test_preference_files_are_held_to_the_models_preference_limit_everywhere(tmp_path: Path) -> None:
    pair = {"input": {"messages": [HI]}, "preferred_output": [HELLO], "non_preferred_output": [HELLO]}
    path = write(tmp_path, [pair] * 3)
    report = ftdata.lint(path, target="together", model="Qwen/Qwen3-32B")
    assert report.file(path).tokens.max_tokens_per_example == 4096  # its DPO limit, not its 24,576 for SFT


def test_a_budget_where_the_default_epochs_are_unknown_needs_epochs() -> None:
    code, _, err = invoke(
        "lint", str(GOOD), "--isolated", "--target", "fireworks", "-m", "gemma-4-31b-it", "--max-usd", "1"
    )
    assert code == 2 and "fireworks's default is not documented, so pass --epochs" in err
    args = ("lint", str(GOOD), "--isolated", "--target", "fireworks", "-m", "gemma-4-31b-it", "--max-usd", "1")
    assert invoke(*args, "--epochs", "2")[0] == 0
