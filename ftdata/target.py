"""The target: where a fine-tuning job will run — the service's profile, the model, its limit and its counter.

A :class:`Target` is built once per run from the settings and is what rules see as ``ctx.target``: service
facts come from its profile (``ftdata/targets/*.toml``), model facts from the catalog, tokens from its
counter. The same rules judge a file for any service; only the target changes.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ftdata.catalog import Catalog, Model, load_catalog
from ftdata.config import Settings
from ftdata.cost import CostEstimate, TokenCounts, price_examples
from ftdata.encodings import SPECIAL_TOKENS
from ftdata.errors import ConfigError
from ftdata.profiles import DEFAULT_TARGET, Limits, Profile, Vocabulary, load_profile
from ftdata.tokens import DEFAULT_COUNTING_MODEL, TokenCounter, counter_for
from ftdata.vocabulary import Method

_ANY_ENCODING = tuple(sorted({token for tokens in SPECIAL_TOKENS.values() for token in tokens}))


def today() -> datetime.date:
    """Today's date, as the rules about model lifecycles see it: the system's, or ``FTDATA_TODAY``
    (YYYY-MM-DD) to check a job as of another day — to plan one, or to keep a CI run's verdict fixed."""
    pinned = os.environ.get("FTDATA_TODAY")
    if pinned:
        try:
            return datetime.date.fromisoformat(pinned)
        except ValueError:
            raise ConfigError(f"FTDATA_TODAY={pinned!r} is not a date: write it as YYYY-MM-DD") from None
    return datetime.date.today()


@dataclass(frozen=True)
class Target:
    """Where the job will run, and everything about it that checking and pricing need."""

    profile: Profile
    catalog: Catalog
    model: Model | None  # None: no model chosen (counted as DEFAULT_COUNTING_MODEL, no price)
    max_tokens: int  # tokens per training example before the service truncates
    max_tokens_source: Literal["model", "option", "default"]  # the model's, set by the user, or no model's
    counter: TokenCounter
    today: datetime.date  # as the lifecycle rules see it
    method: Method | None = None
    epochs: int | None = None  # None: the service's own rule (profile.epochs)

    @property
    def limits(self) -> Limits:
        return self.profile.limits

    @property
    def vocabulary(self) -> Vocabulary:
        return self.profile.vocabulary

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """The special tokens of the model's encoding (of every encoding when no model is chosen)."""
        return SPECIAL_TOKENS.get(self.model.encoding, _ANY_ENCODING) if self.model else _ANY_ENCODING

    def price(self, token_counts: TokenCounts) -> CostEstimate:
        """What training a file of examples with these token counts costs on this target."""
        return price_examples(
            token_counts,
            model=self.model,
            max_tokens=self.max_tokens,
            epochs=self.epochs,
            catalog=self.catalog,
            epochs_rule=self.profile.epochs,
        )

    def for_model(self, model: Model, settings: Settings) -> Target:
        """The same target with another model (its own limit and counter)."""
        return build_target(settings, catalog=self.catalog, profile=self.profile, model=model)


def catalog_for(settings: Settings, config_root: Path | None = None) -> Catalog:
    """The shipped catalog with the user's [tool.ftdata.models] laid over it."""
    where = f"the configuration in {config_root} [tool.ftdata.models]" if config_root else "[tool.ftdata.models]"
    return load_catalog().with_user_models(settings.models, where)


def profile_for(settings: Settings, config_root: Path | None = None) -> Profile:
    """The service profile the settings name (``target``), with the user's [tool.ftdata.targets]."""
    where = f"the configuration in {config_root}" if config_root else ""
    return load_profile(settings.target or DEFAULT_TARGET, settings.targets, where)


def build_target(
    settings: Settings,
    config_root: Path | None = None,
    *,
    catalog: Catalog | None = None,
    profile: Profile | None = None,
    model: Model | None = None,
) -> Target:
    """The target the settings describe (the model, when given, instead of the settings' one)."""
    if settings.encodings_dir is not None and not os.path.isdir(settings.encodings_dir):
        raise ConfigError(
            f"encodings-dir {settings.encodings_dir}: no such folder; point it at a folder of <encoding>.tiktoken files"
        )
    catalog = catalog or catalog_for(settings, config_root)
    profile = profile or profile_for(settings, config_root)
    if model is None and settings.model:
        model = catalog.resolve(settings.model)
    source: Literal["model", "option", "default"]
    if settings.max_tokens_per_example:
        max_tokens, source = settings.max_tokens_per_example, "option"
    elif model is not None:
        max_tokens, source = model.max_tokens_per_example.value, "model"
    else:
        max_tokens, source = profile.limits.no_model_max_tokens.value, "default"
    counter = counter_for(
        model.name if model else DEFAULT_COUNTING_MODEL,
        catalog=catalog,
        encodings_dir=settings.encodings_dir,
        allow_download=settings.allow_download,
    )
    return Target(
        profile=profile,
        catalog=catalog,
        model=model,
        max_tokens=max_tokens,
        max_tokens_source=source,
        counter=counter,
        method=settings.method,
        epochs=settings.epochs,
        today=today(),
    )
