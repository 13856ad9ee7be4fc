"""What the consistency rules compare between examples: answer shapes, system prompts, lengths.

- :func:`shape_of` / :func:`shape_code`: an answer's shape — ``empty``, ``label`` (short: what
  :func:`ftdata.answers.label_key` takes for a label), ``json`` (an object or array that parses), ``code`` (a
  fenced ``` block over most of it, or mostly lines of code), ``list`` (mostly bullet or numbered lines),
  ``prose``. Cheap: a one-line answer is settled by its first characters and one label test.
- :func:`trivial_kind`: whether an answer is empty, only punctuation, a placeholder ("TODO") or a filler
  word ("ok", "N/A").
- :func:`system_prompt_of`: the text of an example's system (and developer) messages;
  :func:`prompt_sketch`: a 64-bit sketch of it (word count and a SimHash of its words, deterministic across
  runs), so that near-identical prompts can be found from ints alone; :func:`sketch_distance` compares two.
- :func:`length_stats`: the median and the modified z-scores (Iglewicz and Hoaglin) of the log token counts,
  exactly, from the histogram of token counts a file's facts already hold.

Each example's answer shape and system prompt are computed once, however many rules ask (the last one is
kept), as :func:`ftdata.answers.answer` does.
"""

from __future__ import annotations

import hashlib
import math
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson

from ftdata.answers import answer, answer_message, label_key, text_of
from ftdata.ruleapi import Example

# --- Answer shapes -------------------------------------------------------------------------------------------

EMPTY, LABEL, JSON, CODE, LIST, PROSE = range(6)
SHAPES = ("empty", "label", "json", "code", "list", "prose")
SHAPE_MASK = 7  # shape_code(...) & SHAPE_MASK is the shape; the bits above are flags:
BROKEN_JSON = 8  # starts as JSON does ("{", or "[" then a value) but does not parse (shape CODE)
FENCED_JSON = 16  # a ``` fenced block (shape CODE) whose body is a JSON object or array
CUT_OFF = 32  # with BROKEN_JSON: the text ends before the JSON does (cut off, as a truncated generation is)
TRAILING_TEXT = 64  # with BROKEN_JSON: a whole JSON value, then other text
# what is left of shape_code(...) >> ERROR_SHIFT: with BROKEN_JSON, the character where parsing failed
ERROR_SHIFT = 8

# "[" then what a JSON array holds first ("[1] Smith et al." is no JSON attempt, "[1, 2" is)
_ARRAY_START = re.compile(r'\[\s*(?:[\[{"\]]|(?:-?\d[\d.eE+-]*|true|false|null)\s*,)')
_FENCE = "```"
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+\u2022\u2023\u25e6\u2043\u2219]|\d{1,3}[.)]|\(?[A-Za-z0-9]{1,2}\))[ \t]+\S")
# A line of code: statements and declarations of the common languages (their keywords in lower case, SQL's
# in upper case: prose starts sentences with capitals), assignments, calls, interpreter prompts, comments, or
# (see _is_code_line) a line that ends in ; { or }. No pattern starts with ".*": a long line of prose fails
# each at its first characters.
_CODE_LINE = re.compile(
    r"""[ \t]*(?:
        (?:def|class|async\ def|fn|func|function)\ +[A-Za-z_]\w*\ *[(:<{]
      | (?:import|from)\ +[\w.]+(?:\ +import\ +\S.*|\ +as\ +\w+|\ *,\ *[\w.]+)*\ *;?$
      | \#include\b | \#define\b | package\ +[\w.]+;?$ | using\ +[\w.]+;$
      | (?:const|let|var|val|auto|int|float|double|char|bool|string|String)\ +[A-Za-z_]\w*\ *(?:=|:|\[|;)
      | (?:if|elif|else|for|while|try|except|finally|with|switch|case|do)\b[^\n]*:$
      | (?:return|yield|raise|throw|break|continue|pass)\b\ *(?:[\w(\[{"'\-][^\n]*)?;?$
      | (?:SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|FROM|WHERE|JOIN|LEFT\ JOIN|INNER\ JOIN|GROUP\ BY|
         ORDER\ BY|HAVING|LIMIT|VALUES|SET|UNION)\b
      | [A-Za-z_][\w.]*(?:\[[^\]\n]*\])?\ *(?:[-+*/%|&^]|//|\*\*)?=\ *[^=\s]
      | [A-Za-z_][\w.]*\([^\n]*\)\ *;?$
      | >>>\ | \.\.\.\ | \$\ + | //\ | /\* | \*/
      | [\])}]+[;,]?$
    )""",
    re.VERBOSE,
)
_CODE_ENDS = (";", "{", "}")


