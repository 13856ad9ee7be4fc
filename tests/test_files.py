"""Which files a run checks: folders walked with excludes and .gitignore, explicit paths, paths that fail."""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import ftdata
from ftdata.cli import main
from ftdata.config import Settings, load_settings
from ftdata.errors import ConfigError
from ftdata.files import DEFAULT_EXCLUDE, FileFinder, InputsFailedError, expand_paths, find_files
from tests.conftest import FIXTURES, invoke

GOOD = FIXTURES / "examples" / "support-chat.jsonl"


def tree(root: Path, *names: str) -> Path:
    """Dataset files (a copy of a clean fixture) at these paths below ``root``."""
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(GOOD.read_bytes())
    return root


def relative(root: Path, paths: list[str]) -> list[str]:
    return [Path(os.path.relpath(os.path.abspath(path), root)).as_posix() for path in paths]


def found(root: Path, *paths: str, **options: object) -> list[str]:
    """The files the paths (relative to root) stand for, relative to root; root is the patterns' folder."""
    finder = FileFinder(root=root, **options)  # type: ignore[arg-type]
    result = finder.find([str(root / path) for path in paths] or [str(root)])
    assert result.failed == []
    return relative(root, result.files)


def lint(cwd: Path, *args: str) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    """``ftdata lint ARGS -f json`` run in ``cwd``: exit code, the JSON document ({} if none), stderr."""
    code, out, err = invoke("lint", *args, "-f", "json", cwd=cwd)
    return code, json.loads(out) if out else {}, err


def checked(cwd: Path, document: dict) -> list[str]:  # type: ignore[type-arg]
    return relative(cwd, [os.path.join(cwd, file["path"]) for file in document["files"]])


def git_init(folder: Path) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)


def test_default_excludes_are_not_walked(tmp_path: Path) -> None:
    tree(
        tmp_path,
        "data/train.jsonl",
        ".venv/lib/site.jsonl",
        "node_modules/pkg/fixture.jsonl",
        "data/build/out.jsonl",
        "pkg.egg-info/x.jsonl",
        ".git/objects/y.jsonl",
        "data/builder/kept.jsonl",  # a name that only starts like an excluded one
    )
    assert found(tmp_path) == ["data/builder/kept.jsonl", "data/train.jsonl"]
    code, document, _ = lint(tmp_path, ".", "--isolated")
    assert code == 0 and checked(tmp_path, document) == ["data/builder/kept.jsonl", "data/train.jsonl"]
    assert {".venv", "node_modules", "build", "*.egg-info"} <= set(Settings().exclude) == set(DEFAULT_EXCLUDE)


def test_gitignored_files_are_skipped_and_no_respect_gitignore_brings_them_back(tmp_path: Path) -> None:
    tree(tmp_path, "data/train.jsonl", "data/raw/dump.jsonl", "data/scratch.jsonl", "data/keep.jsonl")
    (tmp_path / "data" / ".gitignore").write_text("raw/\nscratch.jsonl\n")
    kept = ["data/keep.jsonl", "data/train.jsonl"]
    assert found(tmp_path) == kept
    code, document, _ = lint(tmp_path, "data", "--isolated")
    assert code == 0 and checked(tmp_path, document) == kept
    everything = ["data/keep.jsonl", "data/raw/dump.jsonl", "data/scratch.jsonl", "data/train.jsonl"]
    code, document, _ = lint(tmp_path, "data", "--isolated", "--no-respect-gitignore")
    assert code == 0 and checked(tmp_path, document) == everything
    (tmp_path / "pyproject.toml").write_text("[tool.ftdata]\nrespect-gitignore = false\n")
    assert checked(tmp_path, lint(tmp_path, "data")[1]) == everything
    assert checked(tmp_path, lint(tmp_path, "data", "--respect-gitignore")[1]) == kept


