"""Cost: the auto epochs rule, the seed guide's figure, ftdata cost, user-priced models and the budget guard."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import ftdata
from ftdata.catalog import load_catalog
from ftdata.cost import auto_epochs, price_examples
from ftdata.errors import ConfigError
from tests.conftest import FIXTURES, invoke

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"


def run(*args: str, cwd: Path | None = None) -> tuple[int, str, str]:
    return invoke(*args, cwd=cwd)


@pytest.mark.parametrize(("examples", "epochs"), [(1, 25), (5, 20), (10, 10), (34, 3), (1000, 3), (30000, 1)])
def test_auto_epochs(examples: int, epochs: int) -> None:
    assert auto_epochs(examples) == epochs


def test_seed_guide_figure() -> None:
    """100,000 tokens × 3 epochs on gpt-3.5-turbo costs $2.40 (the seed guide's worked example)."""
    model = load_catalog().resolve("gpt-3.5-turbo")
    cost = price_examples([1000] * 100, model=model, max_tokens=16385, epochs=3)
    assert cost.trained_tokens == 300_000 and cost.usd == pytest.approx(2.40)
    mini = price_examples([1000] * 100, model=load_catalog().resolve("gpt-4o-mini"), max_tokens=65536, epochs=3)
    assert mini.usd == pytest.approx(0.90)  # the later guide's figure for gpt-4o-mini


def test_billed_tokens_are_capped_at_the_limit() -> None:
    model = load_catalog().resolve("gpt-4o-mini")
    cost = price_examples([100, 70_000], model=model, max_tokens=65_536, epochs=1)
    assert cost.billed_tokens_per_epoch == 100 + 65_536


def test_time_priced_method_has_no_made_up_dollars() -> None:
    model = load_catalog().resolve("o4-mini")
    cost = price_examples([100] * 20, model=model, max_tokens=65_536)
    assert cost.usd is None and "per hour" in (cost.note or "")


def test_cost_table_lists_models_that_take_the_format_cheapest_first() -> None:
    code, out, _ = run("cost", str(GOOD), "--isolated", "-f", "json", "--target", "openai")
    assert code == 0
    document = json.loads(out)
    names = [m["model"] for m in document["models"]]
    assert "davinci-002" not in names and "babbage-002" not in names  # prompt/completion only
    assert "o4-mini-2025-04-16" not in names  # an RFT model: a chat file is not an RFT file
    assert "gpt-4o-mini-2024-07-18" in names and names[-1] == "gpt-4-0613"  # unpriced last
    assert {m["target"] for m in document["models"]} == {"openai"}
    priced = [m["usd"] for m in document["models"] if m["usd"] is not None]
    assert priced == sorted(priced)
    tokens = {m["model"]: m["trained_tokens"] for m in document["models"]}
    assert tokens["gpt-3.5-turbo-0125"] != tokens["gpt-4o-mini-2024-07-18"]  # each model's own encoding
    assert document["prices_taken"] and document["files"][0]["examples"] == 60


def test_cost_of_one_model_matches_lint() -> None:
    _, out, _ = run("cost", str(GOOD), "--isolated", "-f", "json", "-m", "gpt-4o-mini")
    rows = {row["target"]: row for row in json.loads(out)["models"]}
    assert set(rows) == {"openai", "azure-openai"}  # a model named is priced on every target that has it
    row = rows["openai"]
    report = ftdata.lint(GOOD, model="gpt-4o-mini")
    assert report.cost is not None
    assert row["usd"] == report.cost.usd and row["trained_tokens"] == report.cost.trained_tokens


def test_several_files_get_their_own_epochs_and_a_total() -> None:
    code, out, _ = run(
        "cost", str(GOOD), str(BROKEN), "--isolated", "-f", "json", "-m", "gpt-4o-mini", "--target", "openai"
    )
    assert code == 0
    (row,) = json.loads(out)["models"]
    assert [f["epochs"] for f in row["files"]] == [3, 5]  # 60 and 17 examples under the auto rule
    assert row["usd"] == pytest.approx(sum(f["usd"] for f in row["files"]))
    assert row["examples_truncated"] == 0  # 65,536 limit


def test_truncated_examples_are_counted_against_the_models_limit() -> None:
    _, out, _ = run("cost", str(BROKEN), "--isolated", "-f", "json", "-m", "gpt-3.5-turbo-0613")
    (row,) = json.loads(out)["models"]
    assert row["max_tokens_per_example"] == 4096 and row["examples_truncated"] == 1


def test_validation_file_is_counted_not_billed() -> None:
    with_validation = json.loads(
        run("cost", str(GOOD), "--validation-file", str(BROKEN), "--isolated", "-f", "json", "-m", "gpt-4o")[1]
    )
    without = json.loads(run("cost", str(GOOD), "--isolated", "-f", "json", "-m", "gpt-4o")[1])
    assert with_validation["models"][0]["usd"] == without["models"][0]["usd"]
    assert with_validation["files"][1]["role"] == "validation" and with_validation["files"][1]["tokens"] > 0
    report = ftdata.lint(GOOD, model="gpt-4o", validation_file=BROKEN)
    validation = report.files[1]
    assert validation.role == "validation" and validation.cost is None and validation.problems  # checked too
    assert report.usd == report.files[0].cost.usd  # type: ignore[union-attr]


def test_epochs_option_and_its_range() -> None:
    _, out, _ = run("cost", str(GOOD), "--isolated", "-f", "json", "-m", "gpt-4o-mini", "--epochs", "7")
    assert json.loads(out)["models"][0]["files"][0]["epochs"] == 7
    code, _, err = run("cost", str(GOOD), "--isolated", "--epochs", "0")
    assert code == 2 and "0 is not in the range 1<=x<=50" in err


def test_budget_guard_on_cost_and_lint() -> None:
    code, _, err = run("cost", str(GOOD), "--isolated", "-m", "gpt-4o", "--max-usd", "0.10")
    assert code == 1 and "over budget" in err and "gpt-4o-2024-08-06 on openai ($0.51)" in err
    assert run("cost", str(GOOD), "--isolated", "-m", "gpt-4o", "--max-usd", "1")[0] == 0
    code, out, err = run("lint", str(GOOD), "--isolated", "-m", "gpt-4o", "--max-usd", "0.10")
    assert code == 1 and "is above --max-usd $0.10" in err and "over the $0.10 budget" in out
    code, out, _ = run("lint", str(GOOD), "--isolated", "-m", "gpt-4o", "--max-usd", "0.10", "-f", "json")
    assert json.loads(out)["summary"]["over_budget"] is True
    assert run("lint", str(GOOD), "--isolated", "-m", "gpt-4o", "--max-usd", "1")[0] == 0
    code, _, err = run("lint", str(GOOD), "--isolated", "--max-usd", "1")
    assert code == 2 and "needs a model priced per token" in err


PYPROJECT = """
[tool.ftdata]
model = "acme-llama"

[tool.ftdata.models.acme-llama]
encoding = "cl100k_base"
max-tokens-per-example = 8192
price-per-million = 2.0
methods = ["sft"]

[tool.ftdata.models.gpt-4o-mini]
price-per-million = 1.5   # a negotiated price

[tool.ftdata.models.azure-4o]
base = "gpt-4o"
price-per-million = 27.5
"""


def test_a_model_ftdata_never_heard_of_priced_from_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "train.jsonl").write_bytes(GOOD.read_bytes())
    code, out, _ = run("lint", "train.jsonl", "-f", "json", cwd=tmp_path)
    cost = json.loads(out)["files"][0]["cost"]
    assert code == 0 and cost["model"] == "acme-llama" and cost["price"]["usd"] == 2.0
    assert cost["usd"] == pytest.approx(cost["trained_tokens"] * 2.0 / 1e6)
    assert "your configuration" in cost["price"]["source"]
    assert json.loads(out)["files"][0]["tokens"]["encoding"] == "cl100k_base"
    _, out, _ = run(
        "cost", "train.jsonl", "-f", "json", "-m", "gpt-4o-mini", "-m", "azure-4o", "--target", "openai", cwd=tmp_path
    )
    prices = {m["model"]: m["price"]["usd"] for m in json.loads(out)["models"]}
    assert prices == {"gpt-4o-mini-2024-07-18": 1.5, "azure-4o": 27.5}
    _, out, _ = run("models", cwd=tmp_path)
    assert "acme-llama" in out and "$2/1M" in out and "azure-4o" in out


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[tool.ftdata.models.x]\nencoding = "cl100k_base"', "new model 'x' needs max-tokens-per-example"),
        ('[tool.ftdata.models.x]\nbase = "gpt-4o"\nprise = 1', "'prise': Extra inputs are not permitted"),
        ('[tool.ftdata.models.x]\nbase = "gpt-9"', "unknown model 'gpt-9'"),
        ('[tool.ftdata.models.x]\nbase = "gpt-4o"\nprice-per-million = 1\nprice-per-hour = 2', "not both"),
    ],
)
def test_bad_model_tables_exit_2(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(table + "\n")
    code, _, err = run("models", cwd=tmp_path)
    assert code == 2 and message in err


def test_models_command_json_has_sources() -> None:
    code, out, _ = run("models", "--isolated", "-f", "json")
    catalog = json.loads(out)
    assert code == 0 and catalog["prices_taken"]
    mini = next(m for m in catalog["models"] if m["name"] == "gpt-4o-mini-2024-07-18")
    assert mini["training_price"]["usd"] == 3.0 and mini["training_price"]["source"] in catalog["sources"]
    assert mini["lifecycle"]["verified"] is True and "not verified" in mini["lifecycle"]["note"]  # the shutdown


def test_library_estimate_cost() -> None:
    comparison = ftdata.estimate_cost(GOOD, model="gpt-4o-mini", config=None, epochs=2, target="openai")
    (row,) = comparison.models
    assert row.files[0].estimate.epochs == 2 and row.usd == pytest.approx(row.trained_tokens * 3.0 / 1e6)
    with pytest.raises(ConfigError):
        ftdata.estimate_cost(GOOD, colour="red")


def test_lifecycle_shows_in_lint_when_a_model_is_ending(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))
    report = ftdata.lint(GOOD, model="gpt-4o-mini")
    (problem,) = report.problems
    assert problem.code == "FT403" and problem.line is None
    assert "end on 2027-01-06 (in 36 days), and only for existing customers" in problem.message
    assert "OpenAI deprecations page" in problem.message and "unverified" not in problem.message


