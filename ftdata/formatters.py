"""Formatters: pure functions from a whole :class:`Report` to the text printed on stdout.

Each takes the report and returns one string; machine formats (json, github, concise) print nothing else.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Container, Sequence
from typing import Any

import orjson

from ftdata.catalog import Catalog
from ftdata.cost import CostComparison, CostEstimate
from ftdata.lifecycle import lifecycle_status
from ftdata.report import FileReport, Problem, Report, TokenStats

Formatter = Callable[..., str]
TEXT_PER_RULE_LIMIT = 20  # problems of one rule shown per file in text output (--show-all for every one)
GITHUB_ANNOTATION_LIMIT = 50  # GitHub shows only a few annotations per step; the rest go in one notice


def format_json(report: Report, **_: Any) -> str:
    return orjson.dumps(report.to_dict(), option=orjson.OPT_INDENT_2).decode()


def format_concise(report: Report, **_: Any) -> str:
    """``path:line:col: CODE message`` per problem (file-level problems at 1:1), for editors and grep."""
    lines = []
    for problem in report.problems:
        where = f" {problem.path}:" if problem.path else ""
        lines.append(
            f"{problem.file}:{problem.line or 1}:{problem.column or 1}: {problem.code} "
            f"[{problem.severity}]{where} {problem.message}"
        )
    return "\n".join(lines)


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def format_github(report: Report, *, limit: int = GITHUB_ANNOTATION_LIMIT, **_: Any) -> str:
    """GitHub Actions workflow commands: one annotation per problem, capped, then a summary line."""
    level = {"error": "error", "warning": "warning", "info": "notice"}
    lines = []
    ordered = sorted(report.problems, key=lambda p: ("error", "warning", "info").index(p.severity))
    for problem in ordered[:limit]:
        properties = [f"file={_github_escape(problem.file, property_value=True)}"]
        if problem.line is not None:
            properties.append(f"line={problem.line}")
            if problem.column:
                properties.append(f"col={problem.column}")
        properties.append(f"title={_github_escape(f'{problem.code} {problem.name}', property_value=True)}")
        where = f"{problem.path}: " if problem.path else ""
        lines.append(f"::{level[problem.severity]} {','.join(properties)}::{_github_escape(where + problem.message)}")
    if len(ordered) > limit:
        lines.append(
            f"::notice title=ftdata::{len(ordered) - limit} more problem(s) not shown as annotations; "
            "run 'ftdata lint' locally or use --format json to see them all"
        )
    lines.append(_summary_line(report))
    return "\n".join(lines)


def format_text(report: Report, *, show_all: bool = False, **_: Any) -> str:
    blocks = [_file_block(file, show_all) for file in report.files]
    if report.by_rule:
        rows = [
            f"  {count:>7,}  {code} {name} ({severity})"
            for (code, name, severity), count in sorted(report.by_rule.items())
        ]
        blocks.append("Problems by rule:\n" + "\n".join(rows))
    blocks.append(_summary_line(report))
    return "\n\n".join(blocks)


def _file_block(file: FileReport, show_all: bool) -> str:
    kind = file.format or "unknown format"
    role = ", validation file: checked, not billed" if file.role == "validation" else ""
    lines = [f"{file.path}  ({kind}, {file.examples:,} example{'s' if file.examples != 1 else ''}{role})"]
    shown: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    for problem in file.problems:
        if not show_all and shown[problem.code] >= TEXT_PER_RULE_LIMIT:
            hidden[problem.code] += 1
            continue
        shown[problem.code] += 1
        lines.append(_problem_line(problem))
    for code, count in sorted(hidden.items()):
        lines.append(f"  ... {count:,} more {code} not shown (--show-all or --format json lists every one)")
    if not file.problems:
        lines.append("  no problems found")
    if file.tokens:
        lines.append(_tokens_line(file.tokens))
    if file.cost:
        lines.append(_cost_line(file.cost))
    return "\n".join(lines)


def _problem_line(problem: Problem) -> str:
    place = "file" if problem.line is None else f"{problem.line}" + (f":{problem.column}" if problem.column else "")
    where = f"{problem.path}: " if problem.path else ""
    return f"  {place:<9} {problem.severity:<7}  {problem.code} {problem.name}  {where}{problem.message}"


def _tokens_line(tokens: TokenStats) -> str:
    approx = "; includes estimates for images and tool calls" if tokens.estimated else ""
    text = (
        f"  Tokens ({tokens.encoding}{approx}): {tokens.total:,} in all, {tokens.billed:,} billed per epoch, "
        f"{tokens.trained:,} in trained (assistant) messages"
    )
    if tokens.examples:
        text += (
            f"\n  Per example: min {tokens.min:,} · p5 {tokens.p5:,g} · median {tokens.median:,g} · "
            f"mean {tokens.mean:,g} · p95 {tokens.p95:,g} · max {tokens.max:,}; "
            f"{tokens.over_limit:,} over the {tokens.max_tokens_per_example:,}-token limit"
        )
    return text


def _cost_line(cost: CostEstimate) -> str:
    run = (
        f"{cost.epochs} epoch{'s' if cost.epochs != 1 else ''} ({cost.epochs_source}) × "
        f"{cost.billed_tokens_per_epoch:,} tokens = {cost.trained_tokens:,} trained tokens"
    )
    if cost.usd is not None:
        return (
            f"  Cost on {cost.model}: {run} ≈ ${cost.usd:,.2f} "
            f"(${cost.price_usd:g} per {cost.price_unit}, prices taken {cost.prices_taken}; an estimate)"
        )
    return f"  Cost{f' on {cost.model}' if cost.model else ''}: {run}; {cost.note}"


def _summary_line(report: Report) -> str:
    counts = report.summary()
    files = len(report.files)
    verdict = "ok" if report.ok else "not ready"
    trained = [f for f in report.files if f.role == "training"]
    if report.usd is not None and len(trained) > 1 and report.max_usd is None:
        verdict += f": ${report.usd:,.2f} in all"
    if report.max_usd is not None and report.usd is not None:
        budget = "over" if report.over_budget else "within"
        verdict += f": ${report.usd:,.2f} is {budget} the ${report.max_usd:,.2f} budget"
    return (
        f"ftdata: {verdict}: {counts['errors']:,} error(s), {counts['warnings']:,} warning(s), "
        f"{counts['infos']:,} info(s) in {files} file{'s' if files != 1 else ''}"
    )


def _table(rows: Sequence[Sequence[str]], *, left: Container[int]) -> list[str]:
    """Rows as aligned text columns: the columns in ``left`` flush left, the others flush right."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            v.ljust(w) if i in left else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def format_cost(comparison: CostComparison, *, today: datetime.date) -> str:
    """The ``ftdata cost`` table: one row per model, cheapest first, then per-file figures and notes."""
    lines = []
    for file in comparison.files:
        role = " (validation: counted, not billed)" if file["role"] == "validation" else ""
        lines.append(
            f"{file['path']}: {file['format'] or 'no examples'}, {file['examples']:,} examples, "
            f"{file['tokens']:,} tokens ({file['encoding']}){role}"
        )
    header = ("model", "limit", "truncated", "epochs", "trained tokens", "USD", "status")
    rows = []
    for row in comparison.models:
        epochs = sorted({f.estimate.epochs for f in row.files})
        status = lifecycle_status(row.model, today)
        over = comparison.max_usd is not None and row.usd is not None and row.usd > comparison.max_usd
        rows.append(
            (
                row.model.name,
                f"{row.max_tokens:,}",
                f"{row.truncated:,}",
                "/".join(map(str, epochs)) or "-",
                f"{row.trained_tokens:,}",
                "per hour" if row.usd is None else f"${row.usd:,.2f}" + (" over" if over else ""),
                status[0] + " " + str(row.model.lifecycle.new_jobs_end) if status and row.model.lifecycle else "",
            )
        )
    lines.append("")
    lines.extend(_table([header, *rows], left=(0, 6)))
    if not rows:
        lines.append("(no catalog model takes this format)")
    if len([f for f in comparison.files if f["role"] == "training"]) > 1:
        lines.append("\nPer file:")
        for row in comparison.models:
            for f in row.files:
                usd = "-" if f.estimate.usd is None else f"${f.estimate.usd:,.2f}"
                lines.append(
                    f"  {row.model.name}  {f.path}: {f.estimate.epochs} epochs, "
                    f"{f.estimate.trained_tokens:,} trained tokens, {usd}"
                )
    notes = sorted({f.estimate.note for row in comparison.models for f in row.files if f.estimate.note})
    lines.append("")
    lines.extend(f"Note: {note}." for note in notes)
    lines.append(
        f"Prices taken {comparison.prices_taken}; estimates (the service bills what it counts). "
        "'truncated': examples over the limit, cut from the end and billed up to it."
    )
    return "\n".join(lines)


