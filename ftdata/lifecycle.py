"""Whether a model can still be fine-tuned on a given day, in words for reports."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ftdata.catalog import Catalog, Model
from ftdata.vocabulary import Format

if TYPE_CHECKING:
    from ftdata.profiles import Profile

WARN_DAYS = 60  # say so when new fine-tuning jobs end within this many days


def lifecycle_status(model: Model, today: datetime.date, target: str | None = None) -> tuple[str, str] | None:
    """('retired' | 'ending', sentence) when new jobs have ended or end within WARN_DAYS; else None.
    ``target``: the service's name, for the sentence."""
    life = model.lifecycle
    if life is None or life.new_jobs_end is None:
        return None
    days = (life.new_jobs_end - today).days
    on = f"{model.name} on {target}" if target else model.name
    if days < 0:
        return "retired", f"new fine-tuning jobs on {on} ended on {life.new_jobs_end.isoformat()}"
    if days <= WARN_DAYS:
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        if life.at_least:
            return (
                "ending",
                f"new fine-tuning jobs on {on} are promised only until {life.new_jobs_end.isoformat()} ({when})",
            )
        return "ending", f"new fine-tuning jobs on {on} end on {life.new_jobs_end.isoformat()} ({when})"
    return None


def trains_elsewhere(model: Model, today: datetime.date, profiles: Iterable[Profile], here: str) -> list[str]:
    """Where else the model (by its name or an alias) still trains today, in words: "azure-openai trains it
    until at least 2027-04-14 for existing customers"."""
    found = []
    for profile in profiles:
        if profile.name == here:
            continue
        other = next((m for m in profile.catalog.models if {m.name, *m.aliases} & {model.name, *model.aliases}), None)
        if other is None or not still_trains(other, today):
            continue
        life = other.lifecycle
        if life is None or life.new_jobs_end is None:
            found.append(f"{profile.name} trains it (no end date known)")
            continue
        until = f"until {'at least ' if life.at_least else ''}{life.new_jobs_end.isoformat()}"
        found.append(
            f"{profile.name} trains it {until}{' for existing customers' if life.existing_customers_only else ''}"
        )
    return found


def lifecycle_source(model: Model, catalog: Catalog) -> str:
    life = model.lifecycle
    if life is None:
        return ""
    verified = "" if life.verified else ", unverified"
    return f"source: {catalog.source_text(life.source)}{verified}"


METHOD_TRAINS: dict[str, tuple[Format, ...]] = {
    "sft": ("chat", "prompt-completion"),
    "dpo": ("preference",),
    "rft": ("rft",),
}


def cannot_train(
    model: Model, formats: Iterable[Format | None], today: datetime.date, method: str | None = None
) -> str | None:
    """Why the model cannot train files of these formats today (None: it can): the one answer ``lint``
    (method-mismatch, format-not-supported, model-retired) and ``cost`` share."""
    known: list[Format] = [f for f in formats if f is not None]
    wrong = [f for f in known if method is not None and f not in METHOD_TRAINS[method]]
    if wrong:
        return f"the method {method} does not train {', '.join(sorted(set(wrong)))} files"
    missing = [f for f in known if f not in model.formats]
    if missing:
        return f"cannot be trained on {', '.join(sorted(set(missing)))} files"
    if not still_trains(model, today):
        assert model.lifecycle is not None and model.lifecycle.new_jobs_end is not None
        return f"new jobs ended on {model.lifecycle.new_jobs_end.isoformat()}"
    return None


def still_trains(model: Model, today: datetime.date) -> bool:
    """Whether new fine-tuning jobs can still start on the model today (no end date known: yes)."""
    life = model.lifecycle
    return life is None or life.new_jobs_end is None or life.new_jobs_end >= today


def trainable_models(catalog: Catalog, file_format: Format | None, today: datetime.date) -> list[Model]:
    """The models that can train a file of this format today: the one answer ``lint`` and ``cost`` share."""
    return [model for model in catalog.models if cannot_train(model, [file_format], today) is None]
