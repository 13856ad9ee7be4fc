"""Encodings load offline from verified copies, refuse tampered ones, and fail with instructions."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from ftdata import encodings
from ftdata.cli import main
from ftdata.errors import EncodingUnavailableError


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No encoding built yet, an empty tiktoken cache, no FTDATA_ENCODINGS_DIR."""
    monkeypatch.setattr(encodings, "_built", {})
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("FTDATA_ENCODINGS_DIR", raising=False)
    return tmp_path


def _packaged_copy(name: str) -> bytes:
    for root in encodings._package_locations("bpe_openai"):
        path = root / "data" / f"{name}.tiktoken.gz"
        if path.is_file():
            return gzip.decompress(path.read_bytes())
    raise AssertionError("bpe-openai is a dependency and must ship the vocabularies")


def test_default_install_builds_both_encodings_offline(fresh: Path) -> None:
    for name, sample in (("o200k_base", [24912, 2375]), ("cl100k_base", [15339, 1917])):
        encoding = encodings.get_encoding(name)
        assert encoding.encode("hello world") == sample
        assert encodings.get_encoding(name) is encoding  # built once per process


def test_special_tokens_come_from_tiktoken(fresh: Path) -> None:
    encoding = encodings.get_encoding("cl100k_base")
    assert encoding.encode("<|fim_suffix|>", allowed_special="all") == [100260]
    with pytest.raises(ValueError, match="disallowed special token"):
        encoding.encode("<|endoftext|>")


def test_user_folder_is_used_first(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fresh / "mine"
    folder.mkdir()
    (folder / "cl100k_base.tiktoken").write_bytes(_packaged_copy("cl100k_base"))
    monkeypatch.setattr(encodings, "_PACKAGED_COPIES", ())
    assert encodings.get_encoding("cl100k_base", encodings_dir=folder).encode("hi") == [6151]


def test_tiktoken_cache_is_used(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = fresh / "cache"
    cache.mkdir()
    vocabulary = encodings.VOCABULARIES["cl100k_base"]
    (cache / vocabulary.cache_key).write_bytes(_packaged_copy("cl100k_base"))
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(encodings, "_PACKAGED_COPIES", ())
    assert encodings.get_encoding("cl100k_base").encode("hi") == [6151]


def test_tampered_copy_is_rejected_and_explained(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = fresh / "tampered"
    folder.mkdir()
    data = _packaged_copy("cl100k_base").replace(b" 0\n", b" 1\n", 1)
    assert hashlib.sha256(data).hexdigest() != encodings.VOCABULARIES["cl100k_base"].sha256
    (folder / "cl100k_base.tiktoken").write_bytes(data)
    monkeypatch.setattr(encodings, "_PACKAGED_COPIES", ())
    with pytest.raises(EncodingUnavailableError) as caught:
        encodings.get_encoding("cl100k_base", encodings_dir=folder)
    message = str(caught.value)
    assert "sha256 does not match" in message and "pip install bpe-openai" in message
    assert "--encodings-dir" in message and "--allow-download" in message


def test_missing_encoding_exits_2_with_instructions(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the fast counter cannot count (not installed, another platform), tiktoken needs its file."""
    monkeypatch.setattr(encodings, "_PACKAGED_COPIES", ())
    monkeypatch.setenv("FTDATA_COUNTER", "tiktoken")
    data = fresh / "data.jsonl"
    data.write_text('{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}]}\n')
    result = CliRunner().invoke(main, ["lint", str(data), "--isolated"])
    assert result.exit_code == 2
    assert "not available offline" in result.output and "pip install bpe-openai" in result.output


def test_download_only_when_allowed_and_with_a_timeout(fresh: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, float]] = []

    def fake_urlopen(url: str, timeout: float) -> None:
        calls.append((url, timeout))
        raise OSError("unreachable")

    monkeypatch.setattr(encodings, "_PACKAGED_COPIES", ())
    monkeypatch.setattr(encodings.urllib.request, "urlopen", fake_urlopen)
    with pytest.raises(EncodingUnavailableError, match="not available offline"):
        encodings.get_encoding("o200k_base")
    assert calls == []
    with pytest.raises(EncodingUnavailableError, match="could not download"):
        encodings.get_encoding("o200k_base", allow_download=True)
    assert calls == [(encodings.VOCABULARIES["o200k_base"].url, encodings.DOWNLOAD_TIMEOUT_SECONDS)]


def test_the_download_has_a_deadline_not_a_per_read_timeout(tmp_path: Path) -> None:
    """A server that sends a byte every 0.2 s never trips a per-read timeout; the deadline still ends it.
    (In a subprocess: this test process refuses every connection, even to this machine.)"""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent(
        """
        import http.server, threading, time
        from ftdata import encodings
        from ftdata.errors import EncodingUnavailableError

        class Trickle(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.end_headers()
                for _ in range(200):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.2)
            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trickle)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        encodings.DOWNLOAD_TIMEOUT_SECONDS = 1.5
        slow = encodings.Vocabulary("o200k_base", f"http://127.0.0.1:{server.server_port}/v", "0" * 64)
        start = time.monotonic()
        try:
            encodings._download(slow)
        except EncodingUnavailableError as exc:
            print(round(time.monotonic() - start, 1), exc)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    seconds, _, message = result.stdout.partition(" ")
    assert result.returncode == 0 and seconds, result.stderr
    assert float(seconds) < 5 and "took more than 1.5 s" in message
