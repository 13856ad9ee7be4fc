"""The streaming JSONL reader.

Reads a file as bytes, one line at a time (never the whole file), and yields for each line either a
:class:`Record` (a parsed JSON object) or a :class:`LineIssue` (why the line is not a usable record, or a
property of the file such as a byte-order mark). Reading always goes on to the end of the file.

``-`` reads standard input; gzip-compressed input (by its magic bytes, whatever its name) is decompressed
on the fly.
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

import orjson

from ftdata.errors import InputError

IssueKind = Literal[
    "invalid-json", "not-utf8", "bom", "blank-line", "not-an-object", "empty-file", "crlf", "line-too-long"
]

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Record:
    """One line that parsed to a JSON object."""

    line: int  # 1-based
    offset: int  # byte offset of the line's start in the (decompressed) stream
    data: dict[str, Any]
    maybe_special: bool = True  # the line holds "<|" (or an escaped "<"): it may contain a special token
    raw: bytes | None = None  # the line as read (the cheap whole-record tests of ftdata.secrets read it)


@dataclass(frozen=True, slots=True)
class LineIssue:
    """A line that is not a usable record, or a fact about the file's bytes (BOM, CRLF, empty)."""

    kind: IssueKind
    line: int | None  # None: about the whole file
    detail: str = ""
    column: int | None = None  # 1-based character column, where known


Item = Record | LineIssue


