"""Whether a model can still be fine-tuned on a given day, in words for reports."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from ftdata.catalog import Catalog, Model
from ftdata.vocabulary import Format

WARN_DAYS = 60  # say so when new fine-tuning jobs end within this many days


def lifecycle_status(model: Model, today: datetime.date) -> tuple[str, str] | None:
    """('retired' | 'ending', sentence) when new jobs have ended or end within WARN_DAYS; else None."""
    life = model.lifecycle
    if life is None or life.new_jobs_end is None:
        return None
    days = (life.new_jobs_end - today).days
    if days < 0:
        return "retired", f"new fine-tuning jobs on {model.name} ended on {life.new_jobs_end.isoformat()}"
    if days <= WARN_DAYS:
        when = "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
        return "ending", f"new fine-tuning jobs on {model.name} end on {life.new_jobs_end.isoformat()} ({when})"
    return None


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