def _is_code_line(line: str) -> bool:
    return line.rstrip().endswith(_CODE_ENDS) or _CODE_LINE.match(line) is not None


_CODE_MARKS = re.compile(r"[(=;{}<>\[\]]")  # what a short line of code has and a label seldom does


def shape_code(text: str) -> int:
    """The answer's shape (``& SHAPE_MASK``: one of EMPTY ... PROSE) with the flags BROKEN_JSON, FENCED_JSON,
    CUT_OFF and TRAILING_TEXT, and, for broken JSON, the character where parsing failed (``>> ERROR_SHIFT``)."""
    s = text.strip()
    if not s:
        return EMPTY
    first = s[0]
    if first == "{" or (first == "[" and _ARRAY_START.match(s)):
        try:
            value = orjson.loads(s)
        except orjson.JSONDecodeError as error:
            lead = len(text) - len(text.lstrip())  # where it fails in the answer as written
            flags = BROKEN_JSON | ((error.pos + lead) << ERROR_SHIFT)
            if error.pos >= len(s):
                flags |= CUT_OFF
            elif error.msg.startswith("unexpected content after"):
                flags |= TRAILING_TEXT
            return CODE | flags  # structured text, if broken: not a label, not prose
        else:
            if isinstance(value, (dict, list)):
                return JSON
    elif first == "`" and s.startswith(_FENCE) and s.endswith(_FENCE) and len(s) > 6 and s.count(_FENCE) == 2:
        body = s[s.find("\n") + 1 : -3] if "\n" in s else ""
        if body.lstrip()[:1] in ("{", "["):
            try:
                if isinstance(orjson.loads(body), (dict, list)):
                    return CODE | FENCED_JSON
            except orjson.JSONDecodeError:
                pass
    if "\n" not in s:  # one line: the common case
        if first == "`" and s.startswith(_FENCE):
            return CODE
        if len(s) > 160 and s[0].isupper() and s[1].islower():  # a long sentence: the common case, quickly
            return PROSE
        short = label_key(s) is not None
        if short and not _CODE_MARKS.search(s):  # "positive", "pass", "N/A": labels, even if keywords
            return LABEL
        if _CODE_LINE.match(s) and not _looks_like_sentence(s):
            return CODE
        return LABEL if short else PROSE
    if _FENCE in s and _fenced_share(s) >= 0.5:
        return CODE
    lines = [line for line in s.splitlines() if line.strip()]
    items = sum(1 for line in lines if _LIST_ITEM.match(line))
    if items >= 2 and 2 * items > len(lines):
        return LIST
    code = sum(1 for line in lines if _is_code_line(line))
    if code >= 2 and 5 * code >= 3 * len(lines):
        return CODE
    return PROSE


def shape_of(text: str) -> str:
    """The answer's shape: "empty", "label", "json", "code", "list" or "prose"."""
    return SHAPES[shape_code(text) & SHAPE_MASK]


def _looks_like_sentence(line: str) -> bool:
    """A line that reads as a sentence — a capitalised word first ("Use", not "SELECT"), then more words —
    though it matched a code pattern ("Use x = 2 here.", "Order_id=245 is ready")."""
    return line[0].isupper() and line[1:2].islower() and line.count(" ") >= 3


def _fenced_share(s: str) -> float:
    """The share of the text's characters inside ``` fences (an unclosed fence runs to the end)."""
    inside = 0
    position = 0
    while True:
        start = s.find(_FENCE, position)
        if start < 0:
            break
        end = s.find(_FENCE, start + 3)
        if end < 0:
            inside += len(s) - start
            break
        inside += end + 3 - start
        position = end + 3
    return inside / len(s)


