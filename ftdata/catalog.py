"""The model catalog: which models can be fine-tuned, their encodings, limits and prices.

The figures live in ``catalog.json`` beside this module, each with its source and whether it was
verified; this module only loads and validates that file and resolves names (aliases and ``ft:`` names).
"""

from __future__ import annotations

import difflib
import functools
import json
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from ftdata.errors import UnknownModelError

Method = Literal["sft", "dpo", "rft", "vision", "prompt-completion"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


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
    new_jobs_end: str | None = None
    shutdown: str | None = None
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
    encoding: str
    tool_tokens: str
    max_tokens_per_example: SourcedInt
    training_price: Price | None = None
    methods: tuple[Method, ...]
    lifecycle: Lifecycle | None = None


class Catalog(_Strict):
    schema_version: Literal[1]
    prices_taken: str
    sources: dict[str, str]
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
            known = sorted(self._index())
            close = difflib.get_close_matches(wanted, known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            raise UnknownModelError(
                f"unknown model {name!r}.{hint} Known models: {', '.join(m.name for m in self.models)}. "
                "Run 'ftdata models' for the catalog, or add your model under [tool.ftdata] in pyproject.toml."
            )
        return found

    def tool_constants(self, model: Model) -> ToolTokenConstants:
        return self.tool_token_constants[model.tool_tokens]

    def _index(self) -> dict[str, Model]:
        if not self._by_name:
            for model in self.models:
                for key in (model.name, *model.aliases):
                    self._by_name[key] = model
        return self._by_name


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with ftdata (validated once per process)."""
    text = resources.files("ftdata").joinpath("catalog.json").read_text(encoding="utf-8")
    return Catalog.model_validate(json.loads(text))