def test_ignore_files_of_the_repository_apply_and_deeper_ones_win(tmp_path: Path) -> None:
    git_init(tmp_path)
    tree(
        tmp_path,
        "data/sft/train.jsonl",
        "data/sft/cache/c.jsonl",
        "data/sft/local.jsonl",
        "data/sft/a.tmp.jsonl",
        "data/sft/keep.tmp.jsonl",
        "data/sft/special/x.jsonl",
        "data/sft/special/wanted.jsonl",
        "elsewhere/train.jsonl",
    )
    (tmp_path / ".gitignore").write_text("cache/\n*.tmp.jsonl\n/elsewhere/*.jsonl\n")  # above the folder walked
    (tmp_path / ".git" / "info").mkdir(exist_ok=True)
    (tmp_path / ".git" / "info" / "exclude").write_text("local.jsonl\n")
    (tmp_path / "data" / "sft" / ".gitignore").write_text("!keep.tmp.jsonl\n")  # the deeper file wins
    (tmp_path / "data" / "sft" / "special" / ".gitignore").write_text("*\n!wanted.jsonl\n")  # met while walking
    expected = ["data/sft/keep.tmp.jsonl", "data/sft/special/wanted.jsonl", "data/sft/train.jsonl"]
    assert found(tmp_path, "data/sft") == expected
    assert found(tmp_path, "data") == expected
    # elsewhere/*.jsonl is ignored by the root's /elsewhere/*.jsonl: the folder holds nothing to check
    result = FileFinder(root=tmp_path).find([str(tmp_path / "elsewhere")])
    assert result.files == []
    assert "no .jsonl or .jsonl.gz file in it that is not excluded or gitignored" in result.failed[0][1]
    assert found(tmp_path, "elsewhere", respect_gitignore=False) == ["elsewhere/train.jsonl"]


def test_a_gitignored_folder_named_explicitly_is_checked(tmp_path: Path) -> None:
    """Datasets are often kept out of git: naming their folder checks them (git's ignores are for walks)."""
    tree(tmp_path, "data/train.jsonl", "data/more/valid.jsonl", "other/x.jsonl")
    (tmp_path / ".gitignore").write_text("data/\nother/\n")
    assert found(tmp_path, "data") == ["data/more/valid.jsonl", "data/train.jsonl"]
    assert found(tmp_path, "data/more") == ["data/more/valid.jsonl"]
    code, document, _ = lint(tmp_path, ".", "--isolated")  # walked from above, the ignored folders are skipped
    assert code == 2 and document == {}


def test_exclude_replaces_the_defaults_and_extend_exclude_adds_to_them(tmp_path: Path) -> None:
    tree(tmp_path, "data/train.jsonl", "data/old/v1.jsonl", ".venv/v.jsonl")
    assert found(tmp_path, exclude=("old",)) == [".venv/v.jsonl", "data/train.jsonl"]
    assert found(tmp_path, extend_exclude=("old",)) == ["data/train.jsonl"]
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nexclude = ["old"]\n')
    assert checked(tmp_path, lint(tmp_path, ".")[1]) == [".venv/v.jsonl", "data/train.jsonl"]
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nextend-exclude = ["old"]\n')
    assert checked(tmp_path, lint(tmp_path, ".")[1]) == ["data/train.jsonl"]
    # on the command line: --exclude replaces the list; --extend-exclude adds to the config's extend-exclude
    assert checked(tmp_path, lint(tmp_path, ".", "--exclude", "data")[1]) == [".venv/v.jsonl"]
    assert lint(tmp_path, ".", "--extend-exclude", "train.jsonl")[0] == 2  # old and train.jsonl: nothing left
    assert checked(tmp_path, lint(tmp_path, ".", "--isolated", "--extend-exclude", "train.jsonl,x")[1]) == [
        "data/old/v1.jsonl"
    ]


def test_explicit_paths_are_checked_unless_force_exclude(tmp_path: Path) -> None:
    tree(tmp_path, "build/out.jsonl", "data/train.jsonl", "data/old/v1.jsonl")
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nextend-exclude = ["old"]\n')
    named = ["build/out.jsonl", "data/train.jsonl", "data/old/v1.jsonl"]
    code, document, _ = lint(tmp_path, *named)
    assert code == 0 and checked(tmp_path, document) == named
    assert checked(tmp_path, lint(tmp_path, "build")[1]) == ["build/out.jsonl"]  # an excluded folder, named
    code, document, err = lint(tmp_path, *named, "--force-exclude")
    assert code == 0 and checked(tmp_path, document) == ["data/train.jsonl"] and err == ""  # skipped silently
    assert lint(tmp_path, "build", "--force-exclude")[1]["files"] == []
    (tmp_path / "pyproject.toml").write_text('[tool.ftdata]\nextend-exclude = ["old"]\nforce-exclude = true\n')
    assert checked(tmp_path, lint(tmp_path, *named)[1]) == ["data/train.jsonl"]
    assert checked(tmp_path, lint(tmp_path, *named, "--no-force-exclude")[1]) == named
    result = CliRunner().invoke(
        main, ["lint", "-", "--isolated", "--force-exclude", "--exclude", "*", "-f", "json"], input=GOOD.read_bytes()
    )
    assert result.exit_code == 0 and [f["examples"] for f in json.loads(result.stdout)["files"]] == [60]