def format_models(catalog: Catalog, *, today: datetime.date) -> str:
    """The ``ftdata models`` table."""
    header = ("model", "aliases", "encoding", "limit", "price", "methods", "new jobs end")
    rows = []
    for model in catalog.models:
        price = model.training_price
        status = lifecycle_status(model, today)
        end = model.lifecycle.new_jobs_end if model.lifecycle else None
        rows.append(
            (
                model.name,
                ", ".join(model.aliases),
                model.encoding,
                f"{model.max_tokens_per_example.value:,}" + ("" if model.max_tokens_per_example.verified else "*"),
                (f"${price.usd:g}/{'1M' if price.per == '1M tokens' else 'hour'}" + ("" if price.verified else "*"))
                if price
                else "-",
                ", ".join(model.methods),
                (f"{end} ({status[0]})" if status else str(end or ""))
                + ("" if not model.lifecycle or model.lifecycle.verified else "*"),
            )
        )
    lines = _table([header, *rows], left=range(len(header)))
    lines.append(
        f"\nPrices taken {catalog.prices_taken}. * = not verified at a primary source "
        "('ftdata models --format json' gives each figure's source)."
    )
    return "\n".join(lines)


FORMATTERS: dict[str, Formatter] = {
    "text": format_text,
    "concise": format_concise,
    "json": format_json,
    "github": format_github,
}
