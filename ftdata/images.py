"""Images in vision examples: reading data URLs, recognising the image type, and estimating its tokens.

Nothing here fetches anything: an ``http(s)`` image cannot be checked offline, and is only counted.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from ftdata.formats import iter_messages

LOW_DETAIL_TOKENS = 85  # any image at detail "low"
TILE_TOKENS = 170  # each 512-pixel tile at detail "high", on top of the 85 base tokens
_DATA_URL = re.compile(r"^data:image/([A-Za-z0-9.+-]+);base64,", re.ASCII)
_SNIFF_BASE64 = 96 * 1024  # enough of the base64 text to reach any image's size header


@dataclass(frozen=True)
class ImageInfo:
    declared: str | None  # the type a data URL declares (jpeg, png, ...); None for http(s)
    actual: str | None  # the type its bytes are (None: unknown or not decodable)
    size: int | None  # decoded bytes
    width: int | None = None
    height: int | None = None
    error: str | None = None  # why the data URL is not usable


def classify_url(url: str) -> str:
    """'data', 'remote' (http or https) or 'other'."""
    if url.startswith("data:"):
        return "data"
    if url.startswith(("http://", "https://")):
        return "remote"
    return "other"


def inspect_data_url(url: str, *, full: bool = True) -> ImageInfo:
    """Decode a ``data:image/...;base64,`` URL and look at the bytes (``full=False``: the header only)."""
    match = _DATA_URL.match(url)
    if match is None:
        return ImageInfo(None, None, None, error="not a data:image/<type>;base64, URL")
    declared = match.group(1).lower().replace("jpg", "jpeg")
    payload = url[match.end() :]
    size = len(payload) * 3 // 4 - payload[-2:].count("=")
    try:
        if full:
            data = base64.b64decode(payload, validate=True)
            size = len(data)
        else:
            head = payload[: _SNIFF_BASE64 - _SNIFF_BASE64 % 4]
            data = base64.b64decode(head, validate=True)
    except (binascii.Error, ValueError):
        return ImageInfo(declared, None, size, error="the base64 data does not decode")
    actual, width, height = sniff(data)
    return ImageInfo(declared, actual, size, width, height)


def sniff(data: bytes) -> tuple[str | None, int | None, int | None]:
    """(type, width, height) from an image's first bytes; None where they cannot be read."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return "png", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        return ("jpeg", *_jpeg_size(data))
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ("webp", *_webp_size(data))
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif", None, None
    if data[:2] == b"BM":
        return "bmp", None, None
    return None, None, None


def _jpeg_size(data: bytes) -> tuple[int | None, int | None]:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            return None, None
        marker = data[index + 1]
        length = int.from_bytes(data[index + 2 : index + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[index + 7 : index + 9], "big"), int.from_bytes(
                data[index + 5 : index + 7], "big"
            )
        index += 2 + length
    return None, None


def _webp_size(data: bytes) -> tuple[int | None, int | None]:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        return 1 + int.from_bytes(data[24:27], "little"), 1 + int.from_bytes(data[27:30], "little")
    if chunk == b"VP8 " and len(data) >= 30:
        return int.from_bytes(data[26:28], "little") & 0x3FFF, int.from_bytes(data[28:30], "little") & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None, None


def image_tokens(detail: str | None, width: int | None, height: int | None) -> int:
    """Tokens of one image (gpt-4o's published rule): 85 at low detail; at high or auto, 85 + 170 per
    512-pixel tile after fitting the image in 2048×2048 and scaling its short side to 768. An image whose
    size is unknown (an http(s) URL) is counted as one tile: an estimate."""
    if detail == "low":
        return LOW_DETAIL_TOKENS
    if not width or not height:
        return LOW_DETAIL_TOKENS + TILE_TOKENS
    fit = min(1.0, 2048 / max(width, height))
    short = min(1.0, 768 / (min(width, height) * fit))
    tiles = math.ceil(width * fit * short / 512) * math.ceil(height * fit * short / 512)
    return LOW_DETAIL_TOKENS + TILE_TOKENS * tiles


def image_parts(record: dict[str, Any], file_format: str) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """(JSON path of the part, role of its message, the part's image_url object) for every image part."""
    for path, message in iter_messages(record, file_format):
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for index, part in enumerate(content):
            if isinstance(part, dict) and part.get("type") == "image_url" and isinstance(part.get("image_url"), dict):
                yield f"{path}.content[{index}]", message.get("role"), part["image_url"]
