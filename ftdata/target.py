"""The target: where a fine-tuning job will run — the service's profile, the model, its limit and its counter.

A :class:`Target` is built once per run from the settings and is what rules see as ``ctx.target``: service
facts come from its profile (``ftdata/targets/*.toml``), model facts from the catalog, tokens from its
counter. The same rules judge a file for any service; only the target changes.
"""

from __future__ import annotations

import datetime
import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ftdata.catalog import Catalog, Model
from ftdata.config import Settings
from ftdata.cost import CostEstimate, TokenCounts, price_examples
from ftdata.encodings import SPECIAL_TOKENS
from ftdata.errors import ConfigError, UnknownModelError
from ftdata.openmodels import RenderedCounter, is_repo_id, rendered_counter
from ftdata.profiles import DEFAULT_TARGET, Limits, Profile, Vocabulary, known_targets, load_profile
from ftdata.tokens import TokenCounter, counter_for
from ftdata.vocabulary import Format, Method

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
    model: Model | None  # None: no model chosen (counted as tokens.DEFAULT_COUNTING_MODEL, no price)
    max_tokens: int  # tokens per training example before the service truncates
    max_tokens_source: Literal["model", "option", "default"]  # the model's, set by the user, or no model's
    counter: TokenCounter | RenderedCounter  # RenderedCounter: an open-weight model's own template and tokenizer
    today: datetime.date  # as the lifecycle rules see it
    method: Method | None = None
    epochs: int | None = None  # None: the service's own rule (profile.epochs)
    user_targets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # [tool.ftdata.targets]
    where: str = ""  # where the user's targets come from, for errors

    @functools.cached_property
    def others(self) -> tuple[Profile, ...]:
        """Every other target, shipped or the user's (to say where a model still trains), loaded once."""
        return tuple(
            load_profile(name, self.user_targets, self.where)
            for name in known_targets(self.user_targets)
            if name != self.profile.name
        )

    @property
    def exact_counts(self) -> bool:
        """Whether the counts are exact: the model's own encoding, or an open-weight model's own chat template
        and tokenizer (else estimates made with o200k_base)."""
        return isinstance(self.counter, RenderedCounter) or self.model is None or self.model.exact_counts

    @property
    def drops_over_length(self) -> bool:
        """Whether the trainer drops an example longer than the maximum length (else it truncates it)."""
        training = self.profile.training
        return training is not None and training.over_length.value == "drop"

    @property
    def rendered(self) -> RenderedCounter | None:
        """The open-weight model's counter, when examples are rendered with its chat template."""
        return self.counter if isinstance(self.counter, RenderedCounter) else None

    @property
    def limits(self) -> Limits:
        return self.profile.limits

    @property
    def vocabulary(self) -> Vocabulary:
        return self.profile.vocabulary

    def max_tokens_for(self, file_format: Format | None) -> int:
        """Tokens per example before truncation, for a file of this format (a model may hold preference
        examples to a limit of their own)."""
        if self.max_tokens_source == "model" and self.model is not None:
            return self.model.max_tokens_for(file_format).value or self.max_tokens
        return self.max_tokens

    @property
    def special_tokens(self) -> tuple[str, ...]:
        """The special tokens of the model's encoding (of every encoding when no model is chosen)."""
        return SPECIAL_TOKENS.get(self.model.encoding, _ANY_ENCODING) if self.model else _ANY_ENCODING

    def price(self, token_counts: TokenCounts, file_format: Format | None = None) -> CostEstimate:
        """What training a file of examples (of this format) with these token counts costs on this target."""
        return price_examples(
            token_counts,
            model=self.model,
            max_tokens=self.max_tokens_for(file_format),
            epochs=self.epochs,
            catalog=self.catalog,
            epochs_rule=self.profile.epochs,
            file_format=file_format,
            drop=self.drops_over_length,
        )

    def for_model(self, model: Model, settings: Settings, *, estimate_if_missing: bool = False) -> Target:
        """The same target with another model (its own limit and counter)."""
        return build_target(
            settings,
            catalog=self.catalog,
            profile=self.profile,
            model=model,
            estimate_if_missing=estimate_if_missing,
        )


