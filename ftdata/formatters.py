"""Output formats: one registry of renderers for everything a command prints on stdout.

An :class:`OutputFormat` has a name and one renderer per subject it can show (a lint report, a cost
comparison, the model catalog, the rule list). A renderer is a pure function from the whole value (and
:class:`RenderOptions`) to one string; machine formats (json, sarif, junit, gitlab, json-lines, github)
print nothing else, are never coloured and are written as UTF-8 whatever the terminal's encoding.
"""

from __future__ import annotations

import datetime
import hashlib
import os
import re
import urllib.parse
from collections import Counter
from collections.abc import Callable, Container, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePath
from typing import Any, Literal, get_args, overload

import click
import orjson

from ftdata import __version__
from ftdata.catalog import USER_SOURCE, Catalog, Model
from ftdata.cost import CostComparison, CostEstimate, ModelCost
from ftdata.errors import FtdataError
from ftdata.formats import size_text
from ftdata.lifecycle import lifecycle_status, still_trains
from ftdata.pertoken import Distribution, TokenRow
from ftdata.profiles import Profile
from ftdata.reader import STDIN
from ftdata.registry import Rule, all_rules
from ftdata.report import FileReport, Problem, Report, TokenStats

Subject = Literal["lint", "cost", "models", "targets", "rules"]
SUBJECTS: tuple[Subject, ...] = get_args(Subject)
TEXT_PER_RULE_LIMIT = 20  # problems of one rule shown per file in text output (--show-all for every one)
GITHUB_ANNOTATION_LIMIT = 50  # GitHub shows only a few annotations per step; the rest go in one notice
REPORT_SCHEMA = "report.schema.json"  # the JSON Schema of the lint json document, shipped in the package
SARIF_SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
FINGERPRINT_KEY = "ftdata/v1"  # the partialFingerprints key in SARIF (a new key if the recipe ever changes)


@dataclass(frozen=True)
class RenderOptions:
    """What renderers may need besides the value; each reads only what applies to it."""

    show_all: bool = False  # text lint: every problem, not TEXT_PER_RULE_LIMIT per rule per file
    today: datetime.date | None = None  # the date model lifecycles are judged on (None: the system date)
    quiet: bool = False  # text lint: the problems only (no tokens, cost, counts by rule, summary line)
    statistics: bool = False  # text, concise and json lint: counts by rule instead of the problems
    color: bool = False  # text and concise: ANSI colours on severities and codes (machine formats never)

    @property
    def day(self) -> datetime.date:
        return self.today or datetime.date.today()


@dataclass(frozen=True)
class OutputFormat:
    """A ``--format`` value: a name, a one-line description and a renderer for each subject it supports.

    ``machine``: for programs, not people: never coloured, left as is by ``--quiet``, and written as UTF-8
    bytes whatever the encoding of the stream (people's formats are written in the stream's encoding, with
    what it cannot hold replaced).
    """

    name: str
    description: str
    lint: Callable[[Report, RenderOptions], str] | None = None
    cost: Callable[[CostComparison, RenderOptions], str] | None = None
    models: Callable[[Catalog, RenderOptions], str] | None = None
    targets: Callable[[Sequence[Profile], RenderOptions], str] | None = None
    rules: Callable[[Sequence[Rule], RenderOptions], str] | None = None
    machine: bool = False

    def supports(self, subject: Subject) -> bool:
        return getattr(self, subject) is not None


def _json(value: Any) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode()


def format_json(report: Report, options: RenderOptions) -> str:
    if options.statistics:
        return _json(statistics(report))
    return _json(report.to_dict())


_SEVERITY_STYLE: dict[str, dict[str, Any]] = {
    "error": {"fg": "red", "bold": True},
    "warning": {"fg": "yellow", "bold": True},
    "info": {"fg": "cyan"},
}


def _severity(word: str, options: RenderOptions, width: int = 0) -> str:
    """A severity word, padded to ``width`` (before colouring: the escapes take no column), coloured if asked."""
    padding = " " * (width - len(word))
    return (click.style(word, **_SEVERITY_STYLE.get(word, {})) if options.color else word) + padding


def _code(code: str, options: RenderOptions, width: int = 0) -> str:
    return (click.style(code, bold=True) if options.color else code) + " " * (width - len(code))


def format_concise(report: Report, options: RenderOptions) -> str:
    """``path:line:col: CODE message`` per problem (file-level problems at 1:1), for editors and grep."""
    if options.statistics:
        return _statistics_text(report, options)
    lines = []
    for problem in report.problems:
        where = f" {problem.path}:" if problem.path else ""
        lines.append(
            f"{problem.file}:{problem.line or 1}:{problem.column or 1}: {_code(problem.code, options)} "
            f"[{_severity(problem.severity, options)}]{where} {problem.message}"
        )
    return "\n".join(lines)


