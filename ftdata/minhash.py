"""Near-duplicate sketches: a signature of 64 bytes per example, for the near-duplicate rules (FT515, FT516).

The text an example is compared by is that of its user and assistant messages (a DPO pair's input and both
outputs; a legacy prompt and completion), never its system prompt: examples that share a long system prompt
are not alike for that. The text is cut into *tokens* — runs of letters and digits, case folded, so that
punctuation and white space do not count; each character of the scripts written without spaces (Chinese,
Japanese, Thai, Lao, Khmer, Burmese) is a token of its own — and the text is the set of its *shingles*, the
runs of three tokens. Two examples are as similar as the Jaccard index of their shingle sets: shared
shingles over all shingles. Three tokens a shingle, because one word changed then costs three shingles (an
example of 50 words with one word changed is 0.88 similar; with two, 0.78), while different examples on one
subject share few runs of three words: in the bundled 500 clean examples no two of 20 words or more are
more than 0.33 similar, against 0.69 by single words and 0.47 by pairs.

Tokens are words, not the target's tokens: the token counter counts without listing tokens, and encoding
every text again would cost more than the rest of a check.

The sketch is a one-permutation MinHash: each shingle is hashed once (its tokens' CRC-32s, hashed as a
tuple of ints by Python's ``hash()``, which is the same in every process and every run, unlike the hash of
a string), the hash picks one of 128 bins by its low 7 bits, and each bin keeps its smallest hash; a bin
that no shingle fell in takes the minimum of another bin, chosen by a fixed sequence of bins per bin
("optimal densification", Shrivastava 2017). Of each bin's minimum 4 bits are kept (b-bit MinHash, Li and
König 2010): 512 bits, eight 64-bit ints. Two sketches agree on a bin with probability J + (1 - J) / 16,
which :func:`similarity` turns back into an estimate of J; its standard error is about 0.035 at J = 0.8.

Candidate pairs are found without comparing every pair (locality-sensitive hashing): the 128 bins are 16
bands of 8 bins (32 bits each), and examples that agree on every bin of some band are candidates, then
verified by their estimated similarity. Pairs at J = 0.8 share a band with probability 0.97, at 0.9 with
0.9999, at 0.5 with 0.1, unrelated examples one in 2**32 a band.

It is written in Python, with the loops that run per token in C (``bytes.split``, ``map``, ``zip``): about
80 µs an example of 340 words on the benchmark's file, more than half of it in the one Python loop over the
shingles. A library would not do much better: the Rust MinHash ``rensa`` took 92 µs for the same three-word
shingles (they must still be built in Python; 65 µs for single words, which make different examples look
alike), and ``datasketch`` needs numpy and hashes each token in Python. Sketches are never stored across
runs.
"""

from __future__ import annotations

import operator
import random
import re
import string
import struct
import zlib
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from itertools import compress
from typing import Any, NamedTuple

from ftdata.answers import text_of
from ftdata.ruleapi import Collected, Example

SHINGLE = 3  # tokens per shingle
BINS = 128  # bins of the one-permutation MinHash (a power of two: a bin is the hash's low bits)
BITS = 4  # bits kept of each bin's minimum
BANDS = 16  # LSH bands, of BINS // BANDS = 8 bins (32 bits) each
INTS = BINS * BITS // 64  # 64-bit ints a signature packs into: 8
CHUNK = 1 << 16  # characters tokenised at a time: a text of any length is sketched in bounded memory

_EMPTY = 1 << 63  # more than any hash(): a bin no shingle fell in
_BIN = BINS - 1
_LOW = bytes(byte & 15 for byte in range(256))
_HIGH = bytes((byte & 15) << 4 for byte in range(256))
_CHANCE = 1 / (1 << BITS)  # two different minima agree on 4 bits by chance
_ONES = int("1" * BINS, 16)  # the lowest bit of each 4-bit field of a 512-bit signature
_HALF = (1 << 32) - 1

# ASCII text, tokenised in one pass over its bytes: upper case to lower, every byte that is not a letter or
# a digit (punctuation, white space, controls) to a space; then bytes.split().
_table = bytearray(range(256))
for _byte in range(128):
    if not chr(_byte).isalnum():
        _table[_byte] = 32
for _letter in string.ascii_uppercase:
    _table[ord(_letter)] = ord(_letter.lower())
_ASCII = bytes(_table)
del _table, _byte, _letter

# Other text: runs of letters and digits (the same tokens as above on ASCII), or one character of a script
# written without spaces between words.
_SOLO = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN = re.compile(f"[{_SOLO}]|[^\\W_{_SOLO}]+")
_TEXT_ROLES = ("user", "assistant")