_last_shape: tuple[Example, int | None] | None = None


def answer_shape(example: Example) -> int | None:
    """:func:`shape_code` of the example's answer (:func:`ftdata.answers.answer`), once per example; None
    when it has none, or when an answer without text is not empty but something else: tool calls, a
    missing or non-text content (see :func:`_says_nothing`)."""
    global _last_shape
    if _last_shape is not None and _last_shape[0] is example:
        return _last_shape[1]
    text = answer(example)
    found = None if text is None or (not text.strip() and not _says_nothing(example)) else shape_code(text)
    _last_shape = (example, found)
    return found


def _says_nothing(example: Example) -> bool:
    """Whether an answer without text is an empty answer — a content of "" (or of empty text parts) — rather
    than one that only calls tools, or whose content is missing, not text, or an image (other rules')."""
    if example.format == "prompt-completion":
        return True
    message = answer_message(example.data, example.format)
    if message is None or message.get("tool_calls") or message.get("function_call"):
        return False
    return text_of(message.get("content")) is not None


def answer_text(example: Example) -> str | None:
    """The example's answer, None when it has none or only calls tools (see :func:`answer_shape`)."""
    return None if answer_shape(example) is None else answer(example)


# --- Trivial answers -----------------------------------------------------------------------------------------

NOT_TRIVIAL, TRIVIAL_EMPTY, TRIVIAL_MARKS, TRIVIAL_PLACEHOLDER, TRIVIAL_FILLER = range(5)
TRIVIAL_KIND_BITS = 3  # trivial_kind(...) & 7 is the kind; >> 3 the word's index in PLACEHOLDERS or FILLERS
# Words that stand in for an answer never written: trivial in any file.
PLACEHOLDERS = (
    "todo",
    "tbd",
    "tba",
    "fixme",
    "xxx",
    "placeholder",
    "lorem ipsum",
    "insert answer here",
    "answer here",
    "your answer here",
    "response here",
    "[answer]",
    "<answer>",
    "<response>",
)
# Words that answer nothing — unless the file is a label dataset with such a class ("ok" / "defect").
# ("none" is no filler: it answers "how many?")
FILLERS = ("ok", "okay", "k", "n/a", "na", "null", "undefined", "nan", "test", "testing", "asdf")
_PLACEHOLDER_INDEX = {word: index for index, word in enumerate(PLACEHOLDERS)}
_FILLER_INDEX = {word: index for index, word in enumerate(FILLERS)}
_MARKS_ONLY = re.compile(r"[\W_]+")  # no letter or digit at all


def trivial_kind(text: str) -> int:
    """How an answer is trivial: NOT_TRIVIAL (0), TRIVIAL_EMPTY, TRIVIAL_MARKS (only punctuation or symbols),
    TRIVIAL_PLACEHOLDER or TRIVIAL_FILLER, the last two with the word's index ``<< TRIVIAL_KIND_BITS``."""
    if len(text) > 64 and not text[0].isspace() and not text[-1].isspace():  # cheap: most answers are long
        return NOT_TRIVIAL
    stripped = text.strip()
    if len(stripped) > 64:
        return NOT_TRIVIAL
    if not stripped:
        return TRIVIAL_EMPTY
    if _MARKS_ONLY.fullmatch(stripped):
        return TRIVIAL_MARKS
    lowered = stripped.casefold()
    for key in (lowered, lowered.rstrip(".!"), " ".join(lowered.strip(".!?:;,\"'`*_()").split())):
        index = _PLACEHOLDER_INDEX.get(key)
        if index is not None:
            return TRIVIAL_PLACEHOLDER | (index << TRIVIAL_KIND_BITS)
        index = _FILLER_INDEX.get(key)
        if index is not None:
            return TRIVIAL_FILLER | (index << TRIVIAL_KIND_BITS)
    return NOT_TRIVIAL


# --- System prompts ------------------------------------------------------------------------------------------

_SYSTEM_ROLES = ("system", "developer")


