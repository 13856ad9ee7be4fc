"""What a training run will cost: the service's epochs rule, billed tokens, and the price.

Billed tokens per epoch are the sum over examples of ``min(max tokens per example, tokens)`` (the service
truncates longer examples); trained tokens are that times the epochs; the price is per 1M trained tokens.
Validation files are not billed. A method priced by training time (RFT) gets no made-up dollar figure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ftdata.catalog import Catalog, Model, load_catalog
from ftdata.profiles import DEFAULT_TARGET, EpochsRule, load_profile
from ftdata.vocabulary import Format


def auto_epochs(examples: int, rule: EpochsRule | None = None) -> int | None:
    """The epochs the service picks when the job does not say (``rule``: the target's; default OpenAI's
    ``n_epochs: "auto"``); None when the service does not document its default."""
    return (rule or load_profile(DEFAULT_TARGET).epochs).epochs_for(examples)


TokenCounts = Mapping[int, int] | Iterable[int]  # a histogram (tokens -> examples), or one count per example


def histogram(token_counts: TokenCounts) -> Mapping[int, int]:
    """{token count: number of examples with it}."""
    return token_counts if isinstance(token_counts, Mapping) else Counter(token_counts)


def billed_tokens(token_counts: TokenCounts, max_tokens: int, *, drop: bool = False) -> int:
    """Tokens billed (trained) per epoch: each example counts up to the model's limit — or, where the
    trainer drops longer examples (``drop``), not at all past it."""
    if drop:
        return sum(tokens * n for tokens, n in histogram(token_counts).items() if tokens <= max_tokens)
    return sum(min(max_tokens, tokens) * n for tokens, n in histogram(token_counts).items())


@dataclass(frozen=True)
class CostEstimate:
    model: str | None
    epochs: int
    # "auto" (the service's rule), "default" (its fixed default), "--epochs", or "per epoch" (its is unknown)
    epochs_source: str
    billed_tokens_per_epoch: int
    trained_tokens: int
    usd: float | None
    price_usd: float | None = None
    price_unit: str | None = None
    price_source: str | None = None
    prices_taken: str | None = None
    notes: tuple[str, ...] = ()  # what the figures leave out, each a sentence without a final period
    price_note: str | None = None  # what the price is for (e.g. "LoRA, up to 16B")

    @property
    def note(self) -> str | None:
        return "; ".join(self.notes) or None

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "epochs": self.epochs,
            "epochs_source": self.epochs_source,
            "billed_tokens_per_epoch": self.billed_tokens_per_epoch,
            "trained_tokens": self.trained_tokens,
            "usd": self.usd,
            "price": None
            if self.price_usd is None
            else {
                "usd": self.price_usd,
                "per": self.price_unit,
                "source": self.price_source,
                "taken": self.prices_taken,
                "note": self.price_note,
            },
            "note": self.note,
        }


def price_examples(
    token_counts: TokenCounts,
    *,
    model: Model | None,
    max_tokens: int,
    epochs: int | None = None,
    catalog: Catalog | None = None,
    epochs_rule: EpochsRule | None = None,
    file_format: Format | None = None,
    drop: bool = False,
) -> CostEstimate:
    """Price a training file of examples with these token counts for ``model`` (``drop``: the trainer
    drops examples over ``max_tokens`` rather than truncating them).

    With no model: tokens and epochs only, no dollar figure. When the service's default epochs are not
    documented and none are given, the figures are per epoch and say so.
    """
    counts = histogram(token_counts)
    chosen = epochs if epochs is not None else auto_epochs(sum(counts.values()), epochs_rule)
    fixed = epochs_rule is not None and epochs_rule.rule == "fixed"
    source = "--epochs" if epochs is not None else "per epoch" if chosen is None else "default" if fixed else "auto"
    notes = []
    if chosen is None:
        notes.append("the service's default epochs are not documented: figures are per epoch (pass --epochs)")
    run_epochs = chosen or 1
    billed = billed_tokens(counts, max_tokens, drop=drop)
    trained = billed * run_epochs
    if model is None:
        notes.append("no model chosen: pass --model to get a price")
        return CostEstimate(None, run_epochs, source, billed, trained, None, notes=tuple(notes))
    price = model.price_for(file_format)
    if price is None or price.usd is None:
        notes.append(f"no price known{f': {price.note}' if price and price.note else ''}")
        return CostEstimate(model.name, run_epochs, source, billed, trained, None, notes=tuple(notes))
    catalog = catalog or load_catalog()
    per_token = price.per == "1M tokens"
    if not per_token:
        notes.append(
            f"{model.name} is billed per {price.per} of training (${price.usd:g}/{price.per}), "
            "which depends on training time; no dollar estimate from tokens"
        )
    return CostEstimate(
        model.name,
        run_epochs,
        source,
        billed,
        trained,
        round(trained * price.usd / 1_000_000, 6) if per_token else None,
        price_usd=price.usd,
        price_unit=price.per,
        price_source=catalog.source_text(price.source) + ("" if price.verified else ", unverified"),
        prices_taken=catalog.prices_taken,
        notes=tuple(notes),
        price_note=price.note,
    )


@dataclass(frozen=True)
class FileCost:
    """One training file priced on one model."""

    path: str
    examples: int
    truncated: int  # examples longer than the model's limit
    estimate: CostEstimate

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "examples": self.examples,
            "examples_truncated": self.truncated,
            **self.estimate.to_dict(),
        }


@dataclass(frozen=True)
class ModelCost:
    """Every training file priced on one model, and the total."""

    model: Model
    max_tokens: int
    files: tuple[FileCost, ...]
    status: str | None = None  # why the model cannot train these files today (None: it can)
    target: str = DEFAULT_TARGET  # the target (service) it trains on
    limit_known: bool = True  # False: the model's limit is not published (max_tokens is the target's default)
    exact: bool = True  # False: estimates (an open-weight model whose own tokenizer was not found)

    @property
    def price_certainty(self) -> str:
        """How sure the price is: "verified" (read at the service's own page), "unverified" (a dated copy
        or a secondary source), "configured" (the user's figure), or "unknown" (no price found)."""
        price = self.model.training_price
        found = self.files[0].estimate if self.files else None
        source = found.price_source if found else (price.source if price and price.usd is not None else None)
        if source is None or (found is not None and found.price_usd is None):
            return "unknown"
        if source.startswith("your configuration"):
            return "configured"
        return "unverified" if source.endswith(", unverified") or (price and not price.verified) else "verified"

    @property
    def per_epoch(self) -> bool:
        """Whether the figures are for one epoch (the target's default epochs are unknown, none given)."""
        return any(f.estimate.epochs_source == "per epoch" for f in self.files)

    @property
    def usd(self) -> float | None:
        costs = [f.estimate.usd for f in self.files]
        return None if any(c is None for c in costs) else round(sum(c for c in costs if c is not None), 6)

    @property
    def trained_tokens(self) -> int:
        return sum(f.estimate.trained_tokens for f in self.files)

    @property
    def truncated(self) -> int:
        return sum(f.truncated for f in self.files)

    def to_dict(self) -> dict[str, object]:
        first = self.files[0].estimate if self.files else None
        return {
            "target": self.target,
            "model": self.model.name,
            "status": self.status,
            "price_certainty": self.price_certainty,
            "token_counts": "exact" if self.exact else "estimate",
            "max_tokens_per_example": self.max_tokens,
            "max_tokens_published": self.limit_known,
            "examples_truncated": self.truncated,
            "trained_tokens": self.trained_tokens,
            "usd": self.usd,
            "price": first.to_dict()["price"] if first else None,
            "note": first.note if first else None,
            "files": [f.to_dict() for f in self.files],
        }


@dataclass(frozen=True)
class CostComparison:
    """What training would cost on each model, cheapest first; validation files counted, not billed."""

    files: tuple[dict[str, object], ...]  # path, role, format, examples, tokens per encoding
    models: tuple[ModelCost, ...]
    prices_taken: str
    max_usd: float | None = None
    notes: tuple[str, ...] = ()  # what the table leaves out, and how to see it

    @property
    def over_budget(self) -> tuple[ModelCost, ...]:
        if self.max_usd is None:
            return ()
        return tuple(m for m in self.models if m.usd is not None and m.usd > self.max_usd)

    def to_dict(self) -> dict[str, object]:
        return {
            "schema_version": 1,
            "prices_taken": self.prices_taken,
            "files": list(self.files),
            "models": [m.to_dict() for m in self.models],
            "max_usd": self.max_usd,
            "over_budget": [m.model.name for m in self.over_budget],
            "notes": list(self.notes),
        }