@pytest.fixture
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime

    monkeypatch.setattr("ftdata.target.today", lambda: datetime.date(2026, 12, 1))


@pytest.mark.usefixtures("december")
def test_cost_offers_only_models_that_can_train_the_file_today() -> None:
    code, out, _ = run("cost", str(GOOD), "--isolated", "-f", "json", "--target", "openai")
    document = json.loads(out)
    offered = {row["model"] for row in document["models"]}
    assert code == 0 and offered == {
        "gpt-4o-mini-2024-07-18",
        "gpt-4.1-mini-2025-04-14",
        "gpt-4.1-2025-04-14",
        "gpt-4o-2024-08-06",
    }
    assert all(row["status"] is None for row in document["models"]) and "--all lists them" in document["notes"][0]
    # the same answer as lint's: every offered model lints the file without a format or lifecycle error
    for name in offered:
        assert not {"FT121", "FT406"} & {p.code for p in ftdata.lint(GOOD, model=name).problems}
    code, out, _ = run("cost", str(GOOD), "--isolated", "-f", "json", "--all", "--target", "openai")
    rows = json.loads(out)["models"]
    marked = {row["model"]: row["status"] for row in rows if row["status"]}
    assert marked["gpt-4.1-nano-2025-04-14"] == "new jobs ended on 2026-10-23"
    assert marked["babbage-002"] == "cannot be trained on chat files"
    assert [row["status"] is None for row in rows] == sorted((row["status"] is None for row in rows), reverse=True)


