"""The answer an example teaches, as the balance and consistency rules and ``ftdata stats`` look at it.

An example's *answer* is what the model is trained to say last: the content of the last assistant message
(chat, when its weight is not 0; its text parts joined), a preference pair's preferred output, a legacy
completion. RFT examples have no answer (the grader judges what the model writes). The *prompt* is the
text of the user messages before it.

For the balance rules (FT521-FT524) and ``ftdata stats``: :func:`is_refusal` (an answer that declines, read
from its start), :func:`label_key` (a short label-like answer, normalised), :func:`answer_facts` (both, once
per example), :func:`answer_hash` (answers compared), :func:`label_like` (whether a file is a label data
set), and :func:`pack_label` (a label in three ints, for a rule's ``collect``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any, NamedTuple

from ftdata.fingerprints import MASK, fingerprint, text_key
from ftdata.ruleapi import Example

_TEXT_PARTS = ("text", "input_text", "output_text")


def text_of(content: Any) -> str | None:
    """A message content's text: the string, or its text parts joined by new lines; None for no text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = [
            part["text"]
            for part in content
            if isinstance(part, dict) and isinstance(part.get("text"), str) and part.get("type", "text") in _TEXT_PARTS
        ]
        return "\n".join(texts) if texts else None
    return None


def _last_assistant(messages: Any) -> dict[str, Any] | None:
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "assistant":
            return message
    return None


def answer_message(data: dict[str, Any], file_format: str) -> dict[str, Any] | None:
    """The message whose content is the example's answer (chat: the last assistant message, trained on;
    preference: the preferred output's last assistant message); None when there is none."""
    if file_format == "chat":
        message = _last_assistant(data.get("messages"))
        return None if message is None or message.get("weight") == 0 else message
    if file_format == "preference":
        return _last_assistant(data.get("preferred_output"))
    return None


def answer_of(data: dict[str, Any], file_format: str) -> str | None:
    """The example's answer as text ("" for an answer with no text, such as one that only calls tools);
    None when the example has no answer (RFT, no assistant message, a last assistant message of weight 0)."""
    if file_format == "prompt-completion":
        completion = data.get("completion")
        return completion if isinstance(completion, str) else None
    if file_format not in ("chat", "preference"):
        return None
    message = answer_message(data, file_format)
    if message is None:
        return None
    return text_of(message.get("content")) or ""


def prompt_of(data: dict[str, Any], file_format: str) -> str | None:
    """The text of the user messages before the answer, joined by new lines (the legacy prompt); None when
    there is none."""
    if file_format == "prompt-completion":
        prompt = data.get("prompt")
        return prompt if isinstance(prompt, str) else None
    source = data.get("input") if file_format == "preference" else data
    messages = source.get("messages") if isinstance(source, dict) else None
    if not isinstance(messages, list):
        return None
    end = len(messages)
    if file_format == "chat":
        answer = answer_message(data, file_format)
        end = next((i for i, message in enumerate(messages) if message is answer), end)
    texts = [
        text
        for message in messages[:end]
        if isinstance(message, dict) and message.get("role") == "user"
        for text in (text_of(message.get("content")),)
        if text
    ]
    return "\n".join(texts) if texts else None


def answer(example: Example) -> str | None:
    """:func:`answer_of` the example, once per example however many rules ask (the last one is kept)."""
    global _last
    if _last is not None and _last[0] is example:
        return _last[1]
    # a plain chat example ends with an assistant message of string content, trained on (no weight)
    found = example.data["messages"][-1]["content"] if example.plain else answer_of(example.data, example.format)
    _last = (example, found)
    return found


_last: tuple[Example, str | None] | None = None


# --- Balance: refusals and labels -------------------------------------------------------------------------

REFUSAL_HEAD = 200  # characters of an answer's start that is_refusal reads: a refusal says so at once