class Sketch(NamedTuple):
    """An example's tokens counted, and its signature: INTS ints of 64 bits."""

    tokens: int
    signature: tuple[int, ...]


def texts_of(data: dict[str, Any], file_format: str) -> list[str]:
    """The texts an example is compared by: its user and assistant messages' (no system prompt)."""
    if file_format == "prompt-completion":
        return [value for value in (data.get("prompt"), data.get("completion")) if isinstance(value, str)]
    if file_format == "preference":
        source = data.get("input")
        texts = _message_texts(source.get("messages") if isinstance(source, dict) else None)
        return texts + _message_texts(data.get("preferred_output")) + _message_texts(data.get("non_preferred_output"))
    return _message_texts(data.get("messages"))


def _message_texts(messages: Any) -> list[str]:
    if not isinstance(messages, list):
        return []
    texts = []
    for message in messages:
        if isinstance(message, dict):
            role = message.get("role")
            if type(role) is str and role in _TEXT_ROLES:
                text = text_of(message.get("content"))
                if text:
                    texts.append(text)
    return texts


def _pieces(text: str) -> Iterator[str]:
    """The text in pieces of at most about CHUNK characters, cut at spaces (so no token is cut)."""
    start, length = 0, len(text)
    while start < length:
        end = start + CHUNK
        if end < length:
            cut = max(text.rfind(" ", start, end), text.rfind("\n", start, end))
            if cut > start:
                end = cut
        yield text[start:end]
        start = end


def _words(piece: str) -> list[bytes]:
    """The tokens of a piece of text, in UTF-8."""
    if piece.isascii():
        return piece.encode().translate(_ASCII).split()
    words = piece.encode("utf-8", "surrogatepass").translate(_ASCII).split()
    odd = list(compress(range(len(words)), map(operator.not_, map(bytes.isascii, words))))
    if len(odd) * 4 > len(words):  # mostly other scripts: one pass of the pattern over the text is quicker
        return [token.encode() for token in _TOKEN.findall(piece.lower())]
    found: list[bytes] = []
    start = 0
    for position in odd:  # a word with letters outside ASCII: its tokens by the pattern (the same on ASCII)
        found += words[start:position]
        found += [token.encode() for token in _TOKEN.findall(words[position].decode("utf-8", "surrogatepass").lower())]
        start = position + 1
    found += words[start:]
    return found


def tokens(text: str) -> list[str]:
    """The tokens of a text as sketches see them (for tests and explanations; sketches hash them)."""
    pieces = _pieces(text) if len(text) > CHUNK else (text,)
    return [word.decode("utf-8", "surrogatepass") for piece in pieces for word in _words(piece)]


def sketch_of(texts: Iterable[str]) -> Sketch | None:
    """The sketch of the shingles of these texts, read one after the other; None when they have no token."""
    mins = [_EMPTY] * BINS
    mask = _BIN
    carry: list[int] = []  # the last tokens of the pieces before, for the shingles that span two pieces
    count = 0
    for text in texts:
        for piece in _pieces(text) if len(text) > CHUNK else (text,):
            ids = list(map(zlib.crc32, _words(piece)))
            count += len(ids)
            if carry:
                ids = carry + ids
            for value in map(hash, zip(ids, ids[1:], ids[2:], strict=False)):
                if value < mins[value & mask]:
                    mins[value & mask] = value
            carry = ids[-(SHINGLE - 1) :]
    if count == 0:
        return None
    if count < SHINGLE:  # too short for one shingle: the tokens there are are one
        value = hash(tuple(carry))
        mins[value & _BIN] = value
    return Sketch(count, _signature(mins))