@pytest.mark.usefixtures("december")
def test_cost_on_a_model_that_cannot_train_the_file_fails_as_lint_does() -> None:
    code, out, err = run("cost", str(GOOD), "--isolated", "-m", "babbage-002")
    assert code == 1 and "refused: cannot be trained on chat files" in out and "would refuse the job" in err
    assert ftdata.lint(GOOD, model="babbage-002").errors  # lint: format-not-supported
    code, _, err = run("cost", str(GOOD), "--isolated", "-m", "o4-mini", "--max-usd", "5")
    assert code == 2 and "needs a model priced per token" in err
    code, _, err = run("lint", str(GOOD), "--isolated", "-m", "o4-mini", "--max-usd", "5")
    assert code == 2 and "needs a model priced per token" in err


def test_cost_with_a_config_model_says_it_priced_only_that_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nmodel = "gpt-4o-mini"\n')
    data = tmp_path / "train.jsonl"
    data.write_bytes(GOOD.read_bytes())
    code, out, _ = run("cost", str(data))
    assert code == 0 and "priced only gpt-4o-mini, the model your configuration names; --all prices every model" in out
    code, out, _ = run("cost", str(data), "--all")
    assert "gpt-4.1-2025-04-14" in out and "priced only" not in out


def test_cost_shows_progress_when_asked() -> None:
    code, _, err = run("cost", str(GOOD), "--isolated", "-m", "gpt-4o-mini", "--progress")
    assert code == 0 and "support-chat.jsonl" in err


