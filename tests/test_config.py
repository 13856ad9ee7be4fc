"""[tool.ftdata] configuration: found from the working folder, strict, and overridden by the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftdata
from ftdata.cli import main
from ftdata.config import find_config, load_settings
from ftdata.errors import ConfigError
from tests.conftest import FIXTURES, invoke

BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"


def project(tmp_path: Path, table: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(f"[project]\nname = 'x'\n\n[tool.ftdata]\n{table}\n")
    (tmp_path / "data").mkdir(exist_ok=True)
    target = tmp_path / "data" / "train.jsonl"
    target.write_bytes(BROKEN.read_bytes())
    return target


def lint_in(folder: Path, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    code, out, err = invoke("lint", *args, "-f", "json", cwd=folder)
    return code, json.loads(out) if out else {}, err


def codes(document: dict) -> set[str]:  # type: ignore[type-arg]
    return {p["code"] for f in document["files"] for p in f["problems"]}


def test_nearest_pyproject_with_a_table_is_found(tmp_path: Path) -> None:
    project(tmp_path, 'model = "gpt-4o-mini"')
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    (tmp_path / "a" / "pyproject.toml").write_text("[project]\nname = 'inner, no ftdata table'\n")
    assert find_config(nested) == tmp_path / "pyproject.toml"
    settings, path = load_settings(start=nested)
    assert settings.model == "gpt-4o-mini" and path == tmp_path / "pyproject.toml"


def test_config_selects_ignores_and_changes_severity(tmp_path: Path) -> None:
    project(
        tmp_path,
        'ignore = ["FT1"]\nextend-select = ["FT110"]\nseverity = {example-too-long = "error"}\n'
        "options = {small-dataset = {minimum = 10}}",
    )
    code, document, _ = lint_in(tmp_path, "data/train.jsonl")
    assert code == 1
    found = codes(document)
    assert "FT110" in found and not (found - {"FT110"}) & {f"FT1{n:02}" for n in range(100)}
    assert "FT402" not in found  # 17 examples >= the configured minimum of 10
    severities = {p["code"]: p["severity"] for p in document["files"][0]["problems"]}
    assert severities["FT301"] == "error"
    # the command line wins over the file
    _, document, _ = lint_in(tmp_path, "data/train.jsonl", "--select", "FT301")
    assert codes(document) == {"FT301"}


def test_per_file_ignores(tmp_path: Path) -> None:
    project(tmp_path, '[tool.ftdata.per-file-ignores]\n"data/*.jsonl" = ["structure", "FT0"]')
    _, document, _ = lint_in(tmp_path, "data/train.jsonl")
    assert codes(document) and not any(c.startswith(("FT1", "FT0")) for c in codes(document))


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('selct = ["FT1"]', "unknown key 'selct' (did you mean 'select'?)"),
        ('ignore = ["FT777"]', "'FT777' selects no rule"),
        ('severity = {FT301 = "loud"}', "severity.FT301"),
        ('severity = {no-such-rule = "error"}', "unknown rule 'no-such-rule'"),
        ("options = {small-dataset = {maximum = 3}}", "has no option 'maximum' (its options: minimum)"),
        ('options = {small-dataset = {minimum = "ten"}}', "must be a int"),
        ("epochs = 0", "epochs"),
        ('model = "gpt-9"', "unknown model 'gpt-9'"),
        ('[tool.ftdata.per-file-ignores]\n"*.jsonl" = ["nothing-like-this"]', "selects no rule"),
    ],
)
def test_bad_config_exits_2_naming_the_file_and_key(tmp_path: Path, table: str, message: str) -> None:
    project(tmp_path, table)
    code, _, err = lint_in(tmp_path, "data/train.jsonl")
    assert code == 2
    assert message in err


def test_invalid_toml_and_explicit_config_file(tmp_path: Path) -> None:
    bad = tmp_path / "ftdata.toml"
    bad.write_text("model = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)
    good = tmp_path / "other.toml"
    good.write_text('select = ["FT112"]\n')
    report = ftdata.lint(BROKEN, config=good)
    assert {p.code for p in report.problems} == {"FT112"}


def test_isolated_ignores_config(tmp_path: Path) -> None:
    project(tmp_path, 'select = ["FT112"]')
    _, document, _ = lint_in(tmp_path, "data/train.jsonl", "--isolated")
    assert len(codes(document)) > 5


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("epochs = true", "epochs"),
        ('strict = "yes"', "strict"),
        ('jobs = "2"', "jobs"),
        ("jobs = 2.0", "jobs"),
        ("jobs = 100000", "jobs"),
        ("max-usd = inf", "max-usd"),
        ("max-usd = nan", "max-usd"),
        ("max-usd = true", "max-usd"),
        ("max-tokens-per-example = 1180591620717411303424", "max-tokens-per-example"),
        ("allow-download = 1", "allow-download"),
        ("max-line-bytes = 10", "max-line-bytes"),
    ],
)
def test_values_are_taken_as_written_and_bounded(tmp_path: Path, table: str, key: str) -> None:
    """No coercion: a string, a boolean or a float where another type belongs is an error naming file and key."""
    project(tmp_path, table)
    with pytest.raises(ConfigError, match=f"pyproject.toml \\[tool.ftdata\\]: '{key}'"):
        load_settings(tmp_path / "pyproject.toml")


@pytest.mark.parametrize(
    ("models", "message"),
    [
        ('[tool.ftdata.models.mine]\nbase = "gpt-4o-mini"\naliases = ["gpt-4o"]', "already name catalog models"),
        ('[tool.ftdata.models.gpt-4o]\nbase = "gpt-4o-mini"', "is already a catalog name"),
        ('[tool.ftdata.models.mine]\nbase = "gpt-4o-mini"\nprice-per-million = inf', "price-per-million"),
        ('[tool.ftdata.models.mine]\nbase = "gpt-4o-mini"\nprice-per-hour = "3"', "price-per-hour"),
    ],
)
def test_a_user_model_cannot_silently_take_over_a_catalog_name(tmp_path: Path, models: str, message: str) -> None:
    (tmp_path / "ftdata.toml").write_text(models.replace("[tool.ftdata.", "["))
    good = str(FIXTURES / "examples" / "support-chat.jsonl")
    code, _, err = lint_in(tmp_path, good, "--config", str(tmp_path / "ftdata.toml"), "--model", "gpt-4o-mini")
    assert code == 2 and message in err


def test_override_true_takes_over_a_catalog_alias(tmp_path: Path) -> None:
    (tmp_path / "ftdata.toml").write_text(
        '[models.mine]\nbase = "gpt-4o-mini"\naliases = ["gpt-4o"]\noverride = true\nprice-per-million = 1.0\n'
    )
    good = str(FIXTURES / "examples" / "support-chat.jsonl")
    code, report, _ = lint_in(tmp_path, good, "--config", str(tmp_path / "ftdata.toml"), "--model", "gpt-4o")
    assert code == 0 and report["files"][0]["cost"]["model"] == "mine"


@pytest.mark.parametrize(
    ("config", "args", "on", "off"),
    [
        ('ignore = ["FT004"]', ["--ignore", "FT110"], set(), {"FT004", "FT110"}),  # CLI ignore adds
        ('select = ["FT1"]', ["--extend-select", "FT004"], {"FT004", "FT106"}, {"FT005"}),  # CLI extend adds
        ('extend-select = []\nignore = ["FT004"]', ["--select", "FT004"], {"FT004"}, {"FT106"}),  # CLI select wins
        ('ignore = ["FT0"]', ["--extend-select", "FT004"], {"FT004"}, {"FT005"}),  # selected beats a config ignore
        ('select = ["FT1"]', ["--select", "FT0"], {"FT004", "FT005"}, {"FT106"}),  # CLI select replaces
        ('ignore = ["FT004"]', ["--ignore", "FT004", "--extend-select", "FT004"], set(), {"FT004"}),  # tie: ignore
    ],
)
def test_command_line_selection_is_a_layer_on_the_config(
    tmp_path: Path, config: str, args: list[str], on: set[str], off: set[str]
) -> None:
    """The precedence table of the README, as ruff has it."""
    project(tmp_path, config)
    code, document, err = lint_in(tmp_path, "data/train.jsonl", *args)
    assert code in (0, 1), err
    found = codes(document)
    assert on <= found and not (off & found), found


def test_the_library_options_are_the_same_layer(tmp_path: Path) -> None:
    project(tmp_path, 'ignore = ["FT004"]')
    data = tmp_path / "data" / "train.jsonl"
    found = {p.code for p in ftdata.lint(data, config=tmp_path / "pyproject.toml", ignore=["FT110"]).problems}
    assert "FT004" not in found and "FT110" not in found and "FT106" in found
    found = {p.code for p in ftdata.lint(data, config=tmp_path / "pyproject.toml", select=["FT004"]).problems}
    assert found == {"FT004"}


def test_config_and_isolated_together_are_an_error(tmp_path: Path) -> None:
    project(tmp_path, "")
    code, _, err = lint_in(tmp_path, "data/train.jsonl", "--config", "pyproject.toml", "--isolated")
    assert code == 2 and "--config and --isolated" in err


@pytest.mark.parametrize("name", [".ftdata.toml", "ftdata.toml"])
def test_ftdata_toml_is_found_like_pyproject_and_wins_in_its_folder(tmp_path: Path, name: str) -> None:
    project(tmp_path, 'ignore = ["FT004"]')  # a pyproject beside it is not read
    (tmp_path / name).write_text('ignore = ["FT005"]\n')
    code, document, err = lint_in(tmp_path, "data/train.jsonl", "-v")
    assert code == 1 and "FT004" in codes(document) and "FT005" not in codes(document)
    assert f"ftdata: config {tmp_path / name}" in err


def test_discovery_starts_from_the_files_folder_not_the_working_folder(tmp_path: Path) -> None:
    (tmp_path / "proj").mkdir()
    project(tmp_path / "proj", 'ignore = ["FT004"]')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, document, err = lint_in(elsewhere, str(tmp_path / "proj" / "data" / "train.jsonl"), "-v")
    assert "FT004" not in codes(document) and "FT106" in codes(document)
    assert f"config {tmp_path / 'proj' / 'pyproject.toml'} (the nearest to {tmp_path / 'proj' / 'data'})" in err
    code, _, err = lint_in(elsewhere, str(tmp_path / "proj" / "data" / "train.jsonl"), "-v", "--isolated")
    assert code == 1 and "--isolated: no config file read" in err


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('severity = { FT999 = "error" }', "'severity.FT999'"),
        ("options = { small-dataset = { maximum = 3 } }", "'options'"),
        ('per-file-ignores = { "*.jsonl" = ["nope"] }', "'per-file-ignores.\"*.jsonl\"'"),
        ('ignore = ["FT9"]', "'ignore'"),
    ],
)
def test_rule_and_option_errors_name_the_config_and_key(tmp_path: Path, table: str, key: str) -> None:
    project(tmp_path, table)
    code, _, err = lint_in(tmp_path, "data/train.jsonl")
    assert code == 2 and f"the configuration in {tmp_path}: {key}" in err


def test_options_that_would_do_nothing_are_errors(tmp_path: Path) -> None:
    project(tmp_path, "")
    code, _, err = lint_in(tmp_path, "data/train.jsonl", "--grader-keys", "answer")
    assert code == 2 and "--grader-keys is for RFT files: add --method rft" in err
    code, _, err = lint_in(tmp_path, "data/train.jsonl", "--encodings-dir", str(tmp_path / "nowhere"))
    assert code == 2 and "no such folder" in err
    code, document, _ = lint_in(tmp_path, "data/train.jsonl", "--method", "dpo")
    assert "FT122" in codes(document)


def test_models_marks_the_ones_from_config(tmp_path: Path) -> None:
    (tmp_path / "ftdata.toml").write_text('[models.house]\nbase = "gpt-4o-mini"\nprice-per-million = 1.0\n')
    result = CliRunner().invoke(main, ["models", "--config", str(tmp_path / "ftdata.toml")])
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert "(config)" in rows["house"] and "(config)" not in rows["gpt-4o-mini-2024-07-18"]


def test_a_broad_command_line_selector_does_not_undo_a_config_ignore_of_a_code(tmp_path: Path) -> None:
    """The most specific selector wins across the layers: --extend-select FT1 keeps the config's ignore of FT106."""
    project(tmp_path, 'ignore = ["FT106"]')
    for broad in ("FT1", "ALL", "structure"):
        code, document, err = lint_in(tmp_path, "data/train.jsonl", "--extend-select", broad)
        assert code == 1 and "FT106" not in codes(document) and "FT105" in codes(document), (broad, err)


def test_files_whose_nearest_configs_differ_are_not_checked_with_one_of_them(tmp_path: Path) -> None:
    for folder, table in (("a", 'ignore = ["FT004"]'), ("b", "")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / ".ftdata.toml").write_text(table + "\n")
        (tmp_path / folder / "t.jsonl").write_bytes(BROKEN.read_bytes())
    code, document, _ = lint_in(tmp_path, "a/t.jsonl")
    assert code == 1 and "FT004" not in codes(document)
    code, _, err = lint_in(tmp_path, "a/t.jsonl", "b/t.jsonl")
    assert code == 2 and "different nearest configs" in err and "separate runs, or give --config" in err
    code, document, _ = lint_in(tmp_path, "a/t.jsonl", "b/t.jsonl", "--config", str(tmp_path / "a" / ".ftdata.toml"))
    assert code == 1 and "FT004" not in codes(document)
