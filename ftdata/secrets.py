"""Secrets and personal data in text: detection and redaction, shared by the quality rules FT501-FT504.

Every string of a record is looked at: keys and values at any depth (message contents and text parts, tool-call
arguments, tool definitions, prompt and completion, preference inputs and outputs). The rules run on every record
of large files, so each kind is found in two steps: a cheap test on all the record's text at once
(``example_bytes``: the line as read, or the record as orjson writes it, shared by the rules), which is false for
nearly every record; then, only for a record that passes it, the exact patterns on each string, with its JSON
path.

Nothing here returns a whole secret for display: ``mask`` keeps at most ``VISIBLE`` characters of it, and JSON
paths through keys that hold one are masked too (``safe_key``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

from ftdata.formats import strings_in

if TYPE_CHECKING:
    from ftdata.ruleapi import Example

VISIBLE = 6  # characters of a secret a message may show, at most


def mask(value: str) -> str:
    """A short masked form of a secret for messages: its first few characters, then "…" (at most ``VISIBLE``,
    and never more than a quarter of it)."""
    return value[: min(VISIBLE, len(value) // 4)] + "…"


# --- The record's text --------------------------------------------------------------------------------------


def record_text(data: Any) -> str:
    """Every string of a record (keys and values, any depth), joined by newlines. No pattern matches across a
    newline, so none matches across two strings."""
    parts: list[str] = []
    append = parts.append
    stack = [data]
    push = stack.append
    pop = stack.pop
    while stack:
        value = pop()
        if type(value) is dict:
            for key, item in value.items():
                if type(key) is str:  # records from the library may have other keys
                    append(key)
                kind = type(item)
                if kind is str:
                    append(item)
                elif kind is dict or kind is list:
                    push(item)
        elif type(value) is list:
            for item in value:
                kind = type(item)
                if kind is str:
                    append(item)
                elif kind is dict or kind is list:
                    push(item)
        elif type(value) is str:
            append(value)
    return "\n".join(parts)


_cache: tuple[Any, bytes] = (None, b"")  # (the last record, its bytes): the rules run one after another on it


def example_bytes(example: Example) -> bytes:
    """The bytes the cheap tests read for an example: the line it was read from, when the line writes its
    strings as orjson would (the same characters but for quotes, backslashes and control characters; what
    lies between the strings, such as spaces after colons, can only make a test look closer), else
    :func:`record_bytes`. A line with a ``\\u`` or ``\\/`` escape may spell a character the tests look for
    another way, so it is not read as it is."""
    global _last_example
    if _last_example[0] is example:
        return _last_example[1]
    raw = example.raw
    readable = raw is not None and (b"\\" not in raw or _ESCAPE.search(raw) is None)
    found = raw if readable and raw is not None else record_bytes(example.data)
    _last_example = (example, found)
    return found


_last_example: tuple[Any, bytes] = (None, b"")  # the last example's bytes, for the rules that follow


_ESCAPE = re.compile(rb"\\[u/]")  # one search: several times faster than two for a two-byte string


def record_bytes(data: Any) -> bytes:
    """A record's strings (keys and values, any depth) in UTF-8, for the cheap tests: the record as orjson
    writes it (several times faster than gathering its strings), in which every string stands as it is but for
    quotes, backslashes and control characters — none of them a character the tests look for, so a string the
    tests find something in is found in the whole too; what lies between the strings (punctuation, numbers)
    can only make a test look closer. A record orjson cannot write (lone surrogates, keys that are not
    strings, numbers too large) gives :func:`record_text` instead."""
    global _cache
    cached = _cache
    if cached[0] is data:  # the record is held by the cache, so its identity cannot be reused meanwhile
        return cached[1]
    try:
        found = orjson.dumps(data)
    except TypeError:  # orjson.JSONEncodeError
        found = record_text(data).encode("utf-8", "surrogatepass")
    _cache = (data, found)
    return found


@dataclass(frozen=True, slots=True)
class Hit:
    """One thing found: its kind, where (a JSON path; ``in_key`` when it is in a key of the object there), the
    masked value, and a note for the message (or "")."""

    kind: str
    path: str
    masked: str
    in_key: bool = False
    note: str = ""

    @property
    def where(self) -> str:
        return "a key" if self.in_key else "text"


def strings(data: Any) -> Iterator[tuple[str, str, bool]]:
    """(JSON path, string, is a key) of every string of a record, keys too, in file order (any depth). A key is
    given at the path of its object; paths through keys are masked (``safe_key``)."""
    return strings_in(data, keys=True, shown=safe_key)


def first_hits(data: Any, find: Callable[[str], Iterator[tuple[str, str, str]]]) -> list[Hit]:
    """The first hit of each kind in a record, in file order. ``find(text)`` yields (kind, value, note)."""
    hits: dict[str, Hit] = {}
    for path, text, in_key in strings(data):
        for kind, value, note in find(text):
            if kind not in hits:
                hits[kind] = Hit(kind, path, mask(value), in_key, note)
    return list(hits.values())


# --- Secrets -------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SecretKind:
    label: str  # what it is, for the message: "an OpenAI API key"
    fix: str  # how to fix it, after "remove or replace it with a placeholder; "
    check_randomness: bool = True  # a random body: at least two of upper case, lower case, digits, and varied


_ROTATE = "rotate the key: it has been in a file"

# The formats, from each vendor's documentation (a pattern keeps a vendor's prefix and asks for enough of a random
# body after it that prose cannot match: "sk-learn" and "task-list" do not):
_SECRET_FORMATS: list[tuple[SecretKind, str]] = [
    # Anthropic: "sk-ant-api03-..." API keys and "sk-ant-admin01-..." Admin API keys, about 100 characters of
    # base64url (Anthropic Console, docs.anthropic.com "API keys" / "Admin API").
    (SecretKind("an Anthropic API key", _ROTATE), r"sk-ant-[a-z]{3,8}[0-9]{2}-[A-Za-z0-9_-]{32,}"),
    # OpenAI: "sk-" legacy user keys (48 alphanumerics), "sk-proj-" project keys, "sk-svcacct-" service-account
    # and "sk-admin-" admin keys (platform.openai.com/docs/api-reference/authentication, "API keys" page).
    (SecretKind("an OpenAI API key", _ROTATE), r"sk-(?!ant-)[A-Za-z0-9_-]{32,}"),
    # AWS access key ids: "AKIA" (long-term) or "ASIA" (temporary, STS) and 16 upper-case letters and digits
    # (AWS IAM User Guide, "IAM identifiers" / "Unique identifiers"; STS GetAccessKeyInfo). The documentation's
    # own example, AKIAIOSFODNN7EXAMPLE, is left alone.
    (SecretKind("an AWS access key id", _ROTATE + " (and its secret access key)", False), r"(?:AKIA|ASIA)[A-Z0-9]{16}"),
    # GitHub: "ghp_" personal access, "gho_" OAuth, "ghu_" user-to-server, "ghs_" server-to-server, "ghr_" refresh
    # tokens, 36 base62 characters (github.blog/changelog 2021-03-31 "Authentication token format updates"), and
    # "github_pat_" fine-grained personal access tokens (82 characters after the prefix).
    (SecretKind("a GitHub token", _ROTATE), r"gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{60,}"),
    # GitLab personal access tokens: "glpat-" and 20 characters (docs.gitlab.com, "Token overview").
    (SecretKind("a GitLab token", _ROTATE), r"glpat-[A-Za-z0-9_-]{20,}"),
    # Slack: "xoxb-" bot, "xoxp-" user, "xoxa-"/"xoxr-" (app/refresh), "xoxs-", "xoxo-" and "xoxe-" tokens
    # (api.slack.com/authentication/token-types).
    (SecretKind("a Slack token", _ROTATE), r"xox[abeoprs]-[0-9]+-[A-Za-z0-9-]{8,}"),
    # Stripe: "sk_live_" secret and "rk_live_" restricted keys ("sk_test_"/"rk_test_" in test mode)
    # (docs.stripe.com/keys).
    (SecretKind("a Stripe API key", _ROTATE), r"[sr]k_(?:live|test)_[A-Za-z0-9]{20,}"),
    # Google API keys: "AIza" and 35 characters (cloud.google.com/docs/authentication/api-keys).
    (SecretKind("a Google API key", _ROTATE), r"AIza[A-Za-z0-9_-]{35}"),
    # Hugging Face user access tokens: "hf_" and 34 letters (huggingface.co/docs/hub/security-tokens).
    (SecretKind("a Hugging Face token", _ROTATE), r"hf_[A-Za-z]{34}"),
    # npm access tokens: "npm_" and 36 characters (docs.npmjs.com, "About access tokens").
    (SecretKind("an npm token", _ROTATE), r"npm_[A-Za-z0-9]{36}"),
    # PyPI API tokens: "pypi-" and a macaroon whose base64 starts with the encoded "pypi.org" location
    # (pypi.org/help/#apitoken).
    (SecretKind("a PyPI token", _ROTATE), r"pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{40,}"),
    # PEM and OpenSSH private keys: "-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED ]PRIVATE KEY-----" (RFC 7468
    # section 10-11; OpenSSH PROTOCOL.key) and OpenPGP's "-----BEGIN PGP PRIVATE KEY BLOCK-----" (RFC 4880 6.2).
    (
        SecretKind("a private key", "replace the key pair: it has been in a file", False),
        r"-----BEGIN (?:[A-Z0-9]+ ){0,3}PRIVATE KEY(?: BLOCK)?-----",
    ),
    # JSON Web Tokens: three base64url segments, the header and payload JSON objects (so "eyJ", "ey"), the
    # signature (RFC 7519 section 3, RFC 7515 compact serialization).
    (
        SecretKind("a JSON Web Token", "revoke it if it can still be used: it has been in a file", False),
        r"eyJ[A-Za-z0-9_-]{8,}\.ey[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}",
    ),
]

SECRET_KINDS = [kind for kind, _ in _SECRET_FORMATS]
_TOKEN = "A-Za-z0-9_-"
# Each format stands alone as a token: no token character just before it, nor (but after the private key
# header, which ends with its own dashes) just after it.
SECRET_RE = re.compile(
    "|".join(
        f"(?P<s{index}>(?<![{_TOKEN}]){pattern}{'' if kind.label == 'a private key' else f'(?![{_TOKEN}])'})"
        for index, (kind, pattern) in enumerate(_SECRET_FORMATS)
    )
)
_PREFIX = re.compile(r"(?:[a-z]+[0-9]*[-_]){1,3}")  # a vendor's prefix: sk-, sk-proj-, sk-ant-api03-, ghp_, ...

# The cheap test: each search starts with one literal character, then looks behind it for a vendor's prefix.
# "-": sk-, xox?-, glpat-, pypi-, -----BEGIN; "_": sk_/rk_live_/test_, gh?_, github_pat_, hf_, npm_; "A": AKIA,
# ASIA, AIza; "J": eyJ. bytes.find finds the character first (memchr: several times faster than the re module's
# own scan), so a text without it costs next to nothing, and the search starts there.
_SECRET_HINTS = (
    (b"-", re.compile(rb"-(?:(?<=sk-)|(?<=xox[abeoprs]-)|(?<=glpat-)|(?<=pypi-)|(?<=-----)BEGIN)").search),
    (b"_", re.compile(rb"_(?:(?<=[sr]k_)(?:live|test)_|(?<=gh[pousr]_)|(?<=github_)pat_|(?<=hf_)|(?<=npm_))").search),
    (b"A", re.compile(rb"A(?:KIA|SIA|Iza)").search),
    (b"J", re.compile(rb"J(?<=eyJ)").search),
)


def may_hold_secret(text: str | bytes) -> bool:
    """False when ``text`` (or its UTF-8: the patterns are ASCII) cannot hold a secret of any known format
    (nearly always, and cheaply)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    for char, search in _SECRET_HINTS:
        start = data.find(char)
        if start >= 0 and search(data, start):  # lookbehinds see the text before start too
            return True
    return False