# An English refusal: a few openings (apologies, "unfortunately", "as an AI ...") then "I can't / won't / am
# unable to <help, answer, provide, ...>", "I must decline", "that's not something I can ...". The text is
# lower case, with typographic apostrophes made straight, and starts at its first letter.
_VERB = (
    r"(?:help|assist|answer|respond|reply|provide|offer|give|share|disclose|reveal|tell|discuss|talk about|"
    r"engage|comply|fulfil|fulfill|complete|do (?:that|this|so|it|your|what)|create|write|generate|produce|"
    r"draft|make|support|continue|process|access|browse|search|look (?:up|into)|predict|recommend|advise|"
    r"be of (?:help|assistance|service)|participate|condone|encourage|endorse|facilitate|promote|go along|"
    r"role-?play|pretend|express|comment|speculate|guarantee|in good conscience|accommodate|grant|honou?r)"
)
_NOT = (
    r"(?:can'?t|cannot|can not|won'?t|will not|am unable to|'?m unable to|am not able to|'?m not able to|"
    r"am not (?:allowed|permitted|authori[sz]ed) to|'?m not (?:allowed|permitted|authori[sz]ed) to|"
    r"am not going to|'?m not going to|would rather not|'d rather not|prefer not to|"
    r"(?:will|'ll) not be able to|won'?t be able to|am not in a position to|'?m not in a position to|"
    r"am not comfortable|'?m not comfortable)"
)
_ADVERB = (
    r"(?: (?:really|actually|directly|personally|currently|fully|legally|ethically|safely|responsibly|"
    r"help you|assist you|help|assist|be able to))*"
)
_AI = (  # "an AI language model", "a chatbot", ...
    r"(?:ai|a\.i\.|artificial intelligence|(?:large )?language model|llm|chatbot|virtual assistant|"
    r"ai (?:language model|assistant|model|chatbot)|digital assistant)\b"
)
_AS_AI = r"(?:as an? " + _AI + r"|i(?:'?m| am) (?:just |only |merely )?an? " + _AI + r")"
_NEGATION = (
    r"\b(?:can'?t|cannot|can not|won'?t|unable|not able|don'?t|do not|not allowed|not permitted|not capable|"
    r"no (?:personal|ability|access))"
)
_SORRY_FOR = r" (?:for|about|to)[^,.!?\n]{0,40}(?=[,.!?\n])"  # "sorry for the confusion," (to its comma)
_OPENING = (
    r"(?:(?:no|oh|hmm|sorry|unfortunately|regrettably|apologies|my apologies|alas|"
    r"i(?:'?m| am)(?: (?:so|very|really|truly|terribly|deeply))? sorry(?: to say(?: that)?|" + _SORRY_FOR + r")?|"
    r"i apologi[sz]e(?:" + _SORRY_FOR + r")?|i(?:'?m| am) afraid(?: that)?|"
    r"i regret(?: to (?:say|inform you))?(?: that)?|thanks? (?:you )?for (?:asking|your (?:question|request|message))|"
    + _AS_AI
    + r")[\s,.!;:*_\-\u2014\u2013]*(?:(?:but|however|though|and|so)\b[\s,]*)?)"
)
_ENGLISH = (
    r"(?:" + _OPENING + r"{0,3}"
    r"(?:i " + _NOT + _ADVERB + r"(?: to)? " + _VERB + r"\b(?! (?:but|it)\b)(?![^.!?\n]{0,40}\benough\b)"
    r"|i (?:do not|don'?t) (?:(?:really|currently|personally) )?(?:help with|assist with|answer|provide|engage|"
    r"discuss|comply|share|give out|disclose|generate|create|write|produce|feel comfortable|"
    r"have (?:access|the ability|the capability|personal|opinions|feelings|real-time))\b"
    r"|i(?:'?m| am) not (?:comfortable|going to) (?:help|assist|provid|shar|answer|discuss|writ|giv|creat|generat)"
    r"|i (?:(?:must|have to|need to|will have to|'ll have to|would have to|'d have to|am going to have to|"
    r"'?m going to have to) )?(?:respectfully |politely |kindly )?(?:decline|refuse|refrain)\b"
    r"|(?:that|this|it|which)(?:'s| is) (?:not something i|beyond (?:my|what i)|outside (?:of )?(?:my|what i)|"
    r"not (?:within|in) my|not (?:a|an) (?:request|question|topic|task) i)"
    r"|i(?:'?m| am) (?:not (?:able|allowed|permitted|authori[sz]ed|comfortable|in a position)|unable) to\b"
    r"|i (?:can'?t|cannot|won'?t) (?:do|answer|help with) (?:that|this)\b))"
    r"|" + _AS_AI + r"[^.!?\n]{0,60}?" + _NEGATION
)
# A few other languages: the same refusals, as they open.
_OTHERS = (
    # Spanish, Portuguese, Italian
    r"|(?:(?:lo siento|lo lamento|disculpa|disculpe|perdón|lamentablemente|desculpe|infelizmente|"
    r"mi dispiace|purtroppo|spiacente)[\s,.!]*(?:(?:pero|mas|ma)\b[\s,]*)?)?"
    r"(?:(?:yo|eu|io) )?(?:no|não|non) (?:puedo|me es posible|posso|sono in grado di|estoy en condiciones de) "
    r"(?:ayudar|responder|contestar|proporcionar|dar|ofrecer|hacer|asistir|compartir|cumplir|ajudar|fornecer|"
    r"aiutar|rispondere|fornire|fare|dare|condividere)"
    # French
    r"|(?:(?:je suis désolée?|désolée?|je regrette|malheureusement|pardon)[\s,.!]*(?:mais\b[\s,]*)?)?"
    r"je ne (?:peux|suis pas en mesure d[e']|vais pas|pourrai|saurais) ?(?:pas )?(?:vous |t')?"
    r"(?:aider|répondre|fournir|donner|faire|partager|assister|traiter)"
    # German
    r"|(?:(?:es tut mir leid|entschuldigung|leider|bedauerlicherweise)[\s,.!]*(?:(?:aber|doch)\b[\s,]*)?)?"
    r"(?:ich kann (?:ihnen |dir |euch )?(?:dabei |damit |hierbei |hierzu |das |darauf |diese frage )?"
    r"(?:leider )?(?:nicht|keine)|ich bin (?:leider )?nicht in der lage|das kann ich (?:leider )?nicht)"
    # Russian
    r"|(?:(?:извините|простите|к сожалению|мне жаль)[\s,.!]*(?:но\b[\s,]*)?)?"
    r"я не (?:могу|в состоянии|буду) (?:помочь|ответить|предоставить|сделать|выполнить|дать)"
    # Chinese
    r"|(?:抱歉|对不起|很抱歉|非常抱歉|不好意思|对不住|抱歉的是)?[，,。！!、\s]*(?:但(?:是)?[，,]?)?"
    r"(?:作为(?:一个)?(?:ai|人工智能|语言模型|ai语言模型|ai助手)[^。！？\n]{0,30}?)?"
    r"我(?:无法|不能|没办法|没有办法|不可以|不会|恐怕无法|恐怕不能)(?:为你|为您|给你|给您|帮你|帮您|向你|向您)?"
    r"(?:回答|提供|帮助|协助|帮忙|满足|完成|处理|参与|讨论|透露|分享|生成|编写|执行)"
    # Japanese
    r"|(?:申し訳(?:ありません|ございません)(?:が)?|すみません(?:が)?|残念ながら)[、。,！!\s]*"
    r"[^。\n]{0,40}?(?:できません|いたしかねます|お答えできかねます)"
)
_REFUSAL = re.compile(_ENGLISH + _OTHERS)
_LEAD = " \t\r\n\x0b\x0c\"'`*_>#([{\u201c\u2018\u00ab\u300c\u300e\u3000\u00a0"  # quotes, markdown, brackets
_APOSTROPHES = ("\u2019", "\u2018", "\u02bc", "\uff07")  # made straight: "I\u2019m" is "I'm"


