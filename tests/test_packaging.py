"""The built wheel and the real pre-commit hook. Building needs PyPI (marked 'registry'); running is offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

GOOD = FIXTURES / "examples" / "support-chat.jsonl"
BROKEN = FIXTURES / "examples" / "broken-chat.jsonl"


def sh(
    *args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(f"{args} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


def source_copy(target: Path) -> Path:
    """The project's tracked files, as a fresh git repository (what a user's pre-commit would clone)."""
    files = sh("git", "ls-files", "--cached", "--others", "--exclude-standard", cwd=ROOT).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    sh("git", "init", "-q", cwd=target)
    sh("git", "add", "-A", cwd=target)
    sh("git", "-c", "user.email=t@example.com", "-c", "user.name=t", "commit", "-qm", "snapshot", cwd=target)
    return target


def offline_env(wheelhouse: Path, tmp_path: Path) -> dict[str, str]:
    """The environment of a real pre-commit run that installs ftdata from the wheelhouse, with no index."""
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheelhouse),
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GITHUB_ACTIONS": "false",
    }
    env.pop("VIRTUAL_ENV", None)
    return env


@pytest.fixture(scope="session")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ftdata's wheel plus every dependency and build requirement, fetched once from PyPI."""
    house = tmp_path_factory.mktemp("wheelhouse")
    src = source_copy(tmp_path_factory.mktemp("src"))
    sh(sys.executable, "-m", "pip", "wheel", "-q", "-w", house, src, "setuptools>=68", "wheel")
    return house


@pytest.mark.registry
def test_wheel_installs_rules_as_ftdata_rules(wheelhouse: Path, tmp_path: Path) -> None:
    (wheel,) = wheelhouse.glob("ftdata-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert (
        "ftdata/rules/invalid_json.py" in names
        and "ftdata/targets/together.toml" in names
        and "ftdata/targets/openai.toml" in names
    )
    assert not any(name.startswith("rules/") for name in names), "a top-level 'rules' package would be installed"
    target = tmp_path / "site"
    sh(sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", target, wheel)
    env = {**os.environ, "PYTHONPATH": str(target)}
    probe = (
        "import ftdata, ftdata.registry as r; print(ftdata.__file__); "
        "print(len(r.all_rules()), all(x.module.startswith('ftdata.rules.') for x in r.all_rules()))"
    )
    out = sh(sys.executable, "-c", probe, cwd=tmp_path, env=env).stdout.splitlines()
    assert out[0].startswith(str(target))
    from ftdata.registry import all_rules

    assert out[1] == f"{len(all_rules())} True"
    lint = sh(sys.executable, "-m", "ftdata", "lint", GOOD, "--isolated", cwd=tmp_path, env=env, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    # from the repository's root the working folder's ftdata/ comes first on the path: it must run as well
    lint = sh(sys.executable, "-m", "ftdata", "lint", GOOD, "--isolated", cwd=ROOT, env=env, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_hook_manifest_is_valid() -> None:
    sh(sys.executable, "-m", "pre_commit", "validate-manifest", ROOT / ".pre-commit-hooks.yaml")


@pytest.mark.registry
def test_real_pre_commit_run_offline(wheelhouse: Path, tmp_path: Path) -> None:
    hook_repo = source_copy(tmp_path / "ftdata-src")
    work = tmp_path / "dataset-repo"
    work.mkdir()
    sh("git", "init", "-q", cwd=work)
    shutil.copy(GOOD, work / "good.jsonl")
    (work / "notes.txt").write_text("not checked\n")
    sh("git", "add", "-A", cwd=work)
    env = offline_env(wheelhouse, tmp_path)

    def try_repo() -> subprocess.CompletedProcess[str]:
        args = ("-m", "pre_commit", "try-repo", hook_repo, "ftdata-lint", "--all-files")
        return sh(sys.executable, *args, cwd=work, env=env, check=False)

    clean = try_repo()
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "Passed" in clean.stdout

    shutil.copy(BROKEN, work / "bad.jsonl")
    sh("git", "add", "-A", cwd=work)
    failed = try_repo()
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "Failed" in failed.stdout and "bad.jsonl" in failed.stdout and "FT106 invalid-role" in failed.stdout
    assert BROKEN.read_bytes() == (work / "bad.jsonl").read_bytes()  # the hook changed nothing


def _readme_pre_commit_config(repo: Path, rev: str) -> str:
    """The README's pre-commit snippet, with the two things a user fills in filled in."""
    text = (ROOT / "README.md").read_text(encoding="utf-8").split("## pre-commit", 1)[1]
    snippet = text.split("```yaml\n", 1)[1].split("```", 1)[0]
    lines = snippet.splitlines()
    assert lines[1].strip().startswith("- repo: ") and lines[2].strip().startswith("rev: ")
    lines[1] = lines[1].split("- repo:")[0] + f"- repo: {repo}"
    lines[2] = lines[2].split("rev:")[0] + f"rev: {rev}"
    return "\n".join(lines) + "\n"


@pytest.mark.registry
def test_the_readme_pre_commit_config_works_as_written(wheelhouse: Path, tmp_path: Path) -> None:
    hook_repo = source_copy(tmp_path / "ftdata-src")
    rev = sh("git", "rev-parse", "HEAD", cwd=hook_repo).stdout.strip()
    work = tmp_path / "dataset-repo"
    work.mkdir()
    sh("git", "init", "-q", cwd=work)
    (work / ".pre-commit-config.yaml").write_text(_readme_pre_commit_config(hook_repo, rev))
    shutil.copy(GOOD, work / "good.jsonl")
    sh("git", "add", "-A", cwd=work)
    # the model's verdict as of a fixed day: it still trains, its end date near (a notice)
    env = {**offline_env(wheelhouse, tmp_path), "FTDATA_TODAY": "2026-12-01"}
    run = ("-m", "pre_commit", "run", "--all-files")
    clean = sh(sys.executable, *run, cwd=work, env=env, check=False)
    assert clean.returncode == 0, clean.stdout + clean.stderr  # --strict, and a notice does not fail it
    assert clean.stdout.count("Passed") == 2 and "gpt-4o-mini-2024-07-18" in clean.stdout  # the cost table
    shutil.copy(BROKEN, work / "bad.jsonl")
    sh("git", "add", "-A", cwd=work)
    failed = sh(sys.executable, *run, cwd=work, env=env, check=False)
    assert failed.returncode == 1 and "bad.jsonl" in failed.stdout and "FT106 invalid-role" in failed.stdout
    assert BROKEN.read_bytes() == (work / "bad.jsonl").read_bytes()