def _random_enough(body: str) -> bool:
    """A key's body is random: at least two of upper case, lower case and digits, and many distinct characters
    (prose, ``xxxx`` placeholders and ``FAKEFAKE`` are not)."""
    classes = any(c.isupper() for c in body) + any(c.islower() for c in body) + any(c.isdigit() for c in body)
    return classes >= 2 and len(set(body)) >= min(12, len(body) // 2)


def find_secrets(text: str) -> Iterator[tuple[str, str, str]]:
    """(kind label, value, note) of each secret in a string."""
    if not may_hold_secret(text):
        return
    for match in SECRET_RE.finditer(text):
        group = match.lastgroup or "s0"
        kind = SECRET_KINDS[int(group[1:])]
        value = match.group()
        if kind.label.startswith("an AWS"):
            if value.endswith("EXAMPLE") or len(set(value[4:])) < 8:
                continue  # AWS's documented example key, or no random body
        elif kind.check_randomness:
            prefix = _PREFIX.match(value)
            if not _random_enough(value[prefix.end() if prefix else 0 :]):
                continue
        yield kind.label, value, ""


def secret_fix(label: str) -> str:
    return next(kind.fix for kind in SECRET_KINDS if kind.label == label)


# --- Email addresses ---------------------------------------------------------------------------------------

EMAIL_RE = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})(?![A-Za-z0-9-]|\.[A-Za-z0-9])"
)
# Reserved for documentation and tests (RFC 2606, RFC 6761): never anyone's address.
_RESERVED_TLDS = frozenset({"example", "test", "invalid", "localhost", "local"})
_RESERVED_DOMAINS = frozenset({"example.com", "example.org", "example.net", "example.edu"})
# Placeholder domains and local parts that documentation uses, and domains that are really file names
# ("logo@2x.png"), ending with a file extension rather than a top-level domain in use for mail.
_PLACEHOLDER_DOMAINS = frozenset(
    {"domain.com", "yourdomain.com", "mydomain.com", "yourcompany.com", "company.com", "acme.com"}
)
_PLACEHOLDER_LOCALS = frozenset(
    {
        "user", "username", "name", "email", "someone", "somebody", "you", "yourname", "your.name", "your-email",
        "youremail", "your_email", "firstname.lastname", "first.last", "john.doe", "jane.doe", "johndoe", "janedoe",
        "foo", "bar", "test", "me", "git", "noreply", "no-reply",
    }
)  # fmt: skip
_FILE_EXTENSIONS = frozenset(
    {
        "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "tif", "tiff", "js", "mjs", "cjs", "ts", "tsx",
        "jsx", "css", "scss", "html", "htm", "json", "yaml", "yml", "xml", "py", "md", "txt", "pdf", "gz", "tar",
        "lock", "toml", "ini", "cfg", "log", "csv", "vue", "rb", "go", "rs", "java", "kt", "swift", "php",
    }
)  # fmt: skip


