"""The streaming reader: every kind of bad line reported at its own line, reading always goes on."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path

import pytest

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