def system_prompt_of(data: dict[str, Any], file_format: str) -> str | None:
    """The text of the example's system and developer messages (joined by new lines; "" for one with no
    text); None when it has none, or no message list (prompt/completion)."""
    if file_format == "preference":
        source = data.get("input")
        messages = source.get("messages") if isinstance(source, dict) else None
    elif file_format in ("chat", "rft"):
        messages = data.get("messages")
    else:
        return None
    if not isinstance(messages, list):
        return None
    texts = [
        text_of(message.get("content")) or ""
        for message in messages
        if type(message) is dict and message.get("role") in _SYSTEM_ROLES
    ]
    if not texts:
        return None
    return texts[0] if len(texts) == 1 else "\n".join(texts)


def has_messages(data: dict[str, Any], file_format: str) -> bool:
    """Whether the example has a message list at all (where a system message could be)."""
    source = data.get("input") if file_format == "preference" else data
    return isinstance(source, dict) and isinstance(source.get("messages"), list) and bool(source["messages"])


_last_system: tuple[Example, str | None] | None = None


def system_prompt(example: Example) -> str | None:
    """:func:`system_prompt_of` the example, once per example however many rules ask."""
    global _last_system
    if _last_system is not None and _last_system[0] is example:
        return _last_system[1]
    if example.plain:  # every message a role and a string content
        texts = [message["content"] for message in example.data["messages"] if message["role"] == "system"]
        found = None if not texts else texts[0] if len(texts) == 1 else "\n".join(texts)
    else:
        found = system_prompt_of(example.data, example.format)
    _last_system = (example, found)
    return found


_WORD = re.compile(r"[^\W\d_]+")  # letters only: digits, punctuation and white space separate words
# the same for ASCII text, in one C pass: letters to lower case, everything else to a space, then split
_ASCII_WORDS = bytes(value + 32 if 65 <= value <= 90 else value if 97 <= value <= 122 else 32 for value in range(256))
SKETCH_BITS = 48  # SimHash bits of a sketch; the 16 above them hold the word count (at most 65535)
_SKETCH_MASK = (1 << SKETCH_BITS) - 1
SKETCHED_CHARACTERS = 600  # of a longer text, its first and last 600 characters are sketched
_BITS_OF_HEX = str.maketrans({f"{value:x}": f"{value:04b}" for value in range(16)})
_LANES = struct.Struct(f">{SKETCH_BITS}H")
_sketches: dict[str, int] = {}  # text -> its sketch: system prompts repeat, so each is sketched once
_SKETCHES_KEPT = 4096
_lanes: dict[bytes, int] = {}  # word -> its hash's bits as lanes (see prompt_sketch): words repeat too
_LANES_KEPT = 65536