def is_refusal(text: str) -> bool:
    """Whether an answer declines: "I can't help with that", "I'm sorry, but I cannot ...", "As an AI language
    model, I don't ...", "I must decline", and the like (in English, and their common forms in Spanish,
    Portuguese, Italian, French, German, Russian, Chinese and Japanese). Only the answer's first
    ``REFUSAL_HEAD`` characters are read: a refusal says so at once, and an answer that helps and later says
    what it cannot do is no refusal."""
    head = text[:REFUSAL_HEAD].lstrip(_LEAD)
    if not head:
        return False
    if head.isascii():
        head = head.lower()
    else:
        head = head.casefold()
        for apostrophe in _APOSTROPHES:
            if apostrophe in head:
                head = head.replace(apostrophe, "'")
    return _REFUSAL.match(head) is not None


LABEL_CHARS = 40  # a label-like answer has at most this many characters ...
LABEL_WORDS = 4  # ... and words, once normalised
# what surrounds a label without being part of it: white space, quotes, brackets, markdown, end punctuation
_LABEL_STRIP = (
    " \t\r\n\x0b\x0c\"'`*_.,;:!?()[]{}<>\u00a0\u3000\u2018\u2019\u201c\u201d\u201e\u201a\u00ab\u00bb"
    "\u2026\u3002\uff0c\u3001\uff01\uff1f\uff1a\uff1b\uff08\uff09\u3010\u3011\u300c\u300d\u300e\u300f"
)


