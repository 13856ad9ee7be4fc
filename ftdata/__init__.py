"""ftdata: check LLM fine-tuning datasets before upload.

>>> import ftdata
>>> report = ftdata.lint("train.jsonl", model="gpt-4o-mini")  # doctest: +SKIP
>>> report.ok, report.cost.usd                                  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ftdata.errors import (
    ConfigError,
    EncodingUnavailableError,
    FtdataError,
    InputError,
    RuleCrashError,
    UnknownModelError,
)

if TYPE_CHECKING:
    from ftdata.cost import CostComparison, CostEstimate
    from ftdata.engine import estimate_cost, lint
    from ftdata.report import FileReport, Problem, Report, TokenStats
    from ftdata.stats import DatasetStatistics, FileStatistics, stats
    from ftdata.tokens import count_tokens

__version__ = "0.1.0"


def _rules_in_a_checkout() -> None:
    """Run from a source checkout (``python -m ftdata`` in the repository, or an editable install that
    puts the repository on the path), ``ftdata.rules`` is the ``rules/`` folder beside ``ftdata/``, as the
    wheel lays it out; installed, ``ftdata/rules`` is there and this does nothing."""
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    if not os.path.isdir(os.path.join(here, "rules")) and os.path.isfile(os.path.join(root, "rules", "__init__.py")):
        __path__.append(root)


_rules_in_a_checkout()

# Loaded on first use, so that importing a light module (a plugin's ``from ftdata.ruleapi import Finding``)
# does not load the engine, the token counter and tiktoken.
_LAZY = {
    "CostComparison": "ftdata.cost",
    "CostEstimate": "ftdata.cost",
    "estimate_cost": "ftdata.engine",
    "lint": "ftdata.engine",
    "FileReport": "ftdata.report",
    "Problem": "ftdata.report",
    "Report": "ftdata.report",
    "TokenStats": "ftdata.report",
    "count_tokens": "ftdata.tokens",
    "DatasetStatistics": "ftdata.stats",
    "FileStatistics": "ftdata.stats",
}


def __getattr__(name: str) -> Any:
    if name == "stats":  # the module, which called is the function stats (see ftdata/stats.py)
        return importlib.import_module("ftdata.stats")
    if name not in _LAZY:
        raise AttributeError(f"module 'ftdata' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value
    return value


class DatasetNotReadyError(Exception):
    """Raised by :func:`ensure_ready` when a dataset has errors; ``.report`` holds the full report."""

    def __init__(self, report: Report) -> None:
        self.report = report
        problems = [p for p in report.problems if p.severity == "error" or (report.strict and p.severity == "warning")]
        shown = "\n".join(f"  {p.file}:{p.line or '-'}: {p.code} {p.message}" for p in problems[:10])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        if not problems and not any(f.examples for f in report.files if f.role == "training"):
            super().__init__("dataset is not ready for upload: the training files hold no example")
            return
        super().__init__(f"dataset is not ready for upload: {len(problems)} problem(s)\n{shown}{more}")


def ensure_ready(
    source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | Iterable[Mapping[str, Any]],
    *,
    model: str | None = None,
    **options: Any,
) -> Report:
    """Lint ``source`` and raise :class:`DatasetNotReadyError` if it has errors; call it right before upload.

    Returns the report (with token counts and cost) when the dataset is fine.
    """
    from ftdata.engine import lint

    report = lint(source, model=model, **options)
    if not report.ok or not any(f.examples for f in report.files if f.role == "training"):
        raise DatasetNotReadyError(report)
    return report


__all__ = [
    "ConfigError",
    "CostComparison",
    "CostEstimate",
    "DatasetNotReadyError",
    "DatasetStatistics",
    "EncodingUnavailableError",
    "FileReport",
    "FileStatistics",
    "FtdataError",
    "InputError",
    "Problem",
    "Report",
    "RuleCrashError",
    "TokenStats",
    "UnknownModelError",
    "__version__",
    "count_tokens",
    "ensure_ready",
    "estimate_cost",
    "lint",
    "stats",
]