def is_placeholder_email(address: str, domain: str) -> bool:
    """An address no one has: a reserved or placeholder domain, a placeholder name, or a file name."""
    domain = domain.lower()
    local = address[: address.index("@")].lower()
    top = domain.rsplit(".", 1)[-1]
    return (
        top in _RESERVED_TLDS
        or top in _FILE_EXTENSIONS
        or domain in _RESERVED_DOMAINS
        or domain.endswith((".example.com", ".example.org", ".example.net"))
        or domain in _PLACEHOLDER_DOMAINS
        or local in _PLACEHOLDER_LOCALS
    )


def find_emails(text: str) -> Iterator[tuple[str, str, str]]:
    """("email address", value, "") of each real-looking email address in a string: searched only around each
    "@", so long text with no address costs one character search."""
    at = text.find("@")
    end = 0
    while at >= 0:
        if at >= end:
            for match in EMAIL_RE.finditer(text, max(end, at - 64), at + 256):
                if match.start() <= at < match.end():
                    end = match.end()
                    if not is_placeholder_email(match.group(), match.group(1)):
                        yield "email address", match.group(), ""
                    break
        at = text.find("@", at + 1)


# --- Payment card numbers -----------------------------------------------------------------------------------

# For the cheap test: digits become "0", the separators a card may have (space, dash) "-", anything else "x".
# Every card number then shows one of these: 13 digits in a row, or (grouped) a separated group of 4 or 6 digits
# between two others.
_CARD_TABLE = bytes(
    ord("0") if byte in b"0123456789" else ord("-") if byte in b" -" else ord("x") for byte in range(256)
)
# The three shapes (0-0000-0, 0-000000-0, 0000000000000) as one pattern that starts with the four digits they
# all have: one search for a literal start, faster than one for each shape.
_CARD_SHAPES = re.compile(rb"0000(?:(?<=0-0000)(?:-0|00-0)|(?=0{9}))")


