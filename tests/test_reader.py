"""The streaming reader: every kind of bad line reported at its own line, reading always goes on."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ftdata.errors import InputError
from ftdata.reader import LineIssue, Record, read_path, read_stream

GOOD = b'{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}'


def kinds(items: list[Record | LineIssue]) -> list[tuple[str, int | None]]:
    return [("record" if isinstance(i, Record) else i.kind, i.line) for i in items]


def test_one_defect_per_line_each_at_its_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b"\n".join(
            [
                GOOD,
                b"",
                b"[1, 2]",
                b'{"messages": [',
                b'{"content": "caf\xe9"}',
                b'"text"',
                GOOD,
            ]
        )
        + b"\n"
    )
    items = list(read_path(path))
    assert kinds(items) == [
        ("record", 1),
        ("blank-line", 2),
        ("not-an-object", 3),
        ("invalid-json", 4),
        ("not-utf8", 5),
        ("not-an-object", 6),
        ("record", 7),
    ]
    not_utf8 = items[4]
    assert isinstance(not_utf8, LineIssue) and not_utf8.column == 17 and "0xe9" in not_utf8.detail


def test_invalid_json_column_points_at_the_fault(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_bytes(b'{"a": 1, "b": tru}\n')
    (issue,) = read_path(path)
    assert isinstance(issue, LineIssue) and issue.kind == "invalid-json" and issue.column == 15


def test_bom_is_reported_and_line_one_still_parsed(tmp_path: Path) -> None:
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + GOOD + b"\n" + GOOD + b"\n")
    assert kinds(list(read_path(path))) == [("bom", 1), ("record", 1), ("record", 2)]


def test_crlf_reported_once(tmp_path: Path) -> None:
    path = tmp_path / "crlf.jsonl"
    path.write_bytes((GOOD + b"\r\n") * 3)
    assert kinds(list(read_path(path))) == [("crlf", 1), ("record", 1), ("record", 2), ("record", 3)]


def test_empty_file_and_missing_final_newline(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert kinds(list(read_path(empty))) == [("empty-file", None)]
    unterminated = tmp_path / "last.jsonl"
    unterminated.write_bytes(GOOD + b"\n" + GOOD)
    assert kinds(list(read_path(unterminated))) == [("record", 1), ("record", 2)]


def test_gzip_is_read_by_its_magic_bytes(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl.gz"
    path.write_bytes(gzip.compress(GOOD + b"\n[]\n"))
    assert kinds(list(read_path(path))) == [("record", 1), ("not-an-object", 2)]
    renamed = tmp_path / "data.jsonl"
    renamed.write_bytes(path.read_bytes())
    assert kinds(list(read_path(renamed))) == [("record", 1), ("not-an-object", 2)]


def test_truncated_gzip_is_reported_after_what_could_be_read(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl.gz"
    path.write_bytes(gzip.compress((GOOD + b"\n") * 2000)[:-30])
    items = list(read_path(path))
    assert isinstance(items[-1], LineIssue) and items[-1].kind == "invalid-json"
    assert "corrupt or truncated" in items[-1].detail
    assert sum(isinstance(i, Record) for i in items) > 1000


def test_reading_is_lazy() -> None:
    """The reader pulls one line at a time: it never holds the whole stream."""
    pulled = 0

    def lines() -> Iterator[bytes]:
        nonlocal pulled
        for _ in range(1_000_000):
            pulled += 1
            yield GOOD + b"\n"

    stream = read_stream(lines())
    for _ in range(3):
        next(stream)
    assert pulled == 3


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "nope.jsonl", "no such file"),
        (lambda p: p, "is a directory"),  # the reader itself; the CLI and lint() expand folders first
    ],
)
def test_unreadable_inputs_raise_input_error(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError, match=message):
        list(read_path(make(tmp_path)))


def test_offsets_are_byte_offsets(tmp_path: Path) -> None:
    path = tmp_path / "o.jsonl"
    path.write_bytes(GOOD + b"\n" + GOOD + b"\n")
    records = [i for i in read_path(path) if isinstance(i, Record)]
    assert [r.offset for r in records] == [0, len(GOOD) + 1]
    with open(path, "rb") as handle:
        handle.seek(records[1].offset)
        assert handle.readline().rstrip() == GOOD


def test_a_fifo_is_read_as_a_stream_not_taken_as_empty(tmp_path: Path) -> None:
    import os
    import threading

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)

    def write() -> None:
        with open(fifo, "wb") as handle:
            handle.write(GOOD + b"\n" + b"[1]\n" + GOOD + b"\n")

    writer = threading.Thread(target=write)
    writer.start()
    items = list(read_path(fifo))
    writer.join()
    assert kinds(items) == [("record", 1), ("not-an-object", 2), ("record", 3)]


def test_a_file_that_reports_no_size_is_read() -> None:
    """/proc files have size 0 yet hold bytes: not an empty file."""
    items = list(read_path("/proc/self/status"))
    assert items and all(i.kind != "empty-file" for i in items if isinstance(i, LineIssue))
    assert {i.kind for i in items if isinstance(i, LineIssue)} == {"invalid-json"}


def test_a_file_that_shrinks_while_read_is_an_error_not_a_loop(tmp_path: Path) -> None:
    import signal

    from ftdata.reader import read_blocks

    path = tmp_path / "shrinks.jsonl"
    path.write_bytes((GOOD + b"\n") * 100)
    blocks = read_blocks(path, block_bytes=300)
    next(blocks)
    with open(path, "r+b") as handle:
        handle.truncate(200)
    signal.alarm(20)  # a loop would otherwise hang the suite
    try:
        with pytest.raises(InputError, match="got shorter while ftdata read it"):
            list(blocks)
    finally:
        signal.alarm(0)


@pytest.mark.parametrize("packed", [False, True])
def test_a_line_over_the_limit_is_reported_and_skipped_and_the_count_goes_on(tmp_path: Path, packed: bool) -> None:
    long = b'{"messages": [{"role": "user", "content": "' + b"x" * 3_000_000 + b'"}]}'
    data = GOOD + b"\n" + long + b"\n" + GOOD + b"\n" + long + GOOD + b"\n"  # the 4th line: long + GOOD
    path = tmp_path / ("long.jsonl.gz" if packed else "long.jsonl")
    path.write_bytes(gzip.compress(data) if packed else data)
    items = list(read_path(path, max_line_bytes=1_000_000))
    assert kinds(items) == [("record", 1), ("line-too-long", 2), ("record", 3), ("line-too-long", 4)]
    assert items[1].detail == f"{len(long) + 1:,} bytes"  # type: ignore[union-attr]


def test_a_long_line_in_a_plain_file_is_never_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A byte range over four blocks is parsed a line at a time, its long line skipped in chunks."""
    import ftdata.reader as reader

    long = b'{"a": "' + b"y" * 600_000 + b'"}\n'
    path = tmp_path / "long.jsonl"
    path.write_bytes(GOOD + b"\n" + long + GOOD + b"\n")
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)
    biggest = 0
    real = reader._bounded_lines

    def watched(stream, max_line_bytes, limit=None):  # type: ignore[no-untyped-def]
        nonlocal biggest
        for line in real(stream, max_line_bytes, limit):
            biggest = max(biggest, 0 if isinstance(line, int) else len(line))
            yield line

    monkeypatch.setattr(reader, "_bounded_lines", watched)
    items = list(read_path(path, max_line_bytes=100_000))  # one block of 600 kB: over four of 4 KiB
    assert kinds(items) == [("record", 1), ("line-too-long", 2), ("record", 3)]
    assert 0 < biggest < 100_000  # read through the bounded reader, the long line never whole


def test_a_file_that_grows_while_read_is_checked_as_it_was(tmp_path: Path) -> None:
    from ftdata.reader import read_blocks

    path = tmp_path / "grows.jsonl"
    path.write_bytes((GOOD + b"\n") * 100)
    size = path.stat().st_size
    blocks = read_blocks(path, block_bytes=300)
    first = next(blocks)
    with open(path, "ab") as handle:
        handle.write((GOOD + b"\n") * 100)
    rest = list(blocks)
    assert sum(b.length for b in [first, *rest] if not isinstance(b, LineIssue)) == size


@settings(max_examples=2000, deadline=None, derandomize=True)
@given(
    line=st.binary(max_size=60)
    | st.lists(
        st.sampled_from([b"<", b"|", b"\\u003c", b"\\u003C", b"\\u003", b"\\u", b"<|", b"a", b"\\"]), max_size=12
    ).map(b"".join)
)
def test_the_quick_special_token_guess_is_the_plain_one(line: bytes) -> None:
    """The reader's cheap test for lines that may hold a special token says what the plain test says."""
    from ftdata.reader import _maybe_special

    assert _maybe_special(line) == (b"<|" in line or b"\\u003c" in line or b"\\u003C" in line)