def label_key(text: str) -> str | None:
    """A short label-like answer as compared with the others: case folded, with the white space, quotes,
    brackets and punctuation around it stripped and its inner white space collapsed to one space
    ("  **Positive.**" and "positive" are both "positive"). None when the answer is not label-like: empty
    once stripped, on more than one line, or longer than ``LABEL_WORDS`` words or ``LABEL_CHARS``
    characters."""
    if len(text) > 4 * LABEL_CHARS:  # cheap: most answers are long
        return None
    stripped = text.strip(_LABEL_STRIP)
    if not stripped or len(stripped) > 2 * LABEL_CHARS or "\n" in stripped:
        return None
    words = stripped.split()
    if len(words) > LABEL_WORDS:
        return None
    key = " ".join(words)
    if len(key) > LABEL_CHARS:
        return None
    return key.lower() if key.isascii() else key.casefold()


def answer_key(text: str) -> int:
    """A 64-bit hash of the answer as compared: case folded, white space removed, the quotes and punctuation
    around it stripped (so "$65." and " $65" are the same answer)."""
    return hash(text_key(text.strip(_LABEL_STRIP))) & MASK


class AnswerFacts(NamedTuple):
    """What the balance rules and ``ftdata stats`` want to know of one answer."""

    text: str  # the answer (never empty nor only white space)
    refusal: bool  # is_refusal(text)
    label: str | None  # label_key(text)


def answer_facts(example: Example) -> AnswerFacts | None:
    """The :class:`AnswerFacts` of the example's answer, once per example however many rules ask; None
    when it has no answer with text (no answer, or one that only calls tools)."""
    global _last_facts
    if _last_facts is not None and _last_facts[0] is example:
        return _last_facts[1]
    text = answer(example)
    found = None if not text or text.isspace() else facts_of(text)
    _last_facts = (example, found)
    return found


def facts_of(text: str) -> AnswerFacts:
    """The :class:`AnswerFacts` of an answer's text."""
    return AnswerFacts(text, is_refusal(text), label_key(text))


SHORT_ANSWER = 200  # characters: answers up to this long are compared by answer_key, punctuation aside


def answer_hash(example: Example, facts: AnswerFacts) -> int:
    """A 64-bit hash of the example's answer as compared with the others: its label key's for a label-like
    answer, :func:`answer_key`'s for one of at most SHORT_ANSWER characters (so "$65." and " $65" are one
    answer, and so are "Please contact support." and "please contact support"); a longer one's is the hash
    the duplicate rules compare answers by (ftdata.fingerprints: case and white space aside; computed once
    per example for them all) in chat and prompt/completion files, else answer_key's."""
    if facts.label is not None:
        return hash(facts.label) & MASK
    if len(facts.text) > SHORT_ANSWER and example.format in ("chat", "prompt-completion"):
        found = fingerprint(example).answer
        if found is not None:
            return found
    return answer_key(facts.text)


_last_facts: tuple[Example, AnswerFacts | None] | None = None

# A label-like data set (classification, yes/no, a few fixed verdicts): most answers are label-like, there are
# between two and MAX_LABELS distinct labels, and each label is the answer of EXAMPLES_PER_LABEL examples on
# average at least — short answers that are mostly different (a quiz's "Paris", "1945", ...) are no labels.
LABEL_SHARE = 0.9
MAX_LABELS = 20
EXAMPLES_PER_LABEL = 10


