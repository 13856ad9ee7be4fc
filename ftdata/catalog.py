"""A target's model catalog: which models it fine-tunes, their encodings, limits, prices and lifecycle.

The figures live in each target's profile (``ftdata/targets/NAME.toml``, table ``[models]``), each with its
source (title and date) and whether it was verified; :mod:`ftdata.profiles` loads them into a
:class:`Catalog`, which merges the models a user adds or overrides (``[tool.ftdata.models]``, or
``[tool.ftdata.targets.NAME.models]``) and resolves names (snapshots, aliases and ``ft:`` names).
"""

from __future__ import annotations

import datetime
import difflib
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, model_validator

from ftdata.errors import ConfigError, UnknownModelError
from ftdata.figures import Data, MaybeSourced, Positive, Source, problems
from ftdata.strict import Bool, Int, Number
from ftdata.vocabulary import Format, ModelMethod

METHOD_FORMATS: dict[ModelMethod, tuple[Format, ...]] = {
    "sft": ("chat",),
    "vision": ("chat",),
    "rft": ("rft",),
    "dpo": ("preference",),
    "prompt-completion": ("prompt-completion",),
}
USER_SOURCE = "config"


SourcedInt = MaybeSourced[Positive]  # a limit in tokens (None: not published, with a note)


class Price(Data):
    usd: Number | None = Field(default=None, ge=0)  # None: not published (see note)
    per: Literal["1M tokens", "hour"]
    source: str
    verified: Bool
    note: str | None = None

    @model_validator(mode="after")
    def _known_or_noted(self) -> Price:
        if self.usd is None and not self.note:
            raise ValueError("an unknown price needs a note saying what was searched")
        return self


class Lifecycle(Data):
    new_jobs_end: datetime.date | None = None  # last day new fine-tuning jobs can start
    shutdown: datetime.date | None = None
    at_least: Bool = False  # the service says "no earlier than" new_jobs_end: it may train longer
    existing_customers_only: Bool = False  # only customers who already fine-tune may start jobs
    source: str
    verified: Bool
    note: str | None = None


class ToolTokenConstants(Data):
    """Per-definition token overheads of the tools/functions block (cookbook recipe, FACTS.md §4)."""

    func_init: Int
    prop_init: Int
    prop_key: Int
    enum_init: Int
    enum_item: Int
    func_end: Int
    source: str
    verified: Bool


class Model(Data):
    name: str = ""  # the key of its table in the profile
    aliases: tuple[str, ...] = ()
    encoding: Literal["o200k_base", "cl100k_base"]  # counts with it are exact unless the model has a tokenizer
    open_weight: Bool = False  # counted with `encoding` as an estimate until its own tokenizer is read
    tokenizer: str | None = None  # an open-weight model's own tokenizer (a Hugging Face repo id), where known
    tool_tokens: str
    max_tokens_per_example: SourcedInt
    dpo_max_tokens_per_example: SourcedInt | None = None  # where preference examples have their own limit
    training_price: Price | None = None
    dpo_training_price: Price | None = None  # where preference training is priced apart
    methods: tuple[ModelMethod, ...]
    lifecycle: Lifecycle | None = None
    note: str | None = None

    @property
    def exact_counts(self) -> bool:
        """Whether this model's tokens are exact with its ``encoding``: an open-weight model's are exact only
        when counted with its own tokenizer and chat template (``Target.exact_counts`` says which it was)."""
        return not self.open_weight

    def price_for(self, file_format: Format | None) -> Price | None:
        return (self.dpo_training_price or self.training_price) if file_format == "preference" else self.training_price

    def max_tokens_for(self, file_format: Format | None) -> SourcedInt:
        limit = self.dpo_max_tokens_per_example if file_format == "preference" else None
        return limit or self.max_tokens_per_example

    @property
    def formats(self) -> tuple[Format, ...]:
        """The file formats the model's methods take (chat, preference, prompt-completion)."""
        return tuple(dict.fromkeys(f for method in self.methods for f in METHOD_FORMATS[method]))


