"""Signals and workers, with the real command in a real process: Ctrl-C exits 130, SIGTERM/SIGHUP end the
workers with the main process (no orphans), and a main process killed outright takes its workers with it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc to find the workers")


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """About 60 MB of varied chat examples: long enough to catch the workers at work."""
    path = tmp_path_factory.mktemp("signals") / "big.jsonl"
    with open(path, "w") as handle:
        for n in range(120_000):
            words = " ".join(f"word{(n * 7 + i) % 997}" for i in range(60))
            example = {
                "messages": [{"role": "user", "content": f"{n} {words}"}, {"role": "assistant", "content": words}]
            }
            handle.write(json.dumps(example) + "\n")
    return path


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        text = (task / "children").read_text() if (task / "children").exists() else ""
        found.update(int(child) for child in text.split())
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _start(path: Path) -> tuple[subprocess.Popen[bytes], set[int]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "ftdata", "lint", str(path), "--isolated", "--jobs", "2", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        cwd="/",
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        workers = _children(process.pid)
        if len(workers) >= 2:
            return process, workers
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        time.sleep(0.02)
    process.kill()
    raise AssertionError("the workers never started")


def _gone(workers: set[int]) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if not any(_alive(pid) for pid in workers):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "SIGTERM"), (signal.SIGHUP, 129, "SIGHUP")],
)
def test_a_signal_to_the_main_process_ends_it_and_its_workers(
    big_file: Path, signum: signal.Signals, code: int, said: str
) -> None:
    process, workers = _start(big_file)
    os.kill(process.pid, signum)
    _, err = process.communicate(timeout=30)
    assert process.returncode == code, err
    assert said in err.decode() and b"Traceback" not in err
    assert _gone(workers), "worker processes outlived the main process"


def test_workers_end_when_the_main_process_is_killed_outright(big_file: Path) -> None:
    process, workers = _start(big_file)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert _gone(workers), "worker processes outlived the main process"


def _lint_json(*args: str) -> tuple[int, str, str]:
    from tests.conftest import invoke

    return invoke("lint", *args, "--isolated", "-f", "json")


def _small_blocks_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("ftdata.runner.BLOCK_BYTES", 4096)
    path = tmp_path / "blocks.jsonl"
    line = '{"messages": [{"role": "user", "content": "q %d"}, {"role": "assistant", "content": "a"}]}\n'
    path.write_text("".join(line % n for n in range(600)))
    return path


def test_when_workers_cannot_be_started_the_run_goes_on_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _small_blocks_file(tmp_path, monkeypatch)
    _, alone, _ = _lint_json(str(path), "--jobs", "1")

    def no_fork() -> int:
        raise BlockingIOError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", no_fork)
    code, out, err = _lint_json(str(path), "--jobs", "2")
    assert code == 0 and out == alone
    assert "cannot start worker processes" in err and "checking in this process" in err


def test_a_worker_that_dies_names_the_file_and_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import ftdata.runner

    path = _small_blocks_file(tmp_path, monkeypatch)
    real = ftdata.runner.parse_block

    main = os.getpid()

    def dies_on_the_third_block(block, **options):  # type: ignore[no-untyped-def]
        if block.offset > 8000:
            if os.getpid() == main:  # never end the test process itself
                raise AssertionError("a block past the second was scanned in the main process")
            os._exit(3)
        return real(block, **options)

    monkeypatch.setattr(ftdata.runner, "parse_block", dies_on_the_third_block)
    code, out, err = _lint_json(str(path), "--jobs", "2")
    assert code == 2 and out == ""
    assert f"{path}: a worker process died while checking the block at byte" in err and "--jobs 1" in err