def label_like(answers: int, labelled: int, labels: int, max_labels: int = MAX_LABELS) -> bool:
    """Whether a file whose ``answers`` answers (with text) include ``labelled`` label-like ones, with
    ``labels`` distinct label keys, is a label data set."""
    return (
        answers > 0
        and labelled >= LABEL_SHARE * answers
        and 2 <= labels <= max_labels
        and labels * EXAMPLES_PER_LABEL <= labelled
    )


# A label (or a label as written) kept in three 64-bit ints: its UTF-8 when it has at most EXACT_BYTES bytes,
# with their count in the last byte; a longer one as a hash that tells it from the others and its first
# PREFIX_BYTES bytes, for the findings to show, with TRUNCATED in the last byte. NO_ANSWER (three ints no
# label packs to) marks an example without an answer, for the rules that count answers.
EXACT_BYTES = 23
PREFIX_BYTES = 15
TRUNCATED = 0x80
NO_ANSWER = (0, 0, 0xFF)


def pack_label(text: str, identity: int) -> tuple[int, int, int]:
    """A label as three ints: ``text`` itself if short enough, else ``identity`` (its hash, say) and its start."""
    data = text.encode("utf-8", "surrogatepass")
    if len(data) <= EXACT_BYTES:
        padded = data.ljust(EXACT_BYTES, b"\0") + bytes((len(data),))
        return (
            int.from_bytes(padded[:8], "big"),
            int.from_bytes(padded[8:16], "big"),
            int.from_bytes(padded[16:], "big"),
        )
    padded = data[:PREFIX_BYTES] + bytes((PREFIX_BYTES | TRUNCATED,))
    return identity & MASK, int.from_bytes(padded[:8], "big"), int.from_bytes(padded[8:], "big")


def is_truncated(value: tuple[int, int, int]) -> bool:
    """Whether :func:`pack_label` kept only the start of the label (and its ``identity`` in ``value[0]``)."""
    return bool(value[2] & TRUNCATED)


def label_text(value: tuple[int, int, int], errors: str = "ignore") -> str:
    """The text :func:`pack_label` kept: the label, or its start and "\u2026" when it was longer. ``errors``:
    what to do with bytes that are no UTF-8 (lone surrogates; left out by default, for showing)."""
    first, second, third = value
    if third & TRUNCATED:
        data = (second.to_bytes(8, "big") + third.to_bytes(8, "big"))[:PREFIX_BYTES]
        return data.decode("utf-8", "ignore") + "\u2026"  # a character cut in two is left out
    data = (first.to_bytes(8, "big") + second.to_bytes(8, "big") + third.to_bytes(8, "big"))[: third & 0xFF]
    return data.decode("utf-8", errors)


def quoted(text: str) -> str:
    """A label or answer as findings show it: in JSON quotes (escapes show white space and controls)."""
    return json.dumps(text, ensure_ascii=False)


def percent(share: float) -> str:
    """A share as findings show it, to a tenth of a percent: "24%", "10.5%", "0.6%", "<0.1%"."""
    if 0 < share < 0.001:
        return "<0.1%"
    return f"{share * 100:.1f}".rstrip("0").rstrip(".") + "%"


def first_lines(lines: list[int], shown: int = 5) -> str:
    """The first few of some lines, for a finding about them all: "3, 8, 12, ..." ("line 3" for one)."""
    if len(lines) == 1:
        return f"line {lines[0]}"
    return "lines " + ", ".join(map(str, lines[:shown])) + (", ..." if len(lines) > shown else "")


def label_counts(values: Iterable[tuple[int, Any]]) -> tuple[int, dict[Any, list[int]]]:
    """Of the (line, packed label) pairs a label rule collected: how many are NO_ANSWER, and the lines of
    each label (in file order)."""
    missing = 0
    lines: dict[Any, list[int]] = {}
    for line, value in values:
        if value == NO_ANSWER:
            missing += 1
        else:
            found = lines.get(value)
            if found is None:
                lines[value] = [line]
            else:
                found.append(line)
    return missing, lines