def test_patterns_are_relative_to_the_config_folder(tmp_path: Path) -> None:
    project = tree(tmp_path / "proj", "data/old/a.jsonl", "data/new/old/b.jsonl", "data/new/c.jsonl")
    (project / "ftdata.toml").write_text('extend-exclude = ["/data/old"]\n')  # anchored: only proj/data/old
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, document, _ = lint(elsewhere, str(project / "data"), "--config", str(project / "ftdata.toml"))
    assert code == 0
    assert relative(project, [f["path"] for f in document["files"]]) == ["data/new/c.jsonl", "data/new/old/b.jsonl"]
    # without a config the working folder is the root: from proj/data, /data/old names nothing
    code, document, _ = lint(project / "data", ".", "--isolated", "--extend-exclude", "/data/old")
    assert len(document["files"]) == 3
    code, document, _ = lint(project, ".", "--isolated", "--extend-exclude", "/data/old")
    assert checked(project, document) == ["data/new/c.jsonl", "data/new/old/b.jsonl"]
    settings, found_at = load_settings(project / "ftdata.toml")
    finder = FileFinder.from_settings(settings, found_at.parent if found_at else None)
    assert relative(project, finder.find([str(project)]).files) == ["data/new/c.jsonl", "data/new/old/b.jsonl"]


def test_a_missing_path_among_real_files_is_reported_and_the_rest_checked(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", "b.jsonl")
    code, document, err = lint(tmp_path, "a.jsonl", "missing.jsonl", "b.jsonl", "--isolated")
    assert code == 2
    assert checked(tmp_path, document) == ["a.jsonl", "b.jsonl"]
    assert document["inputs_failed"] == [{"path": "missing.jsonl", "message": "no such file"}]
    assert err.strip().splitlines()[-1] == "ftdata: error: missing.jsonl: no such file"
    assert lint(tmp_path, "a.jsonl", "missing.jsonl", "--isolated", "--exit-zero")[0] == 2
    code, document, err = lint(tmp_path, "gone.jsonl", "missing.jsonl", "--isolated")  # nothing could be checked
    assert code == 2 and document == {}
    assert err.splitlines() == ["ftdata: error: gone.jsonl: no such file", "ftdata: error: missing.jsonl: no such file"]


def test_the_library_report_lists_the_paths_that_failed(tmp_path: Path) -> None:
    tree(tmp_path, "a.jsonl", "b.jsonl")
    (tmp_path / "empty").mkdir()
    missing = str(tmp_path / "missing.jsonl")
    report = ftdata.lint([str(tmp_path / "a.jsonl"), missing, str(tmp_path / "empty"), str(tmp_path / "b.jsonl")])
    assert [Path(f.path).name for f in report.files] == ["a.jsonl", "b.jsonl"]
    assert report.inputs_failed == [
        (missing, "no such file"),
        (str(tmp_path / "empty"), "is a folder with no .jsonl or .jsonl.gz file in it"),
    ]
    assert report.errors == 0 and not report.ok  # not every path given was checked
    assert report.to_dict()["inputs_failed"][0] == {"path": missing, "message": "no such file"}
    assert ftdata.lint(tmp_path / "a.jsonl").inputs_failed == []
    with pytest.raises(InputsFailedError) as caught:
        ftdata.lint([missing, str(tmp_path / "empty")])
    assert [path for path, _ in caught.value.failures] == [missing, str(tmp_path / "empty")]
    assert isinstance(caught.value, ftdata.InputError)
    with pytest.raises(ftdata.DatasetNotReadyError):
        ftdata.ensure_ready([str(tmp_path / "a.jsonl"), missing], model="gpt-4o-mini")


def test_an_unreadable_folder_is_reported_and_the_rest_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """(As root every folder is readable: the walk's error is what a user without the rights would meet.)"""
    tree(tmp_path, "data/a.jsonl", "data/secret/s.jsonl")
    real = os.walk

    def walk(top, onerror=None, **kwargs):  # type: ignore[no-untyped-def]
        for folder, folders, files in real(top, onerror=onerror, **kwargs):
            if folder.endswith("secret"):
                onerror(PermissionError(errno.EACCES, "Permission denied", folder))
                continue
            yield folder, folders, files

    monkeypatch.setattr(os, "walk", walk)
    result = find_files([tmp_path / "data"])
    assert relative(tmp_path, result.files) == ["data/a.jsonl"]
    assert result.failed == [(str(tmp_path / "data" / "secret"), result.failed[0][1])]
    assert result.failed[0][1].startswith("cannot read this folder (Permission denied)")
    with pytest.raises(InputsFailedError, match="secret: cannot read this folder"):
        expand_paths([tmp_path / "data"])
    report = ftdata.lint(tmp_path / "data")  # the library: what can be read is checked, what cannot is named
    assert [f.path for f in report.files] == [str(tmp_path / "data" / "a.jsonl")] and not report.ok
    assert report.inputs_failed[0][0].endswith("secret")


def test_a_folder_with_nothing_to_check_is_an_error_naming_it(tmp_path: Path) -> None:
    tree(tmp_path, "data/.venv/v.jsonl")
    (tmp_path / "data" / "notes.txt").write_text("not a dataset")
    code, document, err = lint(tmp_path, "data", "--isolated")
    assert code == 2 and document == {}
    assert "ftdata: error: data: is a folder with no .jsonl or .jsonl.gz file in it" in err


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('exclude = ["a\\\\"]', "'exclude': Value error, 'a\\\\' is not a valid gitignore-style pattern"),
        ('extend-exclude = ["# a comment"]', "'extend-exclude': Value error, '# a comment' matches nothing"),
        ("extend-exclude = [1]", "'extend-exclude.0'"),
        ('respect-gitignore = "no"', "'respect-gitignore'"),
        ("force-exclude = 1", "'force-exclude'"),
    ],
)
def test_bad_file_settings_are_errors_naming_the_key(tmp_path: Path, table: str, message: str) -> None:
    (tmp_path / "ftdata.toml").write_text(table + "\n")
    with pytest.raises(ConfigError, match=r"ftdata\.toml") as caught:
        load_settings(tmp_path / "ftdata.toml")
    assert message in str(caught.value)


