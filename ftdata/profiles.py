"""Target profiles: what a training service accepts, as data — limits, vocabularies, conversation rules, the
severities it changes, its epochs rule, and its models (with their limits, prices and lifecycle).

Each profile is a TOML file in ``ftdata/targets/`` (``openai.toml``, ``azure-openai.toml``, ...). A profile may
``extends = "NAME"`` another and give only the values it changes; a user adds or changes one in
``[tool.ftdata.targets.NAME]`` the same way, with plain values (``min-examples = 5``) that are recorded as
coming from their configuration. Every figure carries its source (a key of the profile's ``[sources]``,
each with a date) and whether it was verified at a primary source; loading refuses a figure without one.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, model_validator

from ftdata.catalog import USER_SOURCE, Catalog, Model, ToolTokenConstants
from ftdata.errors import ConfigError
from ftdata.figures import Count, Data, MaybeSourced, Positive, Source, Sourced, problems
from ftdata.strict import Bool, Int
from ftdata.vocabulary import ModelMethod, Role, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

DEFAULT_TARGET = "openai"


class Limits(Data):
    min_examples: Sourced[Count]  # the service refuses a training file with fewer examples
    max_examples: MaybeSourced[Positive]  # None: no published maximum
    max_file_bytes: MaybeSourced[Positive]  # of one uploaded training file
    max_trained_tokens: MaybeSourced[Positive]  # a job's tokens × epochs cap
    no_model_max_tokens: Sourced[Positive]  # tokens per example when no model is chosen
    max_images_per_example: MaybeSourced[Count]
    max_image_bytes: MaybeSourced[Positive]
    max_image_examples: MaybeSourced[Count]  # examples with images per file
    max_preference_output_messages: MaybeSourced[Positive]  # messages in each side of a preference pair


class Conversation(Data):
    """How the service wants the messages of an example laid out, beyond what every service asks."""

    alternating_turns: Sourced[Bool]  # system or user first, then user and assistant in turn
    system_first_only: Sourced[Bool]  # a system message only as the first message
    uniform_content: Sourced[Bool]  # content all strings or all part lists, never both in one example
    image_message_weights: MaybeSourced[tuple[Int, ...]]  # weights a message with images may have (None: any)


class RuleSetting(Data):
    """The severity this target gives a rule ("off": the service takes what the rule flags)."""

    severity: Severity | Literal["off"]
    source: str
    verified: Bool
    note: str | None = None


class Vocabulary(Data):
    roles: Sourced[tuple[Role, ...]]
    rft_roles: Sourced[tuple[Role, ...]]
    message_keys: Sourced[tuple[str, ...]]
    weights: Sourced[tuple[Int, ...]]  # the values a message's weight may take
    weighted_roles: Sourced[tuple[Role, ...]]  # the roles whose messages may carry a weight
    sample_weight: Sourced[Bool]  # an example may carry a top-level "weight" (a non-negative number)
    image_types: Sourced[tuple[str, ...]]  # of inline (data URL) images
    image_url_schemes: Sourced[tuple[str, ...]]  # how an image may be given: https, http, data
    image_details: Sourced[tuple[str, ...]]
    function_name: Sourced[str]  # a regular expression for tool and function names
    function_name_rule: Sourced[str]  # the same in words, for messages
    chat_keys: Sourced[tuple[str, ...]]  # top-level keys of a chat example
    preference_keys: Sourced[tuple[str, ...]]
    preference_input_keys: Sourced[tuple[str, ...]]
    prompt_completion_keys: Sourced[tuple[str, ...]]

    def top_level_keys(self, file_format: str) -> tuple[str, ...] | None:
        """The keys an example of this format may have at the top (None: any, as in RFT)."""
        found: dict[str, Sourced[tuple[str, ...]]] = {
            "chat": self.chat_keys,
            "preference": self.preference_keys,
            "prompt-completion": self.prompt_completion_keys,
        }
        entry = found.get(file_format)
        return entry.value if entry else None


class EpochsRule(Data):
    """How the service picks the epochs when the job does not say: OpenAI's ``n_epochs: "auto"`` rule, a
    fixed default, or unknown (the job must say: ``--epochs``)."""

    rule: Literal["auto", "fixed", "unknown"]
    default: Positive | None = None  # "fixed"
    target: Positive | None = None  # "auto": the rest too
    min_target_examples: Count | None = None
    max_target_examples: Positive | None = None
    min_epochs: Positive | None = None
    max_epochs: Positive | None = None
    source: str
    verified: Bool
    note: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> EpochsRule:
        auto = (self.target, self.min_target_examples, self.max_target_examples, self.min_epochs, self.max_epochs)
        if self.rule == "auto" and None in auto:
            raise ValueError("an 'auto' epochs rule needs target, min/max-target-examples and min/max-epochs")
        if self.rule == "fixed" and self.default is None:
            raise ValueError("a 'fixed' epochs rule needs its default")
        if self.rule == "unknown" and not self.note:
            raise ValueError("an 'unknown' epochs rule needs a note saying what was searched")
        return self

    def epochs_for(self, examples: int) -> int | None:
        """The epochs the service picks for a training file of this many examples (None: unknown)."""
        if self.rule == "fixed":
            return self.default
        if self.rule == "unknown":
            return None
        assert self.target and self.max_target_examples and self.min_epochs and self.max_epochs
        assert self.min_target_examples is not None
        if examples <= 0:
            return self.target
        if examples * self.target < self.min_target_examples:
            return min(self.max_epochs, self.min_target_examples // examples)
        if examples * self.target > self.max_target_examples:
            return max(self.min_epochs, self.max_target_examples // examples)
        return self.target


class Training(Data):
    """How the trainer (or the service) trains an open-weight model: examples rendered with the model's chat
    template, a maximum length, what happens past it, what the loss covers, and whether weights count."""

    max_length: MaybeSourced[Positive]  # tokens per example (None: the model's own limit)
    over_length: MaybeSourced[Literal["truncate", "drop"]]  # truncate keeps the start (None: not published)
    train_on: Sourced[Literal["all", "assistant", "last"]]  # what the loss covers by default
    weights: Sourced[Bool]  # a message's weight 0 takes it out of the loss
    tool_arguments: Sourced[Literal["string", "mapping"]]  # how a tool call's arguments reach the template
    # how the assistant's turns are found: the template's {% generation %} blocks (TRL's training templates;
    # refused where there are none, as TRL refuses), or each turn by the trainer itself (Axolotl)
    masks: Literal["generation-blocks", "turns"] = "generation-blocks"
    open_models: Bool = False  # every open-weight model ftdata knows (ftdata/open-models.toml) is a model here
    methods: tuple[ModelMethod, ...] = ("sft", "dpo", "prompt-completion")  # of those models
    note: str | None = None


class Profile(Data):
    schema_version: Literal[1]
    name: str
    title: str
    extends: str | None = None
    note: str | None = None
    sources: dict[str, Source]
    limits: Limits
    vocabulary: Vocabulary
    conversation: Conversation
    rules: dict[str, RuleSetting] = Field(default_factory=dict)  # by rule name or code
    epochs: EpochsRule
    training: Training | None = None  # open-weight models rendered with their chat templates (trainers)
    prices_taken: str
    tool_token_constants: dict[str, ToolTokenConstants]
    models: dict[str, Model]
    user_models: dict[str, dict[str, Any]] = Field(
        default_factory=dict
    )  # a user target's models, as [tool.ftdata.models] writes them
    user_where: str = ""
    _catalog: Catalog | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _every_figure_sourced(self) -> Profile:
        for where, source in _source_keys(self.model_dump(exclude={"user_models"})):
            if source not in self.sources:
                raise ValueError(f"{where}: source {source!r} is not in [sources]")
        for name, model in self.models.items():
            if model.tool_tokens not in self.tool_token_constants:
                raise ValueError(f"models.{name}: tool-tokens {model.tool_tokens!r} is not in [tool-token-constants]")
        return self

    @property
    def catalog(self) -> Catalog:
        """The models this target fine-tunes, as a catalog (with a user target's own models laid over)."""
        if self._catalog is None:
            catalog = Catalog(
                target=self.name,
                prices_taken=self.prices_taken,
                sources=self.sources,
                tool_token_constants=self.tool_token_constants,
                models=(
                    *(model.model_copy(update={"name": name}) for name, model in self.models.items()),
                    *self._open_models(),
                ),
            )
            where = f"{self.user_where} [tool.ftdata.targets.{self.name}.models]".strip()
            self._catalog = catalog.with_user_models(self.user_models, where)
        return self._catalog

    def _open_models(self) -> tuple[Model, ...]:
        """A trainer's models: every open-weight model ftdata has files for, with the trainer's maximum length."""
        training = self.training
        if training is None or not training.open_models:
            return ()
        from ftdata.openmodels import families

        known = set(self.models)
        return tuple(
            self.open_model(repo, f"{family.title}: counted with its own tokenizer and chat template")
            for family in families()
            for repo in family.repos
            if repo not in known
        )

    def open_model(self, repo: str, note: str | None = None) -> Model:
        """A model of a local trainer, named by its Hugging Face repo id (its files found as any model's)."""
        assert self.training is not None
        return Model(
            name=repo,
            open_weight=True,
            tokenizer=repo,
            encoding="o200k_base",
            tool_tokens=next(iter(self.tool_token_constants)),
            max_tokens_per_example=self.training.max_length,
            methods=self.training.methods,
            note=note,
        )

    @property
    def short_title(self) -> str:
        """The title without its parenthesis ("TRL" of "TRL (SFTTrainer), local training"), for messages."""
        return self.title.split(" (")[0]

    @property
    def local(self) -> bool:
        """A trainer on the user's own machine (it trains any open-weight model; nothing is priced per token)."""
        return self.training is not None and self.training.open_models

    @property
    def formats(self) -> tuple[str, ...]:
        """The file formats some model of this target trains."""
        return tuple(dict.fromkeys(f for model in self.catalog.models for f in model.formats))


def _source_keys(data: Any, where: str = "") -> list[tuple[str, str]]:
    if not isinstance(data, dict):
        return []
    found = [(where or "profile", data["source"])] if isinstance(data.get("source"), str) else []
    for key, value in data.items():
        if key != "sources":
            found += _source_keys(value, f"{where}.{key}" if where else key)
    return found


@functools.cache
def shipped_profiles() -> dict[str, dict[str, Any]]:
    """The profiles shipped in ``ftdata/targets/``, as raw TOML tables by name."""
    found = {}
    for entry in resources.files("ftdata").joinpath("targets").iterdir():
        if entry.name.endswith(".toml"):
            table = tomllib.loads(entry.read_text(encoding="utf-8"))
            found[table["name"]] = table
    return found


def load_profile(name: str, user_targets: Mapping[str, Mapping[str, Any]] | None = None, where: str = "") -> Profile:
    """The profile ``name`` (shipped, or from the user's ``[tool.ftdata.targets]``) with what it extends."""
    if not user_targets:
        return _shipped_profile(name)
    label = f"{where} [tool.ftdata.targets.{name}]".strip() if name in user_targets else f"target {name!r}"
    return _validate(_resolve(name, user_targets, where, ()), label)


@functools.cache
def _shipped_profile(name: str) -> Profile:
    return _validate(_resolve(name, {}, "", ()), f"ftdata/targets/{name}.toml")


def _validate(raw: Mapping[str, Any], label: str) -> Profile:
    # `"NAME" = false` under [models]: a model the profile extended from is not offered by this one
    models = {name: entry for name, entry in raw.get("models", {}).items() if entry is not False}
    try:
        return Profile.model_validate({**raw, "models": models})
    except ValidationError as exc:
        raise ConfigError(f"{label}: {problems(exc)}") from None


def known_targets(user_targets: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
    return sorted({*shipped_profiles(), *(user_targets or {})})


def _resolve(
    name: str, user_targets: Mapping[str, Mapping[str, Any]], where: str, seen: tuple[str, ...]
) -> dict[str, Any]:
    """The raw table of a target with everything it extends laid under it."""
    if name in seen:
        raise ConfigError(f"targets extend each other in a circle: {' -> '.join((*seen, name))}")
    user = user_targets.get(name)
    shipped = shipped_profiles().get(name)
    if user is None:
        if shipped is None:
            raise ConfigError(
                f"unknown target {name!r} (known: {', '.join(known_targets(user_targets))}); add your own under "
                f'[tool.ftdata.targets.{name}] with extends = "{DEFAULT_TARGET}"'
            )
        parent = shipped.get("extends")
        base = _resolve(parent, {}, where, (*seen, name)) if parent else {}
        return _merge(base, shipped)
    label = f"{where} [tool.ftdata.targets.{name}]".strip()
    parent = user.get("extends")
    if parent == name:
        parent = None  # extends itself: the shipped target of that name, changed
    if parent is None and shipped is None:
        raise ConfigError(
            f'{label}: a new target needs extends = "NAME" (one of {", ".join(known_targets())}) to start from'
        )
    if parent is not None and not isinstance(parent, str):
        raise ConfigError(f"{label}: 'extends' must be the name of a target")
    # Without 'extends', a table named like a shipped target changes that target.
    base = _resolve(name, {}, where, seen) if parent is None else _resolve(parent, user_targets, where, (*seen, name))
    source = f"{USER_SOURCE}:{name}"  # each table of the user's its own source, so figures say whose they are
    changes = {key: value for key, value in user.items() if key not in ("extends", "models", "rules")}
    merged = _merge(base, changes, source=source)
    merged["rules"] = {**merged.get("rules", {}), **_user_rules(user.get("rules", {}), source, label, name)}
    models = user.get("models", {})
    if not isinstance(models, Mapping) or not all(isinstance(entry, Mapping) for entry in models.values()):
        raise ConfigError(f"{label}: 'models' must be tables of models ([tool.ftdata.targets.{name}.models.NAME])")
    merged["user-models"] = {**merged.get("user-models", {}), **models}
    merged["user-where"] = where
    merged["name"] = name
    merged["extends"] = parent if parent is not None else base.get("extends")
    merged["sources"] = {
        **merged.get("sources", {}),
        source: {"title": f"your configuration, {label}", "date": "as configured"},
    }
    return merged


def _user_rules(rules: Any, source: str, label: str, name: str) -> dict[str, dict[str, Any]]:
    """A user's ``rules`` table: ``RULE = "off"`` (or a severity), or ``RULE = { severity = "off" }``."""
    if not isinstance(rules, Mapping):
        raise ConfigError(f"{label}: 'rules' must be a table such as {{ byte-order-mark = \"off\" }}")
    found = {}
    for rule, setting in rules.items():
        severity = setting.get("severity") if isinstance(setting, Mapping) else setting
        note = setting.get("note") if isinstance(setting, Mapping) else None
        found[rule] = {"severity": severity, "source": source, "verified": True, **({"note": note} if note else {})}
    return found


def _merge(base: Mapping[str, Any], over: Mapping[str, Any], *, source: str | None = None) -> dict[str, Any]:
    """``over`` laid on ``base``. With ``source`` (a user's table), a figure the user changes is theirs:
    a plain value becomes ``{value, source, verified = true}``, and so does a sourced group they change."""
    merged = dict(base)
    for key, value in over.items():
        current = merged.get(key)
        if source and isinstance(current, dict) and "source" in current and not isinstance(value, dict):
            merged[key] = {"value": value, "source": source, "verified": True}  # a figure (known or not) of theirs
        elif isinstance(current, dict) and isinstance(value, dict) and (source or "source" not in value):
            # a shipped profile's sourced figure replaces the one it extends whole (no value of one source
            # left beside another's); a user's change is laid over it and becomes theirs
            merged[key] = _merge(current, value, source=source)
        else:
            merged[key] = value
    if source and "source" in merged and "source" not in over and set(over) - {"verified"}:
        merged["source"], merged["verified"] = source, True
        if "note" not in over:  # the shipped figure's note spoke of the shipped figure
            merged.pop("note", None)
    return merged