BLOCK_BYTES = 1 << 21  # blocks of about 2 MiB of whole lines: the unit of work for parallel checking
# Longer lines are reported and skipped, never held in memory: the largest example the services take (ten
# 10 MB images, base64-encoded, and their text) is well under it.
MAX_LINE_BYTES = 256 << 20
_CHUNK = 1 << 20  # how much of a line too long to keep is read at a time


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines of a file: their bytes, or where to read them (a plain file's byte range).

    Lines in a block are numbered from 1; whoever joins blocks adds the lines of the blocks before.
    """

    offset: int
    length: int
    at_start: bool  # the file's first block: only there can a byte-order mark be
    data: bytes | None = None
    path: str | None = None
    # Lines of a read stream too long to keep: (line number in the block, bytes); an empty line holds
    # their place in ``data``.
    long_lines: tuple[tuple[int, int], ...] = ()

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(self.length)
        if len(data) < self.length:
            raise _shrunk(self.path)
        return data


def read_path(path: str | Path, *, progress: Any = None, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Item]:
    """Stream the records and line issues of a JSONL file, in order.

    ``-`` is standard input; gzip is detected by magic bytes. ``progress``, if given, is called with the
    number of raw bytes read so far, now and then. Raises :class:`InputError` when the file cannot be opened.
    """
    before = 0
    for block in read_blocks(path, progress=progress, max_line_bytes=max_line_bytes):
        if isinstance(block, LineIssue):
            yield shift_issue(block, before)
        else:
            last = before
            for item in parse_block(block, max_line_bytes=max_line_bytes):
                last = max(last, before + (item.line or 0))
                yield shift_issue(item, before) if isinstance(item, LineIssue) else _shift_record(item, before)
            before = last


def _shift_record(record: Record, lines: int) -> Record:
    return Record(record.line + lines, record.offset, record.data, record.maybe_special, record.raw)


def shift_issue(issue: LineIssue, lines: int) -> LineIssue:
    return issue if issue.line is None else LineIssue(issue.kind, issue.line + lines, issue.detail, issue.column)


def read_blocks(
    path: str | Path, *, block_bytes: int = BLOCK_BYTES, progress: Any = None, max_line_bytes: int = MAX_LINE_BYTES
) -> Iterator[Block | LineIssue]:
    """The file's lines in blocks of about ``block_bytes`` (never the whole file at once).

    A plain file is cut into byte ranges at line ends without reading it (each block is read where it is
    checked); standard input, pipes, devices, files that report no size (``/proc``) and gzip streams are
    read here, a line at a time, lines over ``max_line_bytes`` skipped without being kept. A compressed
    stream that is corrupt or cut short ends with an ``invalid-json`` issue at line 1 after the blocks
    before it; a file with no bytes yields an ``empty-file`` issue. A plain file that gets shorter while it
    is read raises :class:`InputError` (what it held is no longer there to check).
    """
    if str(path) == STDIN:
        yield from _stream_blocks(_maybe_gunzip(sys.stdin.buffer), block_bytes, progress, None, max_line_bytes)
        return
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the with below, through the wrapper
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; pass the .jsonl files inside it") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc.strerror or exc}") from None
    with raw:
        info = os.fstat(raw.fileno())
        stream = _maybe_gunzip(raw)
        plain = stat.S_ISREG(info.st_mode) and not isinstance(stream, gzip.GzipFile)
        if plain and (info.st_size or not stream.peek(1)):  # type: ignore[attr-defined]
            yield from _range_blocks(stream, str(path), info.st_size, block_bytes, progress)
        else:
            yield from _stream_blocks(stream, block_bytes, progress, raw if plain else None, max_line_bytes)


def _maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, stream))
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return buffered


def _shrunk(path: str) -> InputError:
    return InputError(f"{path}: the file got shorter while ftdata read it; check it again when nothing writes to it")


def _range_blocks(
    stream: IO[bytes], path: str, size: int, block_bytes: int, progress: Any
) -> Iterator[Block | LineIssue]:
    """Byte ranges of whole lines, cut at the first line end after every ``block_bytes`` (a file that grows
    meanwhile is checked as it was: up to the size it had at the start)."""
    offset = 0
    while offset < size:
        stream.seek(min(offset + block_bytes, size) - 1)
        _skip_line(stream)  # on to the end of the line that straddles the cut, a chunk at a time
        end = min(stream.tell(), size)
        if end <= offset:
            raise _shrunk(path)
        yield Block(offset, end - offset, offset == 0, path=path)
        offset = end  # progress is the runner's to tell, as blocks are checked (cutting them reads nothing)
    if size == 0:
        yield LineIssue("empty-file", None)


def _skip_line(stream: IO[bytes]) -> int:
    """Read on to the end of the line (or of the file) without keeping it; the bytes read."""
    skipped = 0
    while True:
        chunk = stream.readline(_CHUNK)
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            return skipped


def _bounded_lines(stream: IO[bytes], max_line_bytes: int, limit: int | None = None) -> Iterator[bytes | int]:
    """The stream's lines; a line over ``max_line_bytes`` is skipped and given as its length instead.
    ``limit``: read at most this many bytes (a block of a file)."""
    left = limit
    while left is None or left > 0:
        line = stream.readline(max_line_bytes + 1 if left is None else min(max_line_bytes + 1, left))
        if not line:
            return
        if len(line) > max_line_bytes and not line.endswith(b"\n"):
            length = len(line) + (_skip_line(stream) if left is None else _skip_within(stream, left - len(line)))
            yield length
        else:
            length = len(line)
            yield line
        if left is not None:
            left -= length


def _skip_within(stream: IO[bytes], left: int) -> int:
    skipped = 0
    while skipped < left:
        chunk = stream.readline(min(_CHUNK, left - skipped))
        skipped += len(chunk)
        if not chunk or chunk.endswith(b"\n"):
            break
    return skipped


def _stream_blocks(
    stream: IO[bytes], block_bytes: int, progress: Any, raw: IO[bytes] | None, max_line_bytes: int
) -> Iterator[Block | LineIssue]:
    lines: list[bytes] = []
    long_lines: list[tuple[int, int]] = []
    size = offset = 0  # bytes in the block so far; the stream's offset where the block starts
    try:
        for line in _bounded_lines(stream, max_line_bytes):
            if isinstance(line, int):  # a line too long to keep: an empty line holds its place
                long_lines.append((len(lines) + 1, line))
                lines.append(b"\n")
                size += line
            else:
                lines.append(line)
                size += len(line)
            if size >= block_bytes:
                yield Block(offset, size, offset == 0, data=b"".join(lines), long_lines=tuple(long_lines))
                offset += size
                lines, long_lines, size = [], [], 0
                if progress is not None:
                    progress(raw.tell() if raw is not None else offset)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        if lines:
            yield Block(offset, size, offset == 0, data=b"".join(lines), long_lines=tuple(long_lines))
        yield LineIssue("invalid-json", 1, f"the compressed stream is corrupt or truncated ({exc})")
        return
    if lines:
        yield Block(offset, size, offset == 0, data=b"".join(lines), long_lines=tuple(long_lines))
    if progress is not None:
        progress(raw.tell() if raw is not None else offset + size)
    if offset + size == 0:
        yield LineIssue("empty-file", None)


def parse_block(block: Block, data: bytes | None = None, *, max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Item]:
    """The records and line issues of a block, its lines numbered from 1.

    A byte range much longer than a block holds a long line: it is read from the file a line at a time, so
    that the block is never held whole, nor a line over ``max_line_bytes`` at all.
    """
    if data is None and block.data is None and block.length > 4 * BLOCK_BYTES:
        return _parse_long_block(block, max_line_bytes)
    source = data if data is not None else block.read()
    lines: Iterable[bytes | int] = io.BytesIO(source)
    if block.long_lines:
        lines = _restore_long(lines, dict(block.long_lines))
    return read_stream(lines, first_line=1, offset=block.offset, at_start=block.at_start, max_line_bytes=max_line_bytes)


def _restore_long(lines: Iterable[bytes | int], long_lines: dict[int, int]) -> Iterator[bytes | int]:
    for number, line in enumerate(lines, start=1):
        yield long_lines.get(number, line)


def _parse_long_block(block: Block, max_line_bytes: int) -> Iterator[Item]:
    assert block.path is not None
    read = 0

    def counted(lines: Iterator[bytes | int]) -> Iterator[bytes | int]:
        nonlocal read
        for line in lines:
            read += line if isinstance(line, int) else len(line)
            yield line

    with open(block.path, "rb") as handle:
        handle.seek(block.offset)
        lines = counted(_bounded_lines(handle, max_line_bytes, block.length))
        yield from read_stream(lines, first_line=1, offset=block.offset, at_start=block.at_start)
    if read < block.length:
        raise _shrunk(block.path)


def read_stream(
    stream: Iterable[bytes | int],
    *,
    first_line: int = 1,
    offset: int = 0,
    at_start: bool = True,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[Item]:
    """Parse binary lines (an int stands for a line too long to keep, of that many bytes).
    A CRLF ending is reported once per call (the engine keeps the file's first)."""
    crlf_seen = False
    for number, line in enumerate(stream, start=first_line):
        start = offset
        if isinstance(line, int) or len(line) > max_line_bytes:
            length = line if isinstance(line, int) else len(line)
            offset += length
            yield LineIssue("line-too-long", number, f"{length:,} bytes")
            continue
        offset += len(line)
        if at_start and number == first_line and line.startswith(_BOM):
            yield LineIssue("bom", number)
            line = line[len(_BOM) :]
        if not crlf_seen and line.endswith(b"\r\n"):
            crlf_seen = True
            yield LineIssue("crlf", number)
        if line.isspace() or not line:
            yield LineIssue("blank-line", number)
            continue
        yield _parse(line, number, start)


def _parse(line: bytes, number: int, offset: int) -> Item:
    try:
        data = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError as bad:
            column = len(line[: bad.start].decode("utf-8", errors="replace")) + 1
            return LineIssue("not-utf8", number, f"byte 0x{line[bad.start]:02x} is not valid UTF-8", column)
        return LineIssue("invalid-json", number, _json_reason(exc, text), _json_column(exc, text))
    if not isinstance(data, dict):
        return LineIssue("not-an-object", number, _json_type(data))
    return Record(number, offset, data, _maybe_special(line), line)


def _maybe_special(line: bytes) -> bool:
    """Whether the line may hold a special token's text: "<|", or "<" escaped as \\u003c. The one-byte and
    longer searches first (three times faster than looking for the two-byte "<|" in every line)."""
    return (b"<" in line and b"<|" in line) or (b"\\u003" in line and (b"\\u003c" in line or b"\\u003C" in line))


def _json_reason(exc: orjson.JSONDecodeError, text: str) -> str:
    reason = exc.msg
    if text.rstrip().endswith((",", "[", "{", ":")) or reason.startswith("EOF"):
        reason += " (is the line cut short, or an object split across several lines?)"
    return reason


def _json_column(exc: orjson.JSONDecodeError, text: str) -> int | None:
    # orjson reports a character position within the line (the line has no newline inside).
    return exc.pos + 1 if exc.pos is not None and exc.pos <= len(text) else None


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", int: "a number", float: "a number", bool: "a boolean"}
    return names.get(type(value), "null")


def describe_json_type(value: object) -> str:
    """'an array', 'a string', 'null', ... for messages about values of the wrong type."""
    if isinstance(value, dict):
        return "an object"
    return _json_type(value)


def display_path(name: str) -> str:
    """A path as reports print it: bytes of a file name that are not UTF-8 written as ``\\xff``."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def records_from(rows: Iterable[Any]) -> Iterator[Item]:
    """Records from an iterable of already-parsed objects (line numbers count from 1)."""
    count = 0
    for count, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            yield Record(count, 0, row)
        else:
            yield LineIssue("not-an-object", count, describe_json_type(row))
    if count == 0:
        yield LineIssue("empty-file", None)