def test_one_pattern_may_be_given_as_a_string(tmp_path: Path) -> None:
    (tmp_path / "ftdata.toml").write_text('extend-exclude = "old"\n')
    assert load_settings(tmp_path / "ftdata.toml")[0].extend_exclude == ("old",)


def test_cost_applies_the_excludes_and_stops_on_a_missing_path(tmp_path: Path) -> None:
    tree(tmp_path, "data/train.jsonl", "data/old/v1.jsonl")
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        result = CliRunner().invoke(
            main, ["cost", "data", "--isolated", "-m", "gpt-4o-mini", "-f", "json", "--extend-exclude", "old"]
        )
        assert result.exit_code == 0, result.output
        assert [f["path"] for f in json.loads(result.stdout)["files"]] == [os.path.join("data", "train.jsonl")]
        result = CliRunner().invoke(main, ["cost", "data", "missing.jsonl", "--isolated", "-m", "gpt-4o-mini"])
    finally:
        os.chdir(old)
    assert result.exit_code == 2 and result.stdout == ""
    assert "ftdata: error: missing.jsonl: no such file" in result.stderr


def test_force_exclude_matches_a_folder_above_a_path_outside_the_working_folder(tmp_path: Path) -> None:
    """Without a config the patterns' folder is the working one; a path reached from elsewhere (../build/...)
    is still matched by an unanchored pattern such as the default `build`."""
    tree(tmp_path, "build/e.jsonl", "data/ok.jsonl")
    (tmp_path / "sub").mkdir()
    for cwd, path in ((tmp_path, "build/e.jsonl"), (tmp_path / "sub", "../build/e.jsonl")):
        code, document, _ = lint(cwd, "--isolated", "--force-exclude", path)
        assert code == 0 and document["files"] == [], (cwd, path)
    code, document, _ = lint(tmp_path / "sub", "--isolated", "--force-exclude", "../data/ok.jsonl")
    assert code == 0 and len(document["files"]) == 1


def test_the_default_excludes_are_valid_patterns() -> None:
    """Settings skip checking them (so a run of named files never loads the pattern engine): they must be valid."""
    from ftdata.files import _compile

    assert all(len(_compile([pattern])) == 1 for pattern in DEFAULT_EXCLUDE)