def may_hold_card(text: str | bytes) -> bool:
    """False when ``text`` (or its UTF-8) cannot hold a card number (nearly always, and cheaply)."""
    data = text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass")
    return _CARD_SHAPES.search(data.translate(_CARD_TABLE)) is not None


# 13-19 digits in a row, or groups of digits all separated by one space or one dash, the first group of 4.
CARD_RE = re.compile(
    r"(?<![0-9])(?<![0-9][ -])(?:[0-9]{13,19}|[0-9]{4}(?P<sep>[ -])[0-9]{3,6}(?:(?P=sep)[0-9]{3,6}){1,3})"
    r"(?![0-9])(?![ -][0-9])"
)

# Issuer identification numbers and lengths (ISO/IEC 7812; the brands' published ranges, as tabulated in
# Wikipedia's "Payment card number" article): (brand, prefixes as (low, high) on the first digits, lengths).
_BRANDS: list[tuple[str, list[tuple[str, str]], tuple[int, ...]]] = [
    ("American Express", [("34", "34"), ("37", "37")], (15,)),
    ("Visa", [("4", "4")], (13, 16, 19)),
    ("Mastercard", [("51", "55"), ("2221", "2720")], (16,)),
    ("Discover", [("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")], (16, 17, 18, 19)),
    ("Diners Club", [("300", "305"), ("36", "36"), ("38", "39")], (14, 15, 16, 17, 18, 19)),
    ("JCB", [("3528", "3589")], (16, 17, 18, 19)),
    ("UnionPay", [("62", "62")], (16, 17, 18, 19)),
    ("Maestro", [("50", "50"), ("56", "58"), ("6304", "6304"), ("6759", "6759"), ("676", "676")], tuple(range(12, 20))),
]

