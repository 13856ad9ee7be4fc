"""The engine: streams each file through the reader, the token counter and the enabled rules.

It is the only place that knows about settings: it chooses the rules, stamps each finding with the rule's
code, name and (possibly overridden) severity, and builds the report with token statistics and cost.
"""

from __future__ import annotations

import datetime
import fnmatch
import os
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftdata.catalog import Catalog, Model, load_catalog
from ftdata.config import NO_MODEL_MAX_TOKENS, Settings, build_settings, load_settings
from ftdata.cost import CostComparison, FileCost, ModelCost, price_examples
from ftdata.errors import ConfigError, InputError
from ftdata.formats import detect_format, messages_of
from ftdata.reader import Item, LineIssue, Record, describe_json_type, read_path
from ftdata.registry import Rule, all_rules, find_rule, select_rules, validate_selector
from ftdata.report import FileReport, Problem, Report, TokenStats
from ftdata.ruleapi import DatasetFacts, Example, Finding, RuleContext, Severity
from ftdata.tokens import DEFAULT_COUNTING_MODEL, ExampleTokens, TokenCounter, counter_for

Source = str | os.PathLike[str]
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class Plan:
    """A lint run prepared once: the rules on, their severities and options, the model and the counter."""

    settings: Settings
    rules: tuple[Rule, ...]
    severities: Mapping[str, Severity]
    contexts: Mapping[str, RuleContext]
    model: Model | None
    max_tokens: int
    counter: TokenCounter
    catalog: Catalog
    config_root: Path | None = None

    @classmethod
    def from_settings(cls, settings: Settings, config_root: Path | None = None) -> Plan:
        registry = all_rules()
        rules = select_rules(registry, settings.select, settings.ignore, settings.extend_select)
        severities = {rule.code: rule.severity for rule in registry}
        for key, severity in settings.severity.items():
            severities[find_rule(key, registry).code] = severity
        for patterns in settings.per_file_ignores.values():
            for selector in patterns:
                validate_selector(selector, registry)
        catalog = catalog_for(settings, config_root)
        model = catalog.resolve(settings.model) if settings.model else None
        if settings.max_usd is not None and (model is None or not _priced_per_token(model)):
            raise ConfigError(
                "a budget (--max-usd / max-usd) needs a model priced per token: choose one with --model"
                + (f"; {model.name} is priced per {model.training_price.per}" if model and model.training_price else "")
            )
        max_tokens = settings.max_tokens_per_example or (
            model.max_tokens_per_example.value if model else NO_MODEL_MAX_TOKENS
        )
        options = _rule_options(registry, settings.options)
        today = today_for_rules()
        contexts = {rule.code: RuleContext(options[rule.code], max_tokens, model, today) for rule in registry}
        counter = counter_for(
            settings.model,
            catalog=catalog,
            encodings_dir=settings.encodings_dir,
            allow_download=settings.allow_download,
        )
        return cls(settings, rules, severities, contexts, model, max_tokens, counter, catalog, config_root)

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        """The rules on for one file, after per-file ignores."""
        ignored: list[str] = []
        candidate = Path(path)
        relative = _relative_posix(candidate, self.config_root)
        for pattern, selectors in self.settings.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(candidate.name, pattern):
                ignored.extend(selectors)
        if not ignored:
            return self.rules
        return select_rules(self.rules, ("ALL",), ignored)


def _priced_per_token(model: Model) -> bool:
    return model.training_price is not None and model.training_price.per == "1M tokens"


def today_for_rules() -> datetime.date:
    """Today's date, as rules about model lifecycles see it (one place, so tests can pin it)."""
    return datetime.date.today()


def catalog_for(settings: Settings, config_root: Path | None = None) -> Catalog:
    """The shipped catalog with the user's [tool.ftdata.models] laid over it."""
    where = f"{config_root / 'pyproject.toml'} [tool.ftdata.models]" if config_root else "[tool.ftdata.models]"
    return load_catalog().with_user_models(settings.models, where)


def _relative_posix(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _rule_options(rules: Sequence[Rule], configured: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    options = {rule.code: dict(rule.options) for rule in rules}
    for key, values in configured.items():
        rule = find_rule(key, rules)
        for name, value in values.items():
            if name not in rule.options:
                known = ", ".join(rule.options) or "none"
                raise ConfigError(f"rule {rule.code} ({rule.name}) has no option {name!r} (its options: {known})")
            default = rule.options[name]
            if not _same_kind(value, default):
                raise ConfigError(
                    f"option {name!r} of rule {rule.code} ({rule.name}) must be a {type(default).__name__}, "
                    f"not {value!r}"
                )
            options[rule.code][name] = value
    return options


def _same_kind(value: Any, default: Any) -> bool:
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))