def statistics(report: Report) -> list[dict[str, Any]]:
    """Problems counted by rule (those past max-problems-per-rule included), most frequent first."""
    rows = sorted(report.by_rule.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": code, "name": name, "severity": severity, "count": n} for (code, name, severity), n in rows]


def _statistics_text(report: Report, options: RenderOptions) -> str:
    """``--statistics``: one ``count  CODE  name  severity`` line per rule, most frequent first (as ruff)."""
    rows = statistics(report)
    if not rows:
        return ""
    count_width = max(len(f"{row['count']:,}") for row in rows)
    code_width = max(len(row["code"]) for row in rows)
    name_width = max(len(row["name"]) for row in rows)
    return "\n".join(
        f"{row['count']:>{count_width},}  {_code(row['code'], options, code_width)}  {row['name']:<{name_width}}  "
        f"{_severity(row['severity'], options)}"
        for row in rows
    )


def _github_escape(text: str, *, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_RANK = {"error": 0, "warning": 1, "info": 2}


def format_github(report: Report, options: RenderOptions, *, limit: int = GITHUB_ANNOTATION_LIMIT) -> str:
    """GitHub Actions workflow commands: a collapsed group per file (its annotations, then its tokens and cost
    as plain lines), at most ``limit`` annotations in all (errors first), a budget failure as an error, and
    the summary line."""
    ranked = sorted(
        ((_RANK.get(p.severity, 3), f, i) for f, file in enumerate(report.files) for i, p in enumerate(file.problems))
    )
    shown = {(f, i) for _, f, i in ranked[:limit]}
    lines = []
    for f, file in enumerate(report.files):
        lines.append(f"::group::{_github_escape(file.path)}")
        annotated = sorted(
            (p for i, p in enumerate(file.problems) if (f, i) in shown), key=lambda p: _RANK.get(p.severity, 3)
        )
        lines.extend(_github_annotation(problem) for problem in annotated)
        lines.extend(_file_footer(file))
        lines.append("::endgroup::")
    hidden = len(ranked) - len(shown)
    if hidden:
        lines.append(
            f"::notice title=ftdata::{hidden} more problem(s) not shown as annotations; "
            "run 'ftdata lint' locally or use --format json to see them all"
        )
    budget = budget_message(report)
    if budget:
        lines.append(f"::error title={_github_escape('ftdata budget', property_value=True)}::{_github_escape(budget)}")
    lines.append(summary_line(report))
    return "\n".join(lines)


def _github_annotation(problem: Problem) -> str:
    properties = [f"file={_github_escape(problem.file, property_value=True)}"]
    if problem.line is not None:
        properties.append(f"line={problem.line}")
        if problem.column:
            properties.append(f"col={problem.column}")
    properties.append(f"title={_github_escape(f'{problem.code} {problem.name}', property_value=True)}")
    where = f"{problem.path}: " if problem.path else ""
    level = _GITHUB_LEVEL.get(problem.severity, "notice")
    return f"::{level} {','.join(properties)}::{_github_escape(where + problem.message)}"


def github_step_summary(report: Report) -> str:
    """The Markdown that ``--format github`` appends to ``$GITHUB_STEP_SUMMARY``: the verdict, a row per file
    (examples, tokens, cost) and the problems by rule."""
    lines = [f"### {_md(summary_line(report))}", ""]
    lines.append("| file | role | format | examples | tokens | billed per epoch | cost |")
    lines.append("|---|---|---|---:|---:|---:|---|")
    for file in report.files:
        tokens = file.tokens
        lines.append(
            f"| {_md(file.path)} | {file.role} | {_md(file.format or '-')} | {file.examples:,} | "
            f"{f'{tokens.total:,}' if tokens else '-'} | {f'{tokens.billed:,}' if tokens else '-'} | "
            f"{_md(_cost_cell(file))} |"
        )
    budget = budget_message(report)
    if budget:
        lines.extend(["", f"**Over budget**: {_md(budget)}."])
    rows = statistics(report)
    if rows:
        lines.extend(["", "| rule | name | severity | problems |", "|---|---|---|---:|"])
        lines.extend(f"| {r['code']} | {_md(r['name'])} | {r['severity']} | {r['count']:,} |" for r in rows)
    else:
        lines.extend(["", "No problems found."])
    return "\n".join(lines) + "\n"


def _cost_cell(file: FileReport) -> str:
    cost = file.cost
    if cost is None:
        return "not billed" if file.role == "validation" else "-"
    run = f"{cost.epochs} epoch{'s' if cost.epochs != 1 else ''}, {cost.trained_tokens:,} trained tokens"
    if cost.usd is None:
        return f"{run}{f' on {cost.model}' if cost.model else ''}; no price"
    return f"${cost.usd:,.2f} on {cost.model} ({run})"


def _md(text: str) -> str:
    """Text for a Markdown table cell: punctuation that Markdown reads escaped, line breaks as spaces."""
    return re.sub(r"([\\`*_{}\[\]<>()#+!|~$])", r"\\\1", " ".join(text.splitlines()))


def format_text(report: Report, options: RenderOptions) -> str:
    if options.statistics:
        return _statistics_text(report, options)
    files = [file for file in report.files if not options.quiet or file.problems or file.left_out]
    blocks = [_file_block(file, options) for file in files]
    if options.quiet:
        return "\n\n".join(blocks)
    if report.by_rule:
        rows = [
            f"  {count:>7,}  {_code(code, options)} {name} ({_severity(severity, options)})"
            for (code, name, severity), count in sorted(report.by_rule.items())
        ]
        blocks.append("Problems by rule:\n" + "\n".join(rows))
    blocks.append(summary_line(report))
    return "\n\n".join(blocks)


def _file_block(file: FileReport, options: RenderOptions) -> str:
    kind = file.format or "unknown format"
    role = ", validation file: checked, not billed" if file.role == "validation" else ""
    lines = [f"{file.path}  ({kind}, {file.examples:,} example{'s' if file.examples != 1 else ''}{role})"]
    shown: Counter[str] = Counter()
    hidden: Counter[str] = Counter()
    for problem in file.problems:
        if not options.show_all and shown[problem.code] >= TEXT_PER_RULE_LIMIT:
            hidden[problem.code] += 1
            continue
        shown[problem.code] += 1
        lines.append(_problem_line(problem, options))
    left_out = {code: n for (code, _, _), n in file.left_out.items()}
    for code in sorted({*hidden, *left_out}):
        if code in left_out:
            lines.append(
                f"  ... {hidden[code] + left_out[code]:,} more {code} not shown ({left_out[code]:,} found past "
                "max-problems-per-rule are only counted; set it to 0 to keep every one)"
            )
        else:
            lines.append(f"  ... {hidden[code]:,} more {code} not shown (--show-all or --format json lists every one)")
    if options.quiet:
        return "\n".join(lines)
    lines.extend(_file_footer(file))
    return "\n".join(lines)


def _file_footer(file: FileReport) -> list[str]:
    """What follows a file's problems in text and github output: "no problems", its tokens and its cost."""
    lines = ["  no problems found"] if not file.problems and not file.left_out else []
    lines.append(_tokens_line(file.tokens, file.role))
    if file.cost:
        lines.append(_cost_line(file.cost))
    return lines


def _problem_line(problem: Problem, options: RenderOptions) -> str:
    place = "file" if problem.line is None else f"{problem.line}" + (f":{problem.column}" if problem.column else "")
    where = f"{problem.path}: " if problem.path else ""
    return (
        f"  {place:<9} {_severity(problem.severity, options, 7)}  {_code(problem.code, options)} {problem.name}  "
        f"{where}{problem.message}"
    )


def _tokens_line(tokens: TokenStats, role: str = "training") -> str:
    parts = " and ".join(tokens.estimated_parts) or "some parts"
    approx = f"; includes estimates for {parts}" if tokens.estimated else ""
    billed = "counted, not billed" if role == "validation" else f"{tokens.billed:,} billed per epoch"
    text = f"  Tokens ({tokens.encoding}{approx}): {tokens.total:,} in all, {billed}, " + (
        f"{tokens.trained:,} trained"
        if "/" in tokens.encoding  # an open-weight model's own template: what its loss rule trains
        else f"{tokens.trained:,} in trained (assistant) messages"
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
        f"{cost.billed_tokens_per_epoch:,} trained tokens per epoch"
        if cost.epochs_source == "per epoch"
        else f"{cost.epochs} epoch{'s' if cost.epochs != 1 else ''} ({cost.epochs_source}) × "
        f"{cost.billed_tokens_per_epoch:,} tokens = {cost.trained_tokens:,} trained tokens"
    )
    if cost.usd is not None:
        return (
            f"  Cost on {cost.model}: {run} ≈ ${cost.usd:,.2f} "
            f"(${cost.price_usd:g} per {cost.price_unit}, {_price_origin(cost)}; an estimate)"
        )
    return f"  Cost{f' on {cost.model}' if cost.model else ''}: {run}; {cost.note}"


def _price_origin(cost: CostEstimate) -> str:
    """Where a price comes from, in words: the user's own, or the catalog's as of when it was taken."""
    if (cost.price_source or "").startswith("your configuration"):
        return "your price"
    return f"prices taken {cost.prices_taken}"


def summary_line(report: Report) -> str:
    """The one-line verdict that ends the text and github output (and goes to stderr with --output-file)."""
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
        f"{counts['infos']:,} info(s) in {files} file{'s' if files != 1 else ''} for {report.target}"
        + (f" ({report.model}{'' if report.exact_counts else ', tokens estimated'})" if report.model else "")
    )


def budget_message(report: Report) -> str | None:
    """What a budget failure says (None within budget or with no budget)."""
    if not report.over_budget or report.usd is None or report.max_usd is None:
        return None
    return f"the estimate ${report.usd:,.2f} is above --max-usd ${report.max_usd:,.2f}"


def report_schema_text() -> str:
    """The JSON Schema (draft 2020-12) of ``ftdata lint --format json``, as shipped (``ftdata schema``)."""
    return resources.files("ftdata").joinpath(REPORT_SCHEMA).read_text(encoding="utf-8")


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
    header = ("target", "model", "limit", "truncated", "epochs", "trained tokens", "USD", "price", "status")
    rows = []
    for row in comparison.models:
        epochs = sorted(
            {f"{f.estimate.epochs}{'?' if f.estimate.epochs_source == 'per epoch' else ''}" for f in row.files}
        )
        ending = lifecycle_status(row.model, today)
        status = (
            f"refused: {row.status}"
            if row.status
            else f"new jobs end {ending[1].rsplit(' end on ', 1)[-1]}"
            if ending and ending[0] == "ending"
            else "trains"
        )
        over = comparison.max_usd is not None and row.usd is not None and row.usd > comparison.max_usd
        first = row.files[0].estimate if row.files else None
        usd = (
            f"${row.usd:,.2f}" + (" over" if over else "")
            if row.usd is not None
            else "per hour"
            if first is not None and first.price_unit == "hour"
            else "no price"
        )
        rows.append(
            (
                row.target,
                row.model.name + ("" if row.exact else " ~"),
                f"{row.max_tokens:,}" + ("" if row.limit_known else "?"),
                f"{row.truncated:,}",
                "/".join(epochs) or "-",
                f"{row.trained_tokens:,}",
                usd,
                _certainty(row),
                status,
            )
        )
    lines.append("")
    lines.extend(_table([header, *rows], left=(0, 1, 7, 8)))
    if not rows:
        lines.append("(no model can train these files today; --all lists every model, marked)")
    if len([f for f in comparison.files if f["role"] == "training"]) > 1:
        lines.append("\nPer file:")
        for row in comparison.models:
            for f in row.files:
                usd = "-" if f.estimate.usd is None else f"${f.estimate.usd:,.2f}"
                lines.append(
                    f"  {row.target} {row.model.name}  {f.path}: {f.estimate.epochs} epochs, "
                    f"{f.estimate.trained_tokens:,} trained tokens, {usd}"
                )
    notes = sorted({part for row in comparison.models for f in row.files for part in f.estimate.notes})
    lines.append("")
    lines.extend(f"Note: {note}." for note in (*comparison.notes, *notes))
    lines.append(
        f"Prices taken {comparison.prices_taken}; estimates (the service bills what it counts). "
        "'truncated': examples over the limit, cut from the end and billed up to it; price 'verified': read at "
        "the service's own page, 'unverified': a dated copy or secondary source (--format json gives each "
        "source); ~: tokens estimated; limit ?: the model's is not published (the target's default is used); "
        "epochs ?: the service's default is unknown (figures per epoch)."
    )
    return "\n".join(lines)


def _counted_with(model: Model) -> str:
    """The encoding column: an open-weight model's own tokenizer where its files are here, else the
    encoding its estimates are made with (marked ~)."""
    if not model.open_weight:
        return model.encoding
    from ftdata.openmodels import available

    return "own tokenizer" if model.tokenizer and available(model.tokenizer) else f"{model.encoding} ~"


def format_models(catalog: Catalog, options: RenderOptions) -> str:
    """The ``ftdata models`` table."""
    today = options.day
    header = ("model", "aliases", "encoding", "limit", "price", "methods", "new jobs end")
    rows = []
    for model in catalog.models:
        price = model.training_price
        status = lifecycle_status(model, today)
        end = model.lifecycle.new_jobs_end if model.lifecycle else None
        yours = any(
            part is not None and part.source == USER_SOURCE
            for part in (model.max_tokens_per_example, model.training_price, model.lifecycle)
        )
        rows.append(
            (
                model.name + (" (config)" if yours else ""),
                ", ".join(model.aliases),
                _counted_with(model),
                _figure(model.max_tokens_per_example.value, model.max_tokens_per_example.verified),
                (f"${price.usd:g}/{'1M' if price.per == '1M tokens' else 'hour'}" + ("" if price.verified else "*"))
                if price and price.usd is not None
                else "unknown"
                if price
                else "-",
                ", ".join(model.methods),
                (f"{end} ({status[0]})" if status else str(end or ""))
                + ("" if not model.lifecycle or model.lifecycle.verified else "*"),
            )
        )
    lines = [f"Models of target {catalog.target}:", ""]
    lines += _table([header, *rows], left=range(len(header)))
    estimated = [model.name for model in catalog.models if _counted_with(model).endswith("~")]
    lines.append(
        f"\nPrices taken {catalog.prices_taken}. * = not verified at a primary source; unknown = not found (see "
        "the note in --format json); (config) = figures from your configuration ('ftdata models --format json' "
        "gives each figure's source)."
        + (
            " own tokenizer = an open-weight model counted with its own tokenizer and chat template (files found on "
            "this machine)."
            if any(model.open_weight for model in catalog.models)
            else ""
        )
        + (
            f" ~ = estimated with that encoding ({len(estimated)}): ftdata has no files for them here "
            "(pip install 'ftdata[open-models]', or --tokenizer DIR)."
            if estimated
            else ""
        )
    )
    return "\n".join(lines)


_ISO_DATE = re.compile(r"\b20\d\d-\d\d(?:-\d\d)?\b")


def _certainty(row: ModelCost) -> str:
    """How sure a row's price is, with the date of the copy it was read from when it is not verified."""
    certainty = row.price_certainty
    source = row.files[0].estimate.price_source if row.files else None
    dated = _ISO_DATE.search(source or "") if certainty == "unverified" else None
    return f"{certainty} ({dated.group()})" if dated else certainty


def _figure(value: int | None, verified: bool) -> str:
    return "unknown" if value is None else f"{value:,}" + ("" if verified else "*")


def format_targets(profiles: Sequence[Profile], options: RenderOptions) -> str:
    """The ``ftdata targets`` table: each target, what it takes, and how many of its models train today."""
    today = options.day
    header = ("target", "title", "extends", "formats", "examples", "file size", "models training today")
    rows = []
    for profile in profiles:
        limits = profile.limits
        models = profile.catalog.models
        training = [model for model in models if still_trains(model, today)]
        largest = limits.max_examples.value
        size = limits.max_file_bytes.value
        rows.append(
            (
                profile.name + (" (config)" if profile.user_where or profile.user_models else ""),
                profile.title,
                profile.extends or "-",
                ", ".join(profile.formats) or "-",
                f"{limits.min_examples.value:,}-{largest:,}" if largest else f"{limits.min_examples.value:,} or more",
                size_text(size) if size else "no limit" if profile.local else "not published",
                f"{len(training)} of {len(models)}",
            )
        )
    lines = _table([header, *rows], left=range(len(header) - 1))
    for profile in profiles:
        if profile.note:
            lines.append(f"\n{profile.name}: {profile.note}.")
    lines.append(
        "\n'ftdata models --target NAME' lists a target's models; '--format json' gives every figure with its "
        "source, the date it was read and whether it was verified. Add or change a target in "
        '[tool.ftdata.targets.NAME] (extends = "openai").'
    )
    return "\n".join(lines)


def format_targets_json(profiles: Sequence[Profile], options: RenderOptions) -> str:
    return _json(
        [
            {
                **profile.model_dump(mode="json", exclude={"models", "user_models", "user_where"}),
                "formats": list(profile.formats),
                "models": [model.name for model in profile.catalog.models],
            }
            for profile in profiles
        ]
    )


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


# Fingerprints (SARIF partialFingerprints, GitLab fingerprint). A problem's fingerprint is the SHA-256 of its
# rule code, its file's path as given, its JSON path, its message and its occurrence among the problems of that
# file with the same four (1 for the first, 2 for the second...), cut to 32 hex digits. The line number is left
# out on purpose: adding or removing an unrelated line above a problem moves it but keeps its fingerprint; it
# changes when the problem itself changes (another message, another JSON path), when its file is named
# differently, or when an identical problem appears before it in the same file. Fingerprints are unique within
# a report.


def fingerprinted(report: Report) -> Iterator[tuple[FileReport, Problem, str]]:
    """Every problem of the report, with its file and its fingerprint (see above), in report order."""
    for file in report.files:
        seen: Counter[str] = Counter()
        for problem in file.problems:
            key = "\0".join((problem.code, file.path, file.role, problem.path or "", problem.message))
            seen[key] += 1
            digest = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogatepass")).hexdigest()
            yield file, problem, digest[:32]


def _file_facts(file: FileReport) -> dict[str, Any]:
    """A file's entry of the json document without its problems (the machine formats list those their way)."""
    facts = file.to_dict()
    del facts["problems"]
    return facts


def _where(problem: Problem) -> str:
    return f"{problem.path}: {problem.message}" if problem.path else problem.message


_SECTION = re.compile(r"^(What it does|Why is this bad\?|Example|Use instead)[ \t]*\n(?:-+[ \t]*\n)?", re.M)
_DOUBLE_BACKTICKS = re.compile(r"(?<!`)``(?!`)(.+?)(?<!`)``(?!`)")


def doc_sections(doc: str) -> dict[str, str]:
    """A rule docstring's sections (What it does, Why is this bad?, Example, Use instead) by title, in
    Markdown (reStructuredText's ``code`` becomes `code`)."""
    parts = _SECTION.split(doc)
    return {parts[i]: _DOUBLE_BACKTICKS.sub(r"`\1`", parts[i + 1].strip()) for i in range(1, len(parts) - 1, 2)}


_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def _sarif_rule(code: str, rule: Rule | None, problem: Problem) -> dict[str, Any]:
    if rule is None:  # a problem of no registered rule (a report built elsewhere): what the problem says
        return {
            "id": code,
            "name": problem.name,
            "shortDescription": {"text": problem.name},
            "defaultConfiguration": {"level": _SARIF_LEVEL.get(problem.severity, "note")},
        }
    sections = doc_sections(rule.doc)
    why, example, use = (sections.get(title, "") for title in ("Why is this bad?", "Example", "Use instead"))
    text = f"Why is this bad?\n{why}" + (f"\n\nUse instead:\n{use}" if use else "")
    markdown = f"**Why is this bad?**\n\n{why}"
    markdown += (f"\n\n**Example**\n\n{example}" if example else "") + (f"\n\n**Use instead**\n\n{use}" if use else "")
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": " ".join(sections.get("What it does", rule.summary).split())},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": _SARIF_LEVEL.get(rule.severity, "note")},
        "properties": {"tags": [rule.group]},
    }