# Test numbers the card networks and payment providers publish (Stripe, Adyen, Braintree, PayPal docs).
TEST_CARDS = frozenset(
    {
        "4111111111111111", "4242424242424242", "4012888888881881", "4000056655665556", "4222222222222",
        "5555555555554444", "5105105105105100", "2223003122003222", "5200828282828210", "378282246310005",
        "371449635398431", "378734493671000", "6011111111111117", "6011000990139424", "3530111333300000",
        "3566002020360505", "30569309025904", "38520000023237", "6200000000000005",
    }
)  # fmt: skip


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_brand(digits: str) -> str | None:
    """The brand whose issuer range and length fit the number, or None."""
    for brand, ranges, lengths in _BRANDS:
        if len(digits) in lengths:
            for low, high in ranges:
                if low <= digits[: len(low)] <= high:
                    return brand
    return None


def find_cards(text: str) -> Iterator[tuple[str, str, str]]:
    """("payment card number", value, note) of each number shaped like a card, of a known issuer, passing Luhn."""
    if not may_hold_card(text):
        return
    for match in CARD_RE.finditer(text):
        digits = match.group().replace(" ", "").replace("-", "")
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and luhn_ok(digits):
            brand = card_brand(digits)
            if brand is not None:
                note = f"{brand}, a well-known test number" if digits in TEST_CARDS else brand
                yield "payment card number", match.group(), note


# --- Phone numbers and IP addresses (opt-in) -----------------------------------------------------------------

PHONE_RE = re.compile(
    # international: +, a country code, then 6 to 14 more digits in groups (E.164: at most 15 digits in all)
    r"(?<![\w+])\+[1-9][0-9]{0,2}(?:[ .-]?\(?[0-9]{1,4}\)?){2,5}(?![\w])"
    # North American: (555) 123-4567, 555-123-4567, 555.123.4567
    r"|(?<![\w.+-])(?:\([2-9][0-9]{2}\) ?|[2-9][0-9]{2}[.-])[0-9]{3}[.-][0-9]{4}(?![\w]|[.-][0-9])"
)
IPV4_RE = re.compile(
    r"(?<![\w.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![\w]|\.[0-9])"
)
IPV6_RE = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}(?::|(?::[0-9A-Fa-f]{1,4}){1,6}|[0-9A-Fa-f]{1,4})(?![\w:])")


def _is_public(address: str) -> bool:
    """A globally routable address: not private, loopback, link-local or reserved for documentation (RFC 5737,
    RFC 3849), which are nobody's."""
    try:
        return ipaddress.ip_address(address).is_global
    except ValueError:
        return False


def find_phones_and_ips(text: str) -> Iterator[tuple[str, str, str]]:
    """("phone number" | "IP address", value, "") in a string."""
    if "+" in text or "-" in text or "." in text or ")" in text:
        for match in PHONE_RE.finditer(text):
            value = match.group()
            digits = sum(c.isdigit() for c in value)
            if 7 <= digits <= 15:
                yield "phone number", value, ""
    if "." in text:
        for match in IPV4_RE.finditer(text):
            if _is_public(match.group()):
                yield "IP address", match.group(), ""
    if "::" in text or text.count(":") >= 3:
        for match in IPV6_RE.finditer(text):
            if _is_public(match.group()):
                yield "IP address", match.group(), ""


# --- Paths -----------------------------------------------------------------------------------------------------


def redact(text: str) -> str:
    """``text`` with every secret, email address, card number, phone number and IP address masked."""
    found = [
        value for find in (find_secrets, find_emails, find_cards, find_phones_and_ips) for _, value, _ in find(text)
    ]
    for value in sorted(set(found), key=len, reverse=True):
        text = text.replace(value, mask(value))
    return text


def safe_key(key: Any) -> Any:
    """A key as a JSON path may show it: masked where it holds a secret or personal data."""
    if not isinstance(key, str) or len(key) < 7:
        return key
    return redact(key)