def _signature(mins: list[int]) -> tuple[int, ...]:
    """The bins' minima, densified, 4 bits each (bits 8 to 11: the bin is bits 0 to 6), packed into INTS ints."""
    if _EMPTY in mins:
        dense = list(mins)
        probes = _probes()
        for slot in compress(range(BINS), map(_EMPTY.__eq__, mins)):
            for other in probes[slot]:
                if mins[other] != _EMPTY:
                    dense[slot] = mins[other]
                    break
        mins = dense
    second = struct.pack(f"<{BINS}q", *mins)[1::8]  # the second byte of each minimum
    even = int.from_bytes(second[0::2].translate(_LOW), "little")  # bins 0, 2, 4, ...: a byte's low 4 bits
    odd = int.from_bytes(second[1::2].translate(_HIGH), "little")  # bins 1, 3, 5, ...: its high 4 bits
    return struct.unpack(f"<{INTS}Q", (even | odd).to_bytes(BINS // 2, "little"))


_probe_table: tuple[tuple[int, ...], ...] | None = None


def _probes() -> tuple[tuple[int, ...], ...]:
    """For each bin, the other bins in a fixed pseudo-random order: where an empty bin takes its value."""
    global _probe_table
    if _probe_table is None:
        rng = random.Random(BINS)
        table = []
        for slot in range(BINS):
            others = [other for other in range(BINS) if other != slot]
            rng.shuffle(others)
            table.append(tuple(others))
        _probe_table = tuple(table)
    return _probe_table


_last: tuple[Example, Sketch | None] | None = None  # the last example's, shared by the rules


def sketch(example: Example) -> Sketch | None:
    """The example's sketch (None when its texts have no token), computed once however many rules ask."""
    global _last
    if _last is not None and _last[0] is example:
        return _last[1]
    found = sketch_of(texts_of(example.data, example.format))
    _last = (example, found)
    return found


def compared(example: Example, options: Mapping[str, Any]) -> Sketch | None:
    """The example's sketch when a near-duplicate rule with these options compares it: the rule is on
    (``enabled``) and the example has at least ``minimum-words`` words; else None."""
    if not options["enabled"]:
        return None
    found = sketch(example)
    return None if found is None or found.tokens < options["minimum-words"] else found


def joined(signature: Sequence[int]) -> int:
    """A signature's INTS ints as one int of BINS * BITS bits (bin i in bits 4i to 4i + 3)."""
    return int.from_bytes(struct.pack(f"<{INTS}Q", *signature[:INTS]), "little")


def similarity(first: int, second: int) -> float:
    """The estimated Jaccard similarity of two examples from their :func:`joined` signatures (0 to 1)."""
    differ = first ^ second
    differ |= differ >> 1
    differ |= differ >> 2
    agree = (BINS - (differ & _ONES).bit_count()) / BINS
    return max(0.0, (agree - _CHANCE) / (1 - _CHANCE))


class Signatures:
    """The sketches a rule collected from a file — each value the INTS ints of a signature, then the rule's
    own ints — read by column, compactly (arrays of 64-bit ints), for finding candidate pairs."""

    def __init__(self, collected: Collected) -> None:
        self.lines = collected.lines
        width = collected.width
        if isinstance(collected.values, array) and width > INTS:
            self._flat = collected.values
        else:  # not packed as ints (never, from the rules here): packed now
            values = [value for _, value in collected]
            width = len(values[0]) if values else INTS + 1
            self._flat = array("Q", (item for value in values for item in value))
        self._width = width
        self._joined: dict[int, int] = {}

    def __len__(self) -> int:
        return len(self.lines)

    def column(self, index: int) -> array[int]:
        """The index-th int of every value (INTS and on: the rule's own)."""
        return self._flat[index :: self._width]

    def band(self, index: int) -> array[int]:
        """Every signature's 32 bits of band ``index``."""
        column = self.column(index // 2)
        if index % 2:
            return array("Q", map((32).__rrshift__, column))
        return array("Q", map(_HALF.__and__, column))

    def signature(self, position: int) -> int:
        """The :func:`joined` signature of the value at ``position`` (kept once computed)."""
        found = self._joined.get(position)
        if found is None:
            start = position * self._width
            found = self._joined[position] = int.from_bytes(self._flat[start : start + INTS].tobytes(), "little")
        return found


def first_positions(keys: Sequence[int]) -> dict[int, int]:
    """Each key's first position in the keys."""
    return dict(zip(reversed(keys), range(len(keys) - 1, -1, -1), strict=True))


def colliding(keys: Sequence[int]) -> list[list[int]]:
    """The positions of the keys that occur more than once, grouped by key (each group in order)."""
    count = len(keys)
    first = first_positions(keys)
    if len(first) == count:
        return []
    shared = set(compress(keys, map(int.__ne__, map(first.__getitem__, keys), range(count))))
    groups: dict[int, list[int]] = {}
    for position in compress(range(count), map(shared.__contains__, keys)):
        groups.setdefault(keys[position], []).append(position)
    return list(groups.values())


__all__ = [
    "BANDS",
    "BINS",
    "INTS",
    "Signatures",
    "Sketch",
    "colliding",
    "first_positions",
    "joined",
    "similarity",
    "sketch",
    "sketch_of",
    "texts_of",
    "tokens",
]