def _sarif_uri(path: str) -> str:
    """A file's path as a URI reference: relative paths (and ``-``, standard input) as given, percent-encoded;
    absolute paths as ``file://`` URIs."""
    if path == STDIN:
        return path
    if os.path.isabs(path):
        return PurePath(path).as_uri()
    return urllib.parse.quote(path.replace(os.sep, "/"), safe="/")


def format_sarif(report: Report, options: RenderOptions) -> str:
    """SARIF 2.1.0: one run, the rules that found something (sorted by code), one result per problem."""
    try:
        known = {rule.code: rule for rule in all_rules()}
    except FtdataError:  # a broken plugin: describe the rules from their problems
        known = {}
    first = {problem.code: problem for problem in reversed(report.problems)}
    codes = sorted(first)
    index = {code: i for i, code in enumerate(codes)}
    results = []
    for file, problem, fingerprint in fingerprinted(report):
        region: dict[str, int] = {"startLine": problem.line or 1}
        if problem.column:
            region["startColumn"] = problem.column
        result: dict[str, Any] = {
            "ruleId": problem.code,
            "ruleIndex": index[problem.code],
            "level": _SARIF_LEVEL.get(problem.severity, "note"),
            "message": {"text": _where(problem)},
            "locations": [{"physicalLocation": {"artifactLocation": {"uri": _sarif_uri(file.path)}, "region": region}}],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        }
        if problem.path:
            result["properties"] = {"jsonPath": problem.path}
        results.append(result)
    notes = [
        {
            "level": "note",
            "message": {"text": f"{file.path}: {n:,} more {code} past max-problems-per-rule: counted, not listed"},
        }
        for file in report.files
        for (code, _, _), n in sorted(file.left_out.items())
    ]
    budget = budget_message(report)
    if budget:
        notes.append({"level": "error", "message": {"text": f"over budget: {budget}"}})
    notes += [
        {"level": "error", "message": {"text": f"{path}: {message} (not checked)"}}
        for path, message in report.inputs_failed
    ]
    invocation: dict[str, Any] = {"executionSuccessful": not report.inputs_failed}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    run = {
        "tool": {
            "driver": {
                "name": "ftdata",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": [_sarif_rule(code, known.get(code), first[code]) for code in codes],
            }
        },
        "invocations": [invocation],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {"summary": report.summary(), "files": [_file_facts(file) for file in report.files]},
    }
    return _json({"$schema": SARIF_SCHEMA_URI, "version": "2.1.0", "runs": [run]})


