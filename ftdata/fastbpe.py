"""An open-weight model's ``tokenizer.json`` as a tiktoken encoding, where that gives the same tokens.

Most open models' tokenizers (Qwen2.5, Qwen3, the R1 distills) are byte-level BPE over one regular
expression: the shape tiktoken implements, in Rust, about 2.5-3× faster than the ``tokenizers`` library on
the same texts. :func:`tiktoken_encoding` builds that encoding from the file — the vocabulary's tokens decoded
from the byte-level alphabet become the ranks, the split pattern the pattern, the added tokens special
tokens — only when every part of the tokenizer has tiktoken's meaning:

- a BPE model without byte fallback, dropout or word affixes, whose merges come in the order of the ranks
  of the tokens they make (then merging by rank is merging by priority) and make every token (or that
  takes a whole piece found in the vocabulary, ``ignore_merges``, as tiktoken does);
- no normalizer, or NFC (texts that are not already NFC are left to ``tokenizers``);
- the pre-tokenizer one ``Split`` on a regular expression (isolated) followed by ``ByteLevel`` without its
  own regex or a prefix space;
- added tokens matched as they are written (not normalized, no stripping, not single-word only).

Anything else returns None and the ``tokenizers`` library counts. The test suite holds the two to the same
tokens on generated and real text for every family where this applies (``FTDATA_COUNTER=tokenizers``
turns the fast path off).
"""

from __future__ import annotations

import functools
import itertools
import os
from typing import Any

import orjson

FAST_OFF = "tokenizers"  # FTDATA_COUNTER=tokenizers: count open models with the tokenizers library only


@functools.cache
def _byte_table() -> dict[int, int]:
    """:func:`_byte_decoder` as a str.translate table (code point -> byte): a token's text translated by it
    and encoded as Latin-1 is the token's bytes, one C pass instead of a generator per token."""
    return {ord(char): byte for char, byte in _byte_decoder().items()}


@functools.cache
def _byte_decoder() -> dict[str, int]:
    """The byte-level BPE alphabet (GPT-2's): printable bytes stand for themselves, the others are moved
    to code points from 256 on."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1), *range(ord("®"), ord("ÿ") + 1)]
    chars = list(printable)
    shifted = 0
    for byte in range(256):
        if byte not in printable:
            printable.append(byte)
            chars.append(256 + shifted)
            shifted += 1
    return {chr(char): byte for byte, char in zip(printable, chars, strict=True)}


def tiktoken_encoding(tokenizer_json: str, *, pinned: bool = False) -> tuple[Any, bool] | None:
    """The tiktoken encoding equal to this tokenizer, and whether texts must be NFC (None: no such encoding).
    ``pinned``: the file is one open-models.toml pins by its sha256, whose merges the test suite holds to
    the conditions above, so they are not checked again (a quarter of a second per tokenizer)."""
    if os.environ.get("FTDATA_COUNTER") == FAST_OFF:
        return None
    return _built(tokenizer_json, pinned)


@functools.lru_cache(maxsize=4)
def _built(tokenizer_json: str, pinned: bool) -> tuple[Any, bool] | None:
    try:
        spec = orjson.loads(tokenizer_json)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(spec, dict) or not isinstance(spec.get("model"), dict):
        return None
    found = _equivalent(spec)
    if found is None:
        return None
    pattern, nfc = found
    model = spec["model"]
    table = _byte_table()
    vocab: dict[str, int] = model["vocab"]
    try:  # a character outside the byte-level alphabet is left as it is, and is no Latin-1 byte or is wrong
        ranks = {token.translate(table).encode("latin-1"): rank for token, rank in vocab.items()}
    except UnicodeEncodeError:
        return None
    if any(char not in _byte_decoder() for char in set("".join(vocab))):  # a token outside the alphabet
        return None
    if len(ranks) != len(vocab):
        return None
    if not pinned and not _merges_in_rank_order(model.get("merges") or [], vocab):
        return None
    if not (pinned or model.get("ignore_merges")) and not _every_token_merged(model.get("merges") or [], vocab):
        return None  # tiktoken takes a whole piece that is a token; the tokenizers library only merges to it
    specials = {token["content"]: token["id"] for token in spec.get("added_tokens") or []}
    if set(specials.values()) & set(ranks.values()):  # an added token that is also a BPE token: not tiktoken's
        return None
    import tiktoken

    try:
        encoding = tiktoken.Encoding("open-model-bpe", pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    except ValueError:  # a pattern tiktoken's engine does not take
        return None
    return encoding, nfc


def _equivalent(spec: dict[str, Any]) -> tuple[str, bool] | None:
    """The split pattern and whether NFC applies, when the tokenizer has tiktoken's shape."""
    model = spec.get("model") or {}
    if model.get("type") != "BPE" or model.get("byte_fallback") or model.get("dropout"):
        return None
    if model.get("continuing_subword_prefix") or model.get("end_of_word_suffix") or model.get("fuse_unk"):
        return None
    normalizer = spec.get("normalizer")
    if normalizer is not None and normalizer.get("type") == "Sequence" and not normalizer.get("normalizers"):
        normalizer = None
    if normalizer is not None and normalizer.get("type") != "NFC":
        return None
    pre = spec.get("pre_tokenizer") or {}
    steps = pre.get("pretokenizers") if pre.get("type") == "Sequence" else None
    if not steps or len(steps) != 2:
        return None
    split, byte_level = steps
    regex = (split.get("pattern") or {}).get("Regex")
    if split.get("type") != "Split" or split.get("behavior") != "Isolated" or split.get("invert") or not regex:
        return None
    if byte_level.get("type") != "ByteLevel" or byte_level.get("use_regex") or byte_level.get("add_prefix_space"):
        return None
    for token in spec.get("added_tokens") or []:
        if token.get("lstrip") or token.get("rstrip") or token.get("single_word"):
            return None
        if token.get("normalized") and normalizer is not None:
            return None
    return regex, normalizer is not None


def _every_token_merged(merges: list[Any], vocab: dict[str, int]) -> bool:
    """Whether every token longer than one byte-level character is made by some merge."""
    made = set(map(_joined, merges))
    return {token for token in vocab if len(token) > 1} <= made


def _merges_in_rank_order(merges: list[Any], vocab: dict[str, int]) -> bool:
    """Whether each merge makes a token ranked above every earlier merge's (priority order = rank order)."""
    ranks = [vocab.get(_joined(merge), -1) for merge in merges]
    return all(rank >= 0 for rank in ranks) and all(a < b for a, b in itertools.pairwise(ranks))


def _joined(merge: Any) -> str:
    """The token a merge makes: "a b" (or ["a", "b"]) is "ab"."""
    return merge.replace(" ", "", 1) if isinstance(merge, str) else "".join(merge)