def lint_items(items: Iterable[Item], plan: Plan, *, name: str, role: str = "training") -> FileReport:
    """Run one file's stream of records and line issues through the rules.

    A validation file (``role="validation"``) is checked the same way; it is not billed.
    """
    rules = plan.rules_for(name)
    line_rules = {rule.reader_issue: rule for rule in rules if rule.kind == "line"}
    record_rules = [rule for rule in rules if rule.kind == "record"]
    dataset_rules = [rule for rule in rules if rule.kind == "dataset"]
    facts = DatasetFacts(role=role)
    problems: list[Problem] = []
    trained = 0
    estimated = False
    collecting = [rule for rule in dataset_rules if rule.collect is not None]
    active: list[Rule] = record_rules
    active_collecting: list[Rule] = collecting

    def stamp(rule: Rule, findings: Iterable[Finding], line: int | None) -> None:
        for finding in findings:
            problems.append(
                Problem(
                    code=rule.code,
                    name=rule.name,
                    severity=plan.severities[rule.code],
                    line=line if finding.line == -1 else finding.line,
                    path=finding.path,
                    message=finding.message,
                    column=finding.column,
                    file=name,
                )
            )

    for item in items:
        if isinstance(item, LineIssue):
            facts.lines = max(facts.lines, item.line or 0)
            line_rule = line_rules.get(item.kind)
            if line_rule is not None:
                stamp(line_rule, line_rule.function(item), item.line)
            continue
        facts.lines = max(facts.lines, item.line)
        if facts.format is None:
            facts.format = detect_format(item.data)
            active = [r for r in record_rules if r.formats is None or facts.format in r.formats]
            active_collecting = [r for r in collecting if r.formats is None or facts.format in r.formats]
        tokens = count_example(plan.counter, item.data, facts.format)
        facts.examples += 1
        facts.token_counts.append(tokens.total)
        facts.trained_counts.append(tokens.trained)
        trained += tokens.trained
        estimated |= tokens.estimated
        example = Example(item.line, item.data, facts.format, tokens)
        for rule in active:
            stamp(rule, rule.function(example, plan.contexts[rule.code]), item.line)
        for rule in active_collecting:
            value = rule.collect(example, plan.contexts[rule.code])  # type: ignore[misc]
            if value is not None:
                facts.collected.setdefault(rule.code, []).append((item.line, value))
    for rule in dataset_rules:
        stamp(rule, rule.function(facts, plan.contexts[rule.code]), None)
    problems.sort(key=lambda p: (p.line is not None, p.line or 0))
    counts = facts.token_counts
    return FileReport(
        path=name,
        role=role,
        format=facts.format,
        examples=facts.examples,
        problems=problems,
        tokens=TokenStats.from_counts(
            counts, trained, encoding=plan.counter.encoding.name, limit=plan.max_tokens, estimated=estimated
        ),
        cost=(
            price_examples(
                counts, model=plan.model, max_tokens=plan.max_tokens, epochs=plan.settings.epochs, catalog=plan.catalog
            )
            if role == "training"
            else None
        ),
    )


def count_example(counter: TokenCounter, data: dict[str, Any], file_format: str) -> ExampleTokens:
    if file_format == "prompt-completion":
        return counter.prompt_completion(data.get("prompt"), data.get("completion"))
    if file_format == "preference":
        source = data.get("input")
        source = source if isinstance(source, dict) else {}
        tokens = counter.chat(messages_of(source) or [], tools=_list(source.get("tools")))
        for key in ("preferred_output", "non_preferred_output"):
            outputs = data.get(key)
            for message in outputs if isinstance(outputs, list) else []:
                if isinstance(message, dict):
                    extra, _ = counter.message(message)
                    tokens.total += extra
                    tokens.trained += extra
        return tokens
    tools = _list(data.get("tools"))
    functions = _list(data.get("functions"))
    return counter.chat(messages_of(data) or [], tools=tools, functions=functions)


def _list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def expand_paths(paths: Iterable[Source]) -> list[str]:
    """Paths as given; a folder stands for the .jsonl and .jsonl.gz files below it, in sorted order."""
    expanded: list[str] = []
    for path in paths:
        name = os.fspath(path)
        if name != "-" and os.path.isdir(name):
            found = sorted(
                str(p) for p in Path(name).rglob("*") if p.name.endswith((".jsonl", ".jsonl.gz")) and p.is_file()
            )
            if not found:
                raise InputError(f"{name}: is a folder with no .jsonl or .jsonl.gz file in it")
            expanded.extend(found)
        else:
            expanded.append(name)
    return expanded


def records_from(rows: Iterable[Any]) -> Iterator[Item]:
    """Records from an iterable of already-parsed objects (line numbers count from 1)."""
    count = 0
    for count, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            yield Record(count, 0, row)
        else:
            yield LineIssue("not-an-object", count, describe_json_type(row))
    if count == 0:
        yield LineIssue("empty-file", None)