class UserModel(BaseModel):
    """A model added or changed in ``[tool.ftdata.models.NAME]`` (keys with '-' for '_')."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=lambda n: n.replace("_", "-"))

    base: str | None = None  # copy every figure from this catalog model, then apply the rest
    override: Bool = False  # its name or aliases may be a catalog model's: it replaces that model
    aliases: tuple[str, ...] | None = None
    encoding: Literal["o200k_base", "cl100k_base"] | None = None
    max_tokens_per_example: Int | None = Field(default=None, gt=0, le=100_000_000)
    price_per_million: Number | None = Field(default=None, ge=0)  # USD per 1M trained tokens
    price_per_hour: Number | None = Field(default=None, ge=0)
    methods: tuple[ModelMethod, ...] | None = None
    new_jobs_end: datetime.date | None = None
    shutdown: datetime.date | None = None


class Catalog(Data):
    """One target's models (built from its profile by :mod:`ftdata.profiles`)."""

    target: str
    prices_taken: str
    sources: dict[str, Source]
    tool_token_constants: dict[str, ToolTokenConstants]
    models: tuple[Model, ...]
    _by_name: dict[str, Model] = PrivateAttr(default_factory=dict)

    def resolve(self, name: str) -> Model:
        """Return the catalog entry for a snapshot name, an alias, or a fine-tuned ``ft:`` model name.

        Fine-tuning a fine-tuned model uses its base model's limits and prices, so
        ``ft:gpt-4o-mini-2024-07-18:org:suffix:id`` resolves to ``gpt-4o-mini-2024-07-18``.
        """
        wanted = name.strip()
        if wanted.startswith("ft:"):
            parts = wanted.split(":")
            if len(parts) < 2 or not parts[1]:
                raise UnknownModelError(
                    f"cannot read the base model from fine-tuned model name {name!r}; "
                    "expected 'ft:<base-model>:<org>:<suffix>:<id>'"
                )
            wanted = parts[1]
        found = self._index().get(wanted)
        if found is None:
            close = difflib.get_close_matches(wanted, sorted(self._index()), n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownModelError(
                f"unknown model {name!r} on target {self.target}.{hint} Known models: "
                f"{', '.join(m.name for m in self.models) or 'none'}. Aliases and fine-tuned names (ft:BASE:...) "
                f"work too; add a model of your own under [tool.ftdata.models] ('ftdata models --target "
                f"{self.target}' lists them; 'ftdata targets' lists the targets)."
            )
        return found

    def tool_constants(self, model: Model) -> ToolTokenConstants:
        return self.tool_token_constants[model.tool_tokens]

    def source_text(self, key: str) -> str:
        """'title (date)' for a source key."""
        source = self.sources.get(key)
        if source is None:
            return "your configuration" if key == USER_SOURCE else key
        return f"{source.title} ({source.date})"

    def _fits(self, spec: UserModel) -> bool:
        """Whether a new model can be made here: from a base this catalog has, or from its own figures."""
        if spec.base:
            try:
                self.resolve(spec.base)  # the names resolve() takes: snapshots, aliases, ft: names
            except UnknownModelError:
                return False
            return True
        return spec.encoding is not None and spec.max_tokens_per_example is not None

    def _index(self) -> dict[str, Model]:
        if not self._by_name:
            for model in self.models:
                for key in (model.name, *model.aliases):
                    self._by_name[key] = model
        return self._by_name

    def with_user_models(
        self, table: Mapping[str, Mapping[str, Any]], where: str, *, only_fitting: bool = False
    ) -> Catalog:
        """A catalog with the user's models added, or the user's figures laid over existing ones.

        ``only_fitting``: leave out the entries that change or start from a model this catalog does not
        have, and new models without an encoding or limit (``[tool.ftdata.models]`` is written for the
        default target; on another one, only what fits it applies)."""
        if not table:
            return self
        models = list(self.models)
        sources = {**self.sources, USER_SOURCE: Source(title=f"your configuration, {where}", date="as configured")}
        for name, raw in table.items():
            try:
                spec = UserModel.model_validate(dict(raw))
            except ValidationError as exc:
                raise ConfigError(f"{where}: model {name!r}: {problems(exc)}") from None
            existing = self._index().get(name)
            if only_fitting and existing is None and not self._fits(spec):
                continue
            if existing is not None and spec.base and not spec.override:
                raise ConfigError(
                    f"{where}: model {name!r} is already a catalog name ({existing.name}); to change that model's "
                    f"figures leave out 'base', to start a new model from {spec.base} give it a name of its own, "
                    "or say override = true to replace it"
                )
            index = self._index()
            taken = [alias for alias in spec.aliases or () if alias in index and index[alias] != existing]
            if taken and not spec.override:
                raise ConfigError(
                    f"{where}: model {name!r}: the alias(es) {', '.join(taken)} already name catalog models; "
                    "choose other aliases, or say override = true to take them over"
                )
            template = existing or (self.resolve(spec.base) if spec.base else None)
            tools = "gpt-4o" if "gpt-4o" in self.tool_token_constants else next(iter(self.tool_token_constants))
            model = _apply(name, spec, template, where, overrides=existing is not None, tool_tokens=tools)
            if existing is not None:
                models[models.index(existing)] = model
            else:
                models.append(model)
        data = self.model_dump()
        data.update(models=[m.model_dump() for m in models], sources={k: v.model_dump() for k, v in sources.items()})
        return Catalog.model_validate(data)


def _apply(
    name: str, spec: UserModel, template: Model | None, where: str, *, overrides: bool, tool_tokens: str
) -> Model:
    """The model ``spec`` describes: ``template``'s figures (if any) with the user's laid over them."""
    if template is None:
        missing = [
            key
            for key, value in (("encoding", spec.encoding), ("max-tokens-per-example", spec.max_tokens_per_example))
            if value is None
        ]
        if missing:
            raise ConfigError(
                f"{where}: new model {name!r} needs {' and '.join(missing)} (or 'base' = a catalog model to start from)"
            )
    if spec.price_per_million is not None and spec.price_per_hour is not None:
        raise ConfigError(f"{where}: model {name!r}: give price-per-million or price-per-hour, not both")
    data: dict[str, Any] = (
        template.model_dump()
        if template
        else {
            "name": name,
            "tool_tokens": tool_tokens,  # the target's gpt-4o overheads (or its estimate)
            "methods": ("sft",),
        }
    )
    if not overrides:  # a new model (perhaps derived from a base) has its own name, aliases and lifecycle
        data["name"] = name
        data["aliases"] = ()
        data["lifecycle"] = None
    if spec.aliases is not None:
        data["aliases"] = spec.aliases
    if spec.encoding is not None:
        data["encoding"] = spec.encoding
    if spec.max_tokens_per_example is not None:
        data["max_tokens_per_example"] = {"value": spec.max_tokens_per_example, "source": USER_SOURCE, "verified": True}
    if spec.price_per_million is not None:
        data["training_price"] = {
            "usd": spec.price_per_million,
            "per": "1M tokens",
            "source": USER_SOURCE,
            "verified": True,
        }
    if spec.price_per_hour is not None:
        data["training_price"] = {"usd": spec.price_per_hour, "per": "hour", "source": USER_SOURCE, "verified": True}
    if spec.methods is not None:
        data["methods"] = spec.methods
    if spec.new_jobs_end is not None or spec.shutdown is not None:
        data["lifecycle"] = {
            "new_jobs_end": spec.new_jobs_end,
            "shutdown": spec.shutdown,
            "source": USER_SOURCE,
            "verified": True,
        }
    return Model.model_validate(data)


def load_catalog(target: str | None = None) -> Catalog:
    """The models a shipped target fine-tunes (default: the default target's), validated once per process."""
    from ftdata.profiles import DEFAULT_TARGET, load_profile

    return load_profile(target or DEFAULT_TARGET).catalog
