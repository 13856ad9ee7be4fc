"""The model catalog: which models can be fine-tuned, their encodings, limits, prices and lifecycle.

The figures live in ``catalog.json`` beside this module, each with its source (title and date) and whether
it was verified; this module loads and validates that file, merges the models a user adds or overrides in
``[tool.ftdata.models]``, and resolves names (snapshots, aliases and ``ft:`` names).
"""

from __future__ import annotations

import datetime
import difflib
import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError

from ftdata.errors import ConfigError, UnknownModelError
from ftdata.strict import Bool, Int, Number
from ftdata.vocabulary import Format, ModelMethod

METHOD_FORMATS: dict[ModelMethod, tuple[Format, ...]] = {
    "sft": ("chat",),
    "vision": ("chat",),
    "rft": ("chat",),
    "dpo": ("preference",),
    "prompt-completion": ("prompt-completion",),
}
USER_SOURCE = "config"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(_Strict):
    title: str
    date: str


class SourcedInt(_Strict):
    value: int = Field(gt=0)
    source: str
    verified: bool


class Price(_Strict):
    usd: float = Field(ge=0)
    per: Literal["1M tokens", "hour"]
    source: str
    verified: bool


class Lifecycle(_Strict):
    new_jobs_end: datetime.date | None = None  # last day new fine-tuning jobs can start
    shutdown: datetime.date | None = None
    source: str
    verified: bool


class ToolTokenConstants(_Strict):
    """Per-definition token overheads of the tools/functions block (cookbook recipe, FACTS.md §4)."""

    func_init: int
    prop_init: int
    prop_key: int
    enum_init: int
    enum_item: int
    func_end: int
    source: str
    verified: bool


class Model(_Strict):
    name: str
    aliases: tuple[str, ...] = ()
    encoding: Literal["o200k_base", "cl100k_base"]
    tool_tokens: str
    max_tokens_per_example: SourcedInt
    training_price: Price | None = None
    methods: tuple[ModelMethod, ...]
    lifecycle: Lifecycle | None = None

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


class Catalog(_Strict):
    schema_version: Literal[1]
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
                f"unknown model {name!r}.{hint} Known models: {', '.join(m.name for m in self.models)}. "
                "Aliases such as gpt-4o-mini and fine-tuned names (ft:BASE:...) work too; "
                "add a model of your own under [tool.ftdata.models] ('ftdata models' lists the catalog)."
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

    def _index(self) -> dict[str, Model]:
        if not self._by_name:
            for model in self.models:
                for key in (model.name, *model.aliases):
                    self._by_name[key] = model
        return self._by_name

    def with_user_models(self, table: Mapping[str, Mapping[str, Any]], where: str) -> Catalog:
        """A catalog with the user's models added, or the user's figures laid over existing ones."""
        if not table:
            return self
        models = list(self.models)
        sources = {**self.sources, USER_SOURCE: Source(title=f"your configuration, {where}", date="as configured")}
        for name, raw in table.items():
            try:
                spec = UserModel.model_validate(dict(raw))
            except ValidationError as exc:
                problems = "; ".join(f"'{'.'.join(map(str, e['loc']))}': {e['msg']}" for e in exc.errors())
                raise ConfigError(f"{where}: model {name!r}: {problems}") from None
            existing = self._index().get(name)
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
            model = _apply(name, spec, template, where, overrides=existing is not None)
            if existing is not None:
                models[models.index(existing)] = model
            else:
                models.append(model)
        data = self.model_dump()
        data.update(models=[m.model_dump() for m in models], sources={k: v.model_dump() for k, v in sources.items()})
        return Catalog.model_validate(data)


def _apply(name: str, spec: UserModel, template: Model | None, where: str, *, overrides: bool) -> Model:
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
            "tool_tokens": "gpt-4o",
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


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with ftdata (validated once per process)."""
    text = resources.files("ftdata").joinpath("catalog.json").read_text(encoding="utf-8")
    return Catalog.model_validate(json.loads(text))
