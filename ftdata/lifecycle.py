"""Whether a model can still be fine-tuned on a given day, in words for reports."""

from __future__ import annotations

import datetime

from ftdata.catalog import Catalog, Model

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
