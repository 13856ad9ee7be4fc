"""What the data-quality rules keep of every example: one row of 64-bit ints, collected once for them all.

Eleven rules look at every example of a file — the duplicate rules, conflicting answers, the balance and
answer-shape rules, the system-prompt rules and length outliers. Each names this module's :func:`collect`
as its own, so the engine runs it once per example and keeps its rows once (a shared collect function, see
:mod:`ftdata.ruleapi`): one call and 88 bytes an example with its line, where eleven collect functions
cost eleven calls and about twice the memory. A rule reads the columns it needs with :func:`present`.

The columns (``NONE``: the example has no such fact):

- ``EXACT``, ``WITHOUT_SYSTEM``, ``QUESTION``, ``ANSWER``: the example's :class:`ftdata.fingerprints.Fingerprint`;
- ``REPLY``: the answer as dominant-answer compares it (:func:`ftdata.answers.answer_hash`), its low bits
  replaced by ``ANSWERED``, ``LABELLED`` (label-like) and ``REFUSAL``; ``NONE`` without an answer with text;
- ``SHAPE``: :func:`ftdata.shapes.answer_shape` (shape and flags);
- ``TRIVIAL``: how the answer is trivial (:func:`ftdata.shapes.trivial_kind`, but an empty completion is
  none) with ``IS_LABEL`` when it is a short label; ``NONE`` when it is neither;
- ``SYSTEM``, ``SKETCH``: :func:`ftdata.shapes.system_prompt_facts` (the sketch is read where SYSTEM is);
- ``TOKENS``: the example's tokens.

A hash is a 64-bit int, so one hash in 2**64 equals ``NONE``: it is kept as ``NONE - 1`` instead (a
difference no finding can show).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ftdata.answers import answer, answer_facts, answer_hash
from ftdata.fingerprints import fingerprint
from ftdata.ruleapi import Collected, Example, RuleContext
from ftdata.shapes import (
    EMPTY,
    LABEL,
    NOT_TRIVIAL,
    SHAPE_MASK,
    TRIVIAL_EMPTY,
    answer_shape,
    system_prompt_facts,
    trivial_kind,
)

EXACT, WITHOUT_SYSTEM, QUESTION, ANSWER, REPLY, SHAPE, TRIVIAL, SYSTEM, SKETCH, TOKENS = range(10)
NONE = (1 << 64) - 1

LABELLED = 1  # REPLY: the answer is label-like (answers.label_key)
REFUSAL = 2  # REPLY: the answer is a refusal
ANSWERED = 4  # REPLY: set in every answer's word, so that no REPLY but NONE is 0
REPLY_KEY = ~(LABELLED | REFUSAL | ANSWERED)  # the answer's hash, without the flags
IS_LABEL = 1 << 7  # TRIVIAL: beside trivial_kind's bits (< 128), the answer is a short label


def word(value: int | None) -> int:
    """A hash (or None) as a column holds it."""
    return NONE if value is None else value if value != NONE else NONE - 1


def collect(example: Example, ctx: RuleContext) -> tuple[int, ...]:
    """The example's row (see the module's docstring)."""
    found = fingerprint(example)
    facts = answer_facts(example)
    if facts is None:
        reply = NONE
    else:
        reply = (
            (answer_hash(example, facts) & REPLY_KEY)
            | ANSWERED
            | (LABELLED if facts.label is not None else 0)
            | (REFUSAL if facts.refusal else 0)
        )
    shape = answer_shape(example)
    trivial = NONE
    if shape is not None:
        text = answer(example)
        assert text is not None
        kind = trivial_kind(text)
        if kind == TRIVIAL_EMPTY and example.format == "prompt-completion":
            kind = NOT_TRIVIAL
        label = IS_LABEL if shape & SHAPE_MASK == LABEL else 0
        if kind or label:
            trivial = kind | label
    system = system_prompt_facts(example)
    tokens = example.tokens
    return (
        word(found.exact),
        word(found.without_system),
        word(found.question),
        word(found.answer),
        reply,
        NONE if shape is None else shape,
        trivial,
        NONE if system is None else word(system[0]),
        0 if system is None else system[1],
        NONE if tokens is None else tokens.total,
    )


def present(values: Collected, *columns: int) -> Iterator[tuple[int, ...]]:
    """(line, value, ...) of the rows whose first column asked for is not NONE, in file order: the values
    of ``columns`` ((line, value) for one column). An iterator, built as it is read (a rule that reads the
    rows twice asks twice): the rows of a large file are never all Python objects at once."""
    if not values:
        return iter(())
    picked: list[Sequence[int]] = [values.column(index) for index in columns]
    return (row for row in zip(values.lines, *picked, strict=True) if row[1] != NONE)


def answer_shapes(values: Collected) -> Iterator[tuple[int, int]]:
    """(line, SHAPE code) of the examples whose answer has a shape other than empty (an empty answer is
    trivial-answer's business, not a shape the shape rules compare), in file order."""
    return ((line, shape) for line, shape in present(values, SHAPE) if shape != EMPTY)


def one_value_each(keys: Sequence[int], values: Sequence[int]) -> bool:
    """Whether every key of two columns has a single value beside it, told in C (sets of the columns):
    the usual case the duplicate rules return on before any Python loop."""
    return len(set(keys)) == len(set(zip(keys, values, strict=True)))
