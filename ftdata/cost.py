"""What a training run will cost: the service's ``auto`` epochs rule, billed tokens, and the price.

Billed tokens per epoch are the sum over examples of ``min(max tokens per example, tokens)`` (the service
truncates longer examples); trained tokens are that times the epochs; the price is per 1M trained tokens.
Validation files are not billed. A method priced by training time (RFT) gets no made-up dollar figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ftdata.catalog import Model, load_catalog

# The rule the service applies for n_epochs "auto" (OpenAI cookbook's data-prep notebook; FACTS.md §3).
TARGET_EPOCHS = 3
MIN_TARGET_EXAMPLES = 100
MAX_TARGET_EXAMPLES = 25_000
MIN_DEFAULT_EPOCHS = 1
MAX_DEFAULT_EPOCHS = 25


def auto_epochs(examples: int) -> int:
    """The epochs the service picks for ``n_epochs: "auto"``."""
    if examples <= 0:
        return TARGET_EPOCHS
    if examples * TARGET_EPOCHS < MIN_TARGET_EXAMPLES:
        return min(MAX_DEFAULT_EPOCHS, MIN_TARGET_EXAMPLES // examples)
    if examples * TARGET_EPOCHS > MAX_TARGET_EXAMPLES:
        return max(MIN_DEFAULT_EPOCHS, MAX_TARGET_EXAMPLES // examples)
    return TARGET_EPOCHS


def billed_tokens(token_counts: Iterable[int], max_tokens: int) -> int:
    """Tokens billed per epoch: each example counts up to the model's limit."""
    return sum(min(max_tokens, tokens) for tokens in token_counts)


@dataclass(frozen=True)
class CostEstimate:
    model: str | None
    epochs: int
    epochs_source: str  # "auto" or "--epochs"
    billed_tokens_per_epoch: int
    trained_tokens: int
    usd: float | None
    price_usd: float | None = None
    price_unit: str | None = None
    price_source: str | None = None
    prices_taken: str | None = None
    note: str | None = None

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
            },
            "note": self.note,
        }


def estimate_cost(
    token_counts: Sequence[int], *, model: Model | None, max_tokens: int, epochs: int | None = None
) -> CostEstimate:
    """Price a training file of examples with these token counts for ``model``.

    With no model: tokens and epochs only, no dollar figure.
    """
    chosen_epochs = epochs if epochs is not None else auto_epochs(len(token_counts))
    billed = billed_tokens(token_counts, max_tokens)
    trained = billed * chosen_epochs
    source = "--epochs" if epochs is not None else "auto"
    if model is None:
        return CostEstimate(
            None, chosen_epochs, source, billed, trained, None, note="no model chosen: pass --model to get a price"
        )
    price = model.training_price
    catalog = load_catalog()
    if price is None or price.per != "1M tokens":
        note = (
            (
                f"{model.name} is billed per {price.per} of training (${price.usd:g}/{price.per}), "
                "which depends on training time; no dollar estimate from tokens"
            )
            if price
            else "no price known"
        )
        return CostEstimate(
            model.name,
            chosen_epochs,
            source,
            billed,
            trained,
            None,
            price_usd=price.usd if price else None,
            price_unit=price.per if price else None,
            price_source=catalog.sources.get(price.source, price.source) if price else None,
            prices_taken=catalog.prices_taken,
            note=note,
        )
    usd = round(trained * price.usd / 1_000_000, 6)
    return CostEstimate(
        model.name,
        chosen_epochs,
        source,
        billed,
        trained,
        usd,
        price_usd=price.usd,
        price_unit=price.per,
        price_source=catalog.sources.get(price.source, price.source),
        prices_taken=catalog.prices_taken,
    )