# JUnit XML: error-severity problems are failures; warnings too with --strict (report.strict), otherwise they
# and every info are listed in the test case's <system-out>, which passes. So the XML has a failure exactly
# when ftdata exits 1 (a budget failure is the failing test case of a last "budget" suite).
_XML_INVALID = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text XML 1.0 can hold: control characters and lone surrogates become U+FFFD."""
    return _XML_INVALID.sub("\ufffd", text)


def _junit_line(problem: Problem) -> str:
    place = "file" if problem.line is None else f"line {problem.line}"
    return f"{place}: {problem.code} {problem.message}"


def format_junit(report: Report, options: RenderOptions) -> str:
    """JUnit XML: a <testsuite> per file, a <testcase> per rule that found something there (or one passing
    "no problems" case), a <failure> per failing problem."""
    import xml.etree.ElementTree as ET  # here: only this format needs it

    failing: set[str] = {"error", "warning"} if report.strict else {"error"}
    root = ET.Element("testsuites", name="ftdata")
    totals: Counter[str] = Counter()

    def case(suite: ET.Element, classname: str, name: str) -> ET.Element:
        return ET.SubElement(suite, "testcase", name=_xml(name), classname=_xml(classname), time="0")

    suites: list[tuple[ET.Element, int, int]] = []
    for file in report.files:
        suite = ET.Element("testsuite", name=_xml(file.path), errors="0", skipped="0", time="0")
        properties = ET.SubElement(suite, "properties")
        for key, value in _junit_properties(file):
            ET.SubElement(properties, "property", name=key, value=_xml(value))
        by_rule: dict[str, list[Problem]] = {}
        for problem in file.problems:
            by_rule.setdefault(problem.code, []).append(problem)
        left_out: dict[str, list[tuple[str, str, int]]] = {}
        for (code, name, severity), n in sorted(file.left_out.items()):
            left_out.setdefault(code, []).append((name, severity, n))
        tests = failures = 0
        for code in sorted({*by_rule, *left_out}):
            name = by_rule[code][0].name if code in by_rule else left_out[code][0][0]
            testcase = case(suite, file.path, f"{code} {name}")
            tests += 1
            out = []
            for problem in by_rule.get(code, []):
                if problem.severity in failing:
                    failure = ET.SubElement(
                        testcase, "failure", message=_xml(_junit_line(problem)), type=problem.severity
                    )
                    failure.text = _xml(
                        f"{file.path}:{problem.line or 1}:{problem.column or 1}: {problem.code} "
                        f"[{problem.severity}] {_where(problem)}"
                    )
                else:
                    out.append(f"{_junit_line(problem)} [{problem.severity}]")
            for _, level, n in left_out.get(code, []):
                text = f"{n:,} more {code} ({level}) found past max-problems-per-rule: counted, not listed"
                if level in failing:
                    ET.SubElement(testcase, "failure", message=_xml(text), type=level)
                else:
                    out.append(text)
            if len(testcase):
                failures += 1
            if out:
                ET.SubElement(testcase, "system-out").text = _xml("\n".join(out))
        if not tests:
            case(suite, file.path, "no problems")
            tests = 1
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        totals.update(tests=tests, failures=failures)
        suites.append((suite, tests, failures))
    if report.max_usd is not None:
        suite = ET.Element("testsuite", name="budget", tests="1", errors="0", skipped="0", time="0")
        testcase = case(suite, "ftdata", f"estimated cost within --max-usd ${report.max_usd:,.2f}")
        budget = budget_message(report)
        if budget:
            ET.SubElement(testcase, "failure", message=_xml(f"over budget: {budget}"), type="budget")
        elif report.usd is None:
            ET.SubElement(testcase, "system-out").text = "no price for the chosen model: the budget is not checked"
        suite.set("failures", "1" if budget else "0")
        totals.update(tests=1, failures=1 if budget else 0)
        suites.append((suite, 1, 1 if budget else 0))
    for path, message in report.inputs_failed:  # a path that could not be read fails, like the run
        suite = ET.Element("testsuite", name=_xml(path), tests="1", failures="1", errors="0", skipped="0", time="0")
        ET.SubElement(case(suite, path, "readable"), "failure", message=_xml(message), type="input")
        totals.update(tests=1, failures=1)
        suites.append((suite, 1, 1))
    root.extend(suite for suite, _, _ in suites)
    root.set("tests", str(totals["tests"]))
    root.set("failures", str(totals["failures"]))
    root.set("errors", "0")
    root.set("time", "0")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _junit_properties(file: FileReport) -> Iterator[tuple[str, str]]:
    yield "role", file.role
    yield "format", file.format or ""
    yield "examples", str(file.examples)
    if file.tokens:
        yield "tokens.encoding", file.tokens.encoding
        yield "tokens.total", str(file.tokens.total)
        yield "tokens.billed", str(file.tokens.billed)
        yield "tokens.trained", str(file.tokens.trained)
    if file.cost:
        yield "cost.model", file.cost.model or ""
        yield "cost.epochs", str(file.cost.epochs)
        yield "cost.trained_tokens", str(file.cost.trained_tokens)
        yield "cost.usd", "" if file.cost.usd is None else f"{file.cost.usd:.6f}"


# GitLab Code Quality severities: an error makes the service refuse the file ("major"; "critical" and
# "blocker" are left for nothing), a warning costs quality or money ("minor"), an info is advice ("info").
_GITLAB_SEVERITY = {"error": "major", "warning": "minor", "info": "info"}


def format_gitlab(report: Report, options: RenderOptions) -> str:
    """GitLab Code Quality: a JSON array with one issue per problem (file-level problems at line 1)."""
    return _json(
        [
            {
                "description": f"{problem.code} {problem.name}: {_where(problem)}",
                "check_name": problem.code,
                "fingerprint": fingerprint,
                "severity": _GITLAB_SEVERITY.get(problem.severity, "info"),
                "location": {"path": file.path, "lines": {"begin": problem.line or 1}},
            }
            for file, problem, fingerprint in fingerprinted(report)
        ]
    )


def format_json_lines(report: Report, options: RenderOptions) -> str:
    """One compact JSON object per problem per line (``file`` then the problem's json fields), then
    ``{"summary": {...}}``: the json document's summary plus ``files`` (each file's entry without problems)."""
    lines = [
        orjson.dumps({"file": file.path, **problem.to_dict()}).decode()
        for file in report.files
        for problem in file.problems
    ]
    summary = {
        **report.summary(),
        "files": [_file_facts(file) for file in report.files],
        "inputs_failed": [{"path": path, "message": message} for path, message in report.inputs_failed],
    }
    lines.append(orjson.dumps({"summary": summary}).decode())
    return "\n".join(lines)


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


def is_machine(name: str) -> bool:
    """Whether the format called ``name`` is for programs (see :attr:`OutputFormat.machine`)."""
    output_format = OUTPUT_FORMATS.get(name)
    return output_format is not None and output_format.machine


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
    name: str, subject: Literal["targets"], value: Sequence[Profile], options: RenderOptions | None = None
) -> str: ...
@overload
def render(
    name: str, subject: Literal["rules"], value: Sequence[Rule], options: RenderOptions | None = None
) -> str: ...
def render(
    name: str,
    subject: Subject,
    value: Report | CostComparison | Catalog | Sequence[Profile] | Sequence[Rule],
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
        targets=format_targets,
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
        targets=format_targets_json,
        rules=format_rules_json,
        machine=True,
    )
)
register_format(
    OutputFormat(
        "github",
        "GitHub Actions workflow commands: a group per file with its annotations, tokens and cost, then the "
        "summary line (and a Markdown summary in $GITHUB_STEP_SUMMARY)",
        lint=format_github,
        machine=True,
    )
)
register_format(
    OutputFormat(
        "sarif",
        "SARIF 2.1.0, for GitHub code scanning and other static-analysis viewers",
        lint=format_sarif,
        machine=True,
    )
)
register_format(
    OutputFormat(
        "junit",
        "JUnit XML: a test suite per file, a test case per rule, a failure per failing problem",
        lint=format_junit,
        machine=True,
    )
)
register_format(
    OutputFormat(
        "gitlab",
        "GitLab Code Quality JSON: an array of issues, shown on merge requests",
        lint=format_gitlab,
        machine=True,
    )
)
register_format(
    OutputFormat(
        "json-lines",
        "one JSON object per problem per line, then a summary line: streamable",
        lint=format_json_lines,
        machine=True,
    )
)


def format_token_row(row: TokenRow, limit: int | None) -> str:
    """One example of ``ftdata tokens``: where, its tokens and trained tokens, what the trainer keeps."""
    where = f"{row.path}:{row.line}"
    if row.tokens is None:
        return f"{where}  {row.error}"
    text = f"{where}  {row.tokens:,} tokens, {row.trained_tokens:,} trained"
    if limit is not None and row.dropped:
        text += f"; dropped (over {limit:,})"
    elif limit is not None and row.tokens > limit:
        text += f"; keeps {row.kept_tokens:,}, {row.kept_trained_tokens:,} trained"
    if row.error:
        text += f"; estimated: the chat template refuses it ({row.error})"
    return text


def format_token_distribution(distributions: Sequence[Distribution], about: Mapping[str, Any]) -> str:
    """The summary after the rows: per file, the distribution of tokens and trained tokens, and what the
    maximum length costs."""
    lines = [""]
    counted = f"{about['counted_with']}" + ("" if about["exact"] else " (estimates)")
    lines.append(
        f"Counted for {about['model'] or 'no model'} on {about['target']} with {counted}"
        + (f", training on {about['train_on']} tokens" if about["train_on"] else "")
        + (f", maximum length {about['max_length']:,}" if about["max_length"] else "")
        + "."
    )
    for distribution in distributions:
        figures = distribution.as_dict()
        tokens, trained = figures["tokens"], figures["trained_tokens"]
        lines.append(
            f"\n{figures['path']}: {tokens['examples']:,} examples, {tokens['total']:,} tokens, "
            f"{trained['total']:,} trained"
        )
        for label, stats in (("tokens", tokens), ("trained", trained)):
            if stats["examples"]:
                lines.append(
                    f"  {label:<8} min {stats['min']:,} · p5 {stats['p5']:,g} · median {stats['median']:,g} · "
                    f"mean {stats['mean']:,g} · p95 {stats['p95']:,g} · max {stats['max']:,}"
                )
        if about["max_length"]:
            lines.append(
                f"  over the maximum length: {figures['over_max_length']:,}"
                + (f" (dropped: {figures['dropped']:,})" if figures["dropped"] else "")
                + f"; trained tokens lost: {figures['trained_tokens_lost']:,}"
            )
        if figures["without_trained_tokens"]:
            lines.append(f"  examples left with no trained token: {figures['without_trained_tokens']:,}")
        if figures["errors"]:
            lines.append(
                f"  lines without an exact count (not an example, or the template refuses it): {figures['errors']:,}"
            )
    return "\n".join(lines)