def lint(
    source: Source | Iterable[Source] | Iterable[Mapping[str, Any]],
    *,
    model: str | None = None,
    validation_file: Source | None = None,
    config: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    config_root: Path | None = None,
    progress: Progress | None = None,
    **options: Any,
) -> Report:
    """Check one file, several files, a folder, or an iterable of records (dicts) and return the report.

    Settings come from ``settings`` if given, else from ``config`` (a pyproject.toml or ftdata.toml) or
    the nearest pyproject.toml with a [tool.ftdata] table; ``model`` and keyword options (``select``,
    ``ignore``, ``epochs``, ``max_usd``, ... as in the config, with ``_`` for ``-``) override them.
    ``validation_file`` is checked with the same rules and reported, but not billed. ``progress``, if
    given, is called with (path, bytes read) now and then.
    """
    if settings is None:
        settings, found = load_settings(Path(config) if config is not None else None)
        config_root = found.parent.resolve() if found else None
    unknown = sorted(set(options) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"lint() got unknown option(s) {', '.join(unknown)}")
    overrides = {key: value for key, value in options.items() if value is not None}
    if model:
        overrides["model"] = model
    if overrides:
        settings = build_settings({**settings.model_dump(), **overrides}, "lint() options")
    plan = Plan.from_settings(settings, config_root)
    report = Report(strict=settings.strict, max_usd=settings.max_usd)
    if isinstance(source, (str, os.PathLike)):
        paths: list[Any] = [source]
    else:
        paths = list(source)
        if paths and all(isinstance(row, Mapping) for row in paths):
            report.files.append(lint_items(records_from(paths), plan, name="<records>"))
            paths = []
    jobs = [(name, "training") for name in expand_paths(paths)]
    if validation_file is not None:
        jobs.append((os.fspath(validation_file), "validation"))
    for name, role in jobs:
        callback = (lambda done, _name=name: progress(_name, done)) if progress else None
        report.files.append(lint_items(read_path(name, progress=callback), plan, name=name, role=role))
    return report


def count_file(path: str, counter: TokenCounter) -> tuple[str | None, array[int]]:
    """The file's format and the token count of each example, without running any rule."""
    file_format: str | None = None
    counts: array[int] = array("q")
    for item in read_path(path):
        if isinstance(item, Record):
            file_format = file_format or detect_format(item.data)
            counts.append(count_example(counter, item.data, file_format).total)
    return file_format, counts


def estimate_cost(
    source: Source | Iterable[Source],
    *,
    model: str | Sequence[str] | None = None,
    validation_file: Source | None = None,
    config: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    config_root: Path | None = None,
    **options: Any,
) -> CostComparison:
    """Price training files on one model, several, or (``model=None``) every catalog model that takes their format.

    Each file is a separate job: its epochs follow the service's ``auto`` rule unless ``epochs`` is given.
    ``validation_file`` is counted and listed, never billed. Options are those of :func:`lint`.
    """
    if settings is None:
        settings, found = load_settings(Path(config) if config is not None else None)
        config_root = found.parent.resolve() if found else None
    unknown = sorted(set(options) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"estimate_cost() got unknown option(s) {', '.join(unknown)}")
    overrides = {key: value for key, value in options.items() if value is not None}
    if overrides:
        settings = build_settings({**settings.model_dump(), **overrides}, "estimate_cost() options")
    catalog = catalog_for(settings, config_root)
    names = [model] if isinstance(model, str) else list(model or ([settings.model] if settings.model else []))
    chosen = [catalog.resolve(name) for name in names]
    paths = expand_paths([source] if isinstance(source, (str, os.PathLike)) else source)
    roles = [(path, "training") for path in paths]
    if validation_file is not None:
        roles.append((os.fspath(validation_file), "validation"))
    counters: dict[tuple[str, str], TokenCounter] = {}
    counted: dict[tuple[str, tuple[str, str]], array[int]] = {}
    formats: dict[str, str | None] = {}

    def counts_for(path: str, entry: Model) -> array[int]:
        key = (entry.encoding, entry.tool_tokens)
        if key not in counters:
            counters[key] = counter_for(
                entry.name,
                catalog=catalog,
                encodings_dir=settings.encodings_dir,
                allow_download=settings.allow_download,
            )
        if (path, key) not in counted:
            formats[path], counted[(path, key)] = count_file(path, counters[key])
        return counted[(path, key)]

    default = catalog.resolve(settings.model) if settings.model else catalog.resolve(DEFAULT_COUNTING_MODEL)
    files: list[dict[str, object]] = []
    for path, role in roles:
        counts = counts_for(path, default)
        files.append(
            {
                "path": path,
                "role": role,
                "format": formats[path],
                "examples": len(counts),
                "tokens": sum(counts),
                "encoding": default.encoding,
            }
        )
    training_formats = {formats[path] for path, role in roles if role == "training"} - {None}
    if not chosen:
        chosen = [m for m in catalog.models if training_formats <= set(m.formats)]
    rows = []
    for entry in chosen:
        limit = settings.max_tokens_per_example or entry.max_tokens_per_example.value
        priced = []
        for path, role in roles:
            if role != "training":
                continue
            counts = counts_for(path, entry)
            estimate = price_examples(counts, model=entry, max_tokens=limit, epochs=settings.epochs, catalog=catalog)
            priced.append(FileCost(path, len(counts), sum(1 for c in counts if c > limit), estimate))
        rows.append(ModelCost(entry, limit, tuple(priced)))
    rows.sort(key=lambda row: (row.usd is None, row.usd or 0.0, row.model.name))
    return CostComparison(tuple(files), tuple(rows), catalog.prices_taken, settings.max_usd)