def test_cost_of_plain_files_needs_no_temporary_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only a stream is saved to a temporary file (to be read once per encoding); plain files are read in place."""
    import tempfile

    def no_temp() -> str:
        raise FileNotFoundError("No usable temporary directory found")

    monkeypatch.setattr(tempfile, "gettempdir", no_temp)
    code, out, _ = run("cost", str(GOOD), "--isolated", "-m", "gpt-4o-mini", "-m", "gpt-4.1")
    assert code == 0 and "$0.51" in out


def test_one_pass_counts_every_encoding_as_a_lint_of_each_model_would(monkeypatch: pytest.MonkeyPatch) -> None:
    """cost reads each file once, counting with every encoding the priced models need; each model's figures
    are those lint gives for that model alone (and a stream, read once, gives the same table)."""
    from ftdata.runner import Runner

    scans: list[str] = []
    real = Runner.scan
    monkeypatch.setattr(
        Runner,
        "scan",
        lambda self, plan, name, *args, **kw: (scans.append(name), real(self, plan, name, *args, **kw))[1],
    )
    comparison = ftdata.estimate_cost(BROKEN, every_model=True, target="openai", config=None)
    assert scans == [str(BROKEN)]
    rows = {row.model.name: row for row in comparison.models}
    assert {row.model.encoding for row in rows.values()} == {"o200k_base", "cl100k_base"}
    for name in ("gpt-3.5-turbo-0125", "gpt-4o-mini-2024-07-18", "gpt-3.5-turbo-0613"):
        report = ftdata.lint(BROKEN, model=name, target="openai")
        assert report.cost is not None and rows[name].trained_tokens == report.cost.trained_tokens
    args = ("--isolated", "-f", "json", "--all", "--target", "openai")
    _, from_stdin, _ = invoke("cost", "-", *args, input=BROKEN.read_bytes())
    _, from_file, _ = invoke("cost", str(BROKEN), *args)
    stdin_rows = [{k: v for k, v in row.items() if k != "files"} for row in json.loads(from_stdin)["models"]]
    file_rows = [{k: v for k, v in row.items() if k != "files"} for row in json.loads(from_file)["models"]]
    assert stdin_rows == file_rows