def catalog_for(settings: Settings, config_root: Path | None = None, profile: Profile | None = None) -> Catalog:
    """The target's models with the user's [tool.ftdata.models] laid over them: on the target the settings
    name (or the default one) — on a target other than the default, only the entries that fit it."""
    profile = profile or profile_for(settings, config_root)
    if profile.name != (settings.target or DEFAULT_TARGET):
        return profile.catalog
    where = f"the configuration in {config_root} [tool.ftdata.models]" if config_root else "[tool.ftdata.models]"
    return profile.catalog.with_user_models(settings.models, where, only_fitting=profile.name != DEFAULT_TARGET)


def profile_for(settings: Settings, config_root: Path | None = None) -> Profile:
    """The target profile the settings name (``target``), with the user's [tool.ftdata.targets]."""
    where = f"the configuration in {config_root}" if config_root else ""
    return load_profile(settings.target or DEFAULT_TARGET, settings.targets, where)


def build_target(
    settings: Settings,
    config_root: Path | None = None,
    *,
    catalog: Catalog | None = None,
    profile: Profile | None = None,
    model: Model | None = None,
    estimate_if_missing: bool = False,
) -> Target:
    """The target the settings describe (the model, when given, instead of the settings' one).

    An open-weight model is counted with its own tokenizer and chat template where the target renders
    examples (its ``[training]``); when their files cannot be found that is an error saying what to do —
    or, with ``estimate_if_missing`` (a cost table across targets), an estimate with o200k_base."""
    if settings.encodings_dir is not None and not os.path.isdir(settings.encodings_dir):
        raise ConfigError(
            f"encodings-dir {settings.encodings_dir}: no such folder; point it at a folder of <encoding>.tiktoken files"
        )
    profile = profile or profile_for(settings, config_root)
    catalog = catalog or catalog_for(settings, config_root, profile)
    if model is None and settings.model:
        try:
            model = catalog.resolve(settings.model)
        except UnknownModelError as exc:
            repo_id = is_repo_id(settings.model)
            if repo_id and not profile.local:
                raise UnknownModelError(
                    f"{str(exc).rstrip('.')}; {settings.model} looks like a Hugging Face repo id: the local "
                    "trainers take any (--target trl, axolotl or unsloth)"
                ) from None
            if not repo_id:
                raise
            # a local trainer trains any model on the Hub: its files come from the cache or --tokenizer
            model = profile.open_model(settings.model.strip())
    source: Literal["model", "option", "default"]
    training = profile.training
    if settings.max_tokens_per_example:
        max_tokens, source = settings.max_tokens_per_example, "option"
    elif model is not None and model.max_tokens_per_example.value is not None:
        max_tokens, source = model.max_tokens_per_example.value, "model"
    else:  # no model, or one whose limit is not published
        max_tokens, source = profile.limits.no_model_max_tokens.value, "default"
    if (
        model is None
        and settings.tokenizer is None
        and training is not None
        and training.open_models
        and not estimate_if_missing
    ):
        raise ConfigError(
            f"{profile.name} trains open-weight models: choose one with --model REPO_ID (the ones ftdata has "
            f"files for: ftdata models --target {profile.name}) or give its files with --tokenizer DIR"
        )
    counter: TokenCounter | RenderedCounter | None = None
    # an open-weight model whose tokenizer ftdata knows (its Hugging Face repo id), or the files given
    wants_render = settings.tokenizer is not None or (
        model is not None and model.open_weight and model.tokenizer is not None and training is not None
    )
    if wants_render:
        try:
            counter = rendered_counter(
                model.tokenizer if model is not None else None,
                settings.tokenizer,
                settings.train_on or (training.train_on.value if training is not None else "all"),
                training.weights.value if training is not None else False,
                training.tool_arguments.value if training is not None else "string",
                settings.template_date or today(),
                # TRL refuses assistant-only loss it cannot mark; Axolotl finds the turns itself, a service too
                strict=profile.local and training is not None and training.masks == "generation-blocks",
            )
        except ConfigError:
            if not estimate_if_missing or settings.tokenizer is not None:
                raise
    counter = counter or counter_for(
        model.name if model else None,
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
        user_targets=settings.targets,
        where=f"the configuration in {config_root}" if config_root else "",
    )