def _word_lanes(word: bytes) -> int:
    """A word's 48-bit hash (blake2b: the same in every run) written as 48 characters "0"/"1" in UTF-16,
    as one int: 48 lanes of 16 bits holding 0x30 or 0x31."""
    bits = hashlib.blake2b(word, digest_size=SKETCH_BITS // 8).hexdigest().translate(_BITS_OF_HEX)
    return int.from_bytes(bits.encode("utf-16-be"), "big")


def prompt_sketch(text: str) -> int:
    """A 64-bit sketch of a text: its word count (letters only, case folded; at most 65535) above a 48-bit
    SimHash of its words (Charikar's: each bit the majority, over the words, of that bit of the word's hash).
    Texts that differ only in case, white space, punctuation or digits have the same sketch; a word changed
    in a text of n words moves about 15/sqrt(n) of its bits, where unrelated texts differ in about 20. Of a
    text longer than twice SKETCHED_CHARACTERS only the start and the end are read (its word count is
    scaled to its length): a long prompt costs no more than a short one."""
    found = _sketches.get(text)
    if found is not None:
        return found
    part, scale = text, 1.0
    if len(text) > 2 * SKETCHED_CHARACTERS:
        part = text[:SKETCHED_CHARACTERS] + " " + text[-SKETCHED_CHARACTERS:]
        scale = len(text) / len(part)
    if part.isascii():
        words = part.encode().translate(_ASCII_WORDS).split()
    else:
        words = list(map(str.encode, _WORD.findall(part.casefold())))
    count = len(words)
    sketch = min(round(count * scale), 0xFFFF) << SKETCH_BITS
    if count:
        if len(_lanes) > _LANES_KEPT:
            _lanes.clear()
        get = _lanes.get
        lanes = list(map(get, words))
        if None in lanes:
            for word in set(words).difference(_lanes):
                _lanes[word] = _word_lanes(word)
            lanes = list(map(get, words))
        # summed (in C), each lane counts the words with that bit set (at most 1,200 words: no carry)
        total: int = sum(lanes)  # type: ignore[arg-type]
        base = 0x30 * count
        counts = _LANES.unpack(total.to_bytes(2 * SKETCH_BITS, "big"))
        sketch |= int("".join(["1" if 2 * (lane - base) > count else "0" for lane in counts]), 2)
    if len(_sketches) >= _SKETCHES_KEPT:
        _sketches.clear()
    _sketches[text] = sketch
    return sketch


def sketch_words(sketch: int) -> int:
    """The word count a sketch holds."""
    return sketch >> SKETCH_BITS


def sketch_distance(a: int, b: int) -> int:
    """How many of the SimHash bits of two sketches differ."""
    return ((a ^ b) & _SKETCH_MASK).bit_count()


_last_prompt_facts: tuple[Example, tuple[int, int] | None] | None = None


def system_prompt_facts(example: Example) -> tuple[int, int] | None:
    """(hash of the system prompt's exact text, :func:`prompt_sketch` of it), once per example; None when
    the example has no system prompt. The hash is Python's (the same in every worker of a run)."""
    global _last_prompt_facts
    if _last_prompt_facts is not None and _last_prompt_facts[0] is example:
        return _last_prompt_facts[1]
    text = system_prompt(example)
    found = None if text is None else (hash(text) & 0xFFFF_FFFF_FFFF_FFFF, prompt_sketch(text))
    _last_prompt_facts = (example, found)
    return found


# --- Length outliers -----------------------------------------------------------------------------------------

Z_SCALE = 0.6745  # the 0.75 quantile of the standard normal: MAD * 1/0.6745 estimates the standard deviation
MEAN_AD_SCALE = 1.253314  # sqrt(pi/2): mean absolute deviation * 1.2533 estimates it, when the MAD is 0


@dataclass(frozen=True)
class LengthStats:
    """The token counts of a file's examples, as the length-outlier rule judges them."""

    examples: int
    median: float  # of the token counts
    log_median: float  # median of log(max(tokens, 1))
    spread: float  # the MAD of the logs / 0.6745, or 1.2533 x their mean absolute deviation when the MAD is 0

    def z(self, tokens: int) -> float:
        """The modified z-score of an example of ``tokens`` tokens: 0.6745 (log x - median) / MAD."""
        if not self.spread:
            return 0.0
        return (math.log(max(tokens, 1)) - self.log_median) / self.spread


def weighted_median(pairs: list[tuple[float, int]]) -> float:
    """The median of a multiset given as sorted (value, how many) pairs: the mean of the two middle
    values when there is an even number."""
    total = sum(count for _, count in pairs)
    low_rank, high_rank = (total - 1) // 2, total // 2
    low = high = None
    seen = 0
    for value, count in pairs:
        seen += count
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return (low + high) / 2


def length_stats(token_counts: Mapping[int, int]) -> LengthStats | None:
    """Exact statistics of the log token counts from ``{tokens: examples}`` (a file's histogram, however
    its examples were split between workers); None for no examples."""
    counts = sorted((tokens, number) for tokens, number in token_counts.items() if number > 0)
    if not counts:
        return None
    examples = sum(number for _, number in counts)
    logs = [(math.log(max(tokens, 1)), number) for tokens, number in counts]  # sorted, as tokens are
    log_median = weighted_median(logs)
    deviations = sorted((abs(value - log_median), number) for value, number in logs)
    mad = weighted_median(deviations)
    if mad > 0:
        spread = mad / Z_SCALE
    else:  # more than half the examples have the median's length: the mean absolute deviation instead
        spread = MEAN_AD_SCALE * sum(value * number for value, number in deviations) / examples
    return LengthStats(
        examples=examples,
        median=weighted_median([(float(tokens), number) for tokens, number in counts]),
        log_median=log_median,
        spread=spread,
    )
