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
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal, cast

import orjson

from ftdata.errors import InputError

IssueKind = Literal["invalid-json", "not-utf8", "bom", "blank-line", "not-an-object", "empty-file", "crlf"]

_BOM = b"\xef\xbb\xbf"
_GZIP_MAGIC = b"\x1f\x8b"
STDIN = "-"


@dataclass(frozen=True, slots=True)
class Record:
    """One line that parsed to a JSON object."""

    line: int  # 1-based
    offset: int  # byte offset of the line's start in the (decompressed) stream
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class LineIssue:
    """A line that is not a usable record, or a fact about the file's bytes (BOM, CRLF, empty)."""

    kind: IssueKind
    line: int | None  # None: about the whole file
    detail: str = ""
    column: int | None = None  # 1-based character column, where known


Item = Record | LineIssue


BLOCK_BYTES = 1 << 21  # blocks of about 2 MiB of whole lines: the unit of work for parallel checking


@dataclass(frozen=True, slots=True)
class Block:
    """Whole lines of a file, with the number of the first one and its byte offset."""

    first_line: int
    offset: int
    data: bytes


def read_path(path: str | Path, *, progress: Any = None) -> Iterator[Item]:
    """Stream the records and line issues of a JSONL file, in order.

    ``-`` is standard input; gzip is detected by magic bytes. ``progress``, if given, is called with the
    number of raw bytes read so far, now and then. Raises :class:`InputError` when the file cannot be opened.
    """
    for block in read_blocks(path, progress=progress):
        if isinstance(block, LineIssue):
            yield block
        else:
            yield from parse_block(block)


def read_blocks(
    path: str | Path, *, block_bytes: int = BLOCK_BYTES, progress: Any = None
) -> Iterator[Block | LineIssue]:
    """The file's lines in blocks of about ``block_bytes`` (never the whole file at once).

    A compressed stream that is corrupt or cut short ends with an ``invalid-json`` issue after the lines
    that could be read; a file with no bytes yields an ``empty-file`` issue.
    """
    if str(path) == STDIN:
        yield from _blocks(_maybe_gunzip(sys.stdin.buffer), block_bytes, progress, None)
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
        yield from _blocks(_maybe_gunzip(raw), block_bytes, progress, raw)


def _maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    buffered = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(cast(io.RawIOBase, stream))
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return buffered


def _blocks(stream: IO[bytes], block_bytes: int, progress: Any, raw: IO[bytes] | None) -> Iterator[Block | LineIssue]:
    lines: list[bytes] = []
    size = offset = 0
    first_line = 1
    try:
        for line in stream:
            lines.append(line)
            size += len(line)
            if size >= block_bytes:
                yield Block(first_line, offset, b"".join(lines))
                first_line += len(lines)
                offset += size
                lines, size = [], 0
                if progress is not None:
                    progress(raw.tell() if raw is not None else offset)
    except (OSError, EOFError, gzip.BadGzipFile) as exc:
        if lines:
            yield Block(first_line, offset, b"".join(lines))
        yield LineIssue(
            "invalid-json", first_line + len(lines), f"the compressed stream is corrupt or truncated ({exc})"
        )
        return
    if lines:
        yield Block(first_line, offset, b"".join(lines))
    if progress is not None:
        progress(raw.tell() if raw is not None else offset + size)
    if offset + size == 0:
        yield LineIssue("empty-file", None)


def parse_block(block: Block) -> Iterator[Item]:
    """The records and line issues of a block (a BOM is looked for only at the start of the file)."""
    return read_stream(io.BytesIO(block.data), first_line=block.first_line, offset=block.offset)


def read_stream(stream: Iterable[bytes], *, first_line: int = 1, offset: int = 0) -> Iterator[Item]:
    """Parse binary lines. A CRLF ending is reported once per call (the engine keeps the file's first)."""
    crlf_seen = False
    for number, line in enumerate(stream, start=first_line):
        start = offset
        offset += len(line)
        if number == 1 and line.startswith(_BOM):
            yield LineIssue("bom", 1)
            line = line[len(_BOM) :]
        if not crlf_seen and line.endswith(b"\r\n"):
            crlf_seen = True
            yield LineIssue("crlf", number)
        if not line.strip():
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
    return Record(number, offset, data)


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
