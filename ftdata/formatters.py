"""Output formats: one registry of renderers for everything a command prints on stdout.

An :class:`OutputFormat` has a name and one renderer per subject it can show (a lint report, a cost
comparison, the model catalog, the rule list). A renderer is a pure function from the whole value (and
:class:`RenderOptions`) to one string; machine formats (json, github, concise) print nothing else.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Callable, Container, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args, overload

import orjson

from ftdata.catalog import Catalog
from ftdata.cost import CostComparison, CostEstimate
from ftdata.lifecycle import lifecycle_status
from ftdata.registry import Rule
from ftdata.report import FileReport, Problem, Report, TokenStats

Subject = Literal["lint", "cost", "models", "rules"]
SUBJECTS: tuple[Subject, ...] = get_args(Subject)
TEXT_PER_RULE_LIMIT = 20  # problems of one rule shown per file in text output (--show-all for every one)
GITHUB_ANNOTATION_LIMIT = 50  # GitHub shows only a few annotations per step; the rest go in one notice


@dataclass(frozen=True)
class RenderOptions:
    """What renderers may need besides the value; each reads only what applies to it."""

    show_all: bool = False  # text lint: every problem, not TEXT_PER_RULE_LIMIT per rule per file
    today: datetime.date | None = None  # the date model lifecycles are judged on (None: the system date)

    @property
    def day(self) -> datetime.date:
        return self.today or datetime.date.today()


@dataclass(frozen=True)
class OutputFormat:
    """A ``--format`` value: a name, a one-line description and a renderer for each subject it supports."""

    name: str
    description: str
    lint: Callable[[Report, RenderOptions], str] | None = None
    cost: Callable[[CostComparison, RenderOptions], str] | None = None
    models: Callable[[Catalog, RenderOptions], str] | None = None
    rules: Callable[[Sequence[Rule], RenderOptions], str] | None = None

    def supports(self, subject: Subject) -> bool:
        return getattr(self, subject) is not None


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def format_json(report: Report, options: RenderOptions) -> str:
    return _json(report.to_dict())


def format_concise(report: Report, options: RenderOptions) -> str:
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


def format_github(report: Report, options: RenderOptions, *, limit: int = GITHUB_ANNOTATION_LIMIT) -> str:
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


def format_text(report: Report, options: RenderOptions) -> str:
    blocks = [_file_block(file, options.show_all) for file in report.files]
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
    left_out = {code: n for (code, _, _), n in file.left_out.items()}
    for code in sorted({*hidden, *left_out}):
        if code in left_out:
            lines.append(
                f"  ... {hidden[code] + left_out[code]:,} more {code} not shown ({left_out[code]:,} found past "
                "max-problems-per-rule are only counted; set it to 0 to keep every one)"
            )
        else:
            lines.append(f"  ... {hidden[code]:,} more {code} not shown (--show-all or --format json lists every one)")
    if not file.problems and not file.left_out:
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


def format_cost(comparison: CostComparison, options: RenderOptions) -> str:
    """The ``ftdata cost`` table: one row per model, cheapest first, then per-file figures and notes."""
    today = options.day
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


def format_models(catalog: Catalog, options: RenderOptions) -> str:
    """The ``ftdata models`` table."""
    today = options.day
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


def format_cost_json(comparison: CostComparison, options: RenderOptions) -> str:
    return _json(comparison.to_dict())


def format_models_json(catalog: Catalog, options: RenderOptions) -> str:
    return _json(catalog.model_dump(mode="json"))


def format_rules(rules: Sequence[Rule], options: RenderOptions) -> str:
    """The ``ftdata rules`` table: code, name, group, default severity and the first sentence of the doc."""
    width = max((len(r.name) for r in rules), default=0)
    return "\n".join(f"{r.code}  {r.name:<{width}}  {r.group:<9}  {r.severity:<7}  {r.summary}" for r in rules)


def format_rules_json(rules: Sequence[Rule], options: RenderOptions) -> str:
    return _json(
        [
            {
                "code": r.code,
                "name": r.name,
                "group": r.group,
                "severity": r.severity,
                "summary": r.summary,
                "options": r.options,
                "module": r.module,
            }
            for r in rules
        ]
    )


OUTPUT_FORMATS: dict[str, OutputFormat] = {}
"""Every output format by name, in the order ``--format`` lists them (fill it with :func:`register_format`)."""


def register_format(output_format: OutputFormat) -> OutputFormat:
    """Add a format to :data:`OUTPUT_FORMATS`; a second format of the same name is an error, not a shadowing."""
    if output_format.name in OUTPUT_FORMATS:
        raise ValueError(f"output format {output_format.name!r} is already registered")
    if not any(output_format.supports(subject) for subject in SUBJECTS):
        raise ValueError(f"output format {output_format.name!r} renders nothing: give it at least one renderer")
    OUTPUT_FORMATS[output_format.name] = output_format
    return output_format


def formats_for(subject: Subject) -> list[str]:
    """The names of the formats that render ``subject``, in registry order (a command's ``--format`` choices)."""
    return [f.name for f in OUTPUT_FORMATS.values() if f.supports(subject)]


@overload
def render(name: str, subject: Literal["lint"], value: Report, options: RenderOptions | None = None) -> str: ...
@overload
def render(name: str, subject: Literal["cost"], value: CostComparison, options: RenderOptions | None = None) -> str: ...
@overload
def render(name: str, subject: Literal["models"], value: Catalog, options: RenderOptions | None = None) -> str: ...
@overload
def render(
    name: str, subject: Literal["rules"], value: Sequence[Rule], options: RenderOptions | None = None
) -> str: ...
def render(
    name: str,
    subject: Subject,
    value: Report | CostComparison | Catalog | Sequence[Rule],
    options: RenderOptions | None = None,
) -> str:
    """``value`` (a ``subject``) in the format called ``name``; ValueError if that format does not render it."""
    output_format = OUTPUT_FORMATS.get(name)
    renderer: Callable[[Any, RenderOptions], str] | None = getattr(output_format, subject, None)
    if renderer is None:
        problem = "is not an output format" if output_format is None else f"does not render {subject}"
        raise ValueError(f"{name!r} {problem}; {subject} renders as {', '.join(formats_for(subject))}")
    return renderer(value, options or RenderOptions())


register_format(
    OutputFormat(
        "text",
        "for people: problems grouped by file, aligned tables, a summary line",
        lint=format_text,
        cost=format_cost,
        models=format_models,
        rules=format_rules,
    )
)
register_format(
    OutputFormat(
        "concise",
        "one 'path:line:col: CODE [severity] message' line per problem, for editors and grep",
        lint=format_concise,
    )
)
register_format(
    OutputFormat(
        "json",
        "one JSON document and nothing else, for programs",
        lint=format_json,
        cost=format_cost_json,
        models=format_models_json,
        rules=format_rules_json,
    )
)
register_format(
    OutputFormat(
        "github",
        "GitHub Actions workflow commands: annotations on the pull request, then the summary line",
        lint=format_github,
    )
)
