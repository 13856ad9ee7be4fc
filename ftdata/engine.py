"""The engine: streams each file through the reader, the token counter and the enabled rules.

It is the only place that knows about settings: it chooses the rules, stamps each finding with the rule's
code, name and (possibly overridden) severity, and builds the report with token statistics and cost.
"""

from __future__ import annotations

import datetime
import fnmatch
import itertools
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ftdata.catalog import Catalog, Model, load_catalog
from ftdata.checker import FileCheck, Partial
from ftdata.config import NO_MODEL_MAX_TOKENS, Settings, build_settings, load_settings
from ftdata.cost import CostComparison, FileCost, ModelCost, price_examples
from ftdata.errors import ConfigError, InputError
from ftdata.formats import detect_format
from ftdata.reader import (
    BLOCK_BYTES,
    Block,
    Item,
    LineIssue,
    Record,
    count_lines,
    describe_json_type,
    parse_block,
    read_blocks,
)
from ftdata.registry import Rule, all_rules, find_rule, select_rules, validate_selector
from ftdata.report import Report
from ftdata.ruleapi import RuleContext, Severity
from ftdata.tokens import DEFAULT_COUNTING_MODEL, TokenCounter, counter_for

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
        contexts = {
            rule.code: RuleContext(options[rule.code], max_tokens, model, today, catalog, settings.method)
            for rule in registry
        }
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


_WORKER_PLANS: dict[int, Plan] = {}  # plans of the current run, inherited by forked worker processes
PARALLEL_MIN_BLOCKS = 3  # smaller files are checked in-process: starting workers would cost more


def default_jobs() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def _check_block(key: int, name: str, role: str, file_format: str | None, block: Block) -> Partial:
    """Check one block of a file (in a worker process, or in-process), its lines numbered from 1."""
    check = FileCheck(_WORKER_PLANS[key], name, role, file_format)
    data = block.read()
    check.feed(parse_block(block, data))
    check.partial.line_count = count_lines(data)
    return check.partial


class Runner:
    """Checks files block by block, in this process or in a pool of worker processes, in file order.

    Workers are forked once per run and inherit the prepared plans (rules, encodings), so nothing heavy
    is sent to them; at most ``2 × jobs`` blocks are in flight, so memory stays flat.
    """

    def __init__(self, plans: Sequence[Plan], jobs: int | None = None) -> None:
        self.jobs = max(1, jobs if jobs is not None else default_jobs())
        if self.jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
            self.jobs = 1  # pragma: no cover - workers inherit plans by forking; elsewhere run in-process
        for plan in plans:
            _WORKER_PLANS[id(plan)] = plan
        self._plans = list(plans)
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
        for plan in self._plans:
            _WORKER_PLANS.pop(id(plan), None)

    def check(
        self, plan: Plan, name: str, role: str = "training", progress: Callable[[int], None] | None = None
    ) -> FileCheck:
        """Check one file; returns the merged check (``.finish()`` gives the file's report)."""
        check = FileCheck(plan, name, role)
        blocks = read_blocks(name, block_bytes=BLOCK_BYTES, progress=progress)
        head = list(itertools.islice(blocks, PARALLEL_MIN_BLOCKS))
        parallel = self.jobs > 1 and len(head) == PARALLEL_MIN_BLOCKS
        pending: deque[Future[Partial] | Partial] = deque()
        file_format: str | None = None
        lines_before = 0

        def merge(partial: Partial) -> None:
            nonlocal lines_before
            check.merge(partial.shifted(lines_before))
            lines_before += partial.line_count

        for block in itertools.chain(head, blocks):
            if isinstance(block, LineIssue):
                issue = FileCheck(plan, name, role, file_format)
                issue.line_issue(block)
                pending.append(issue.partial)
            else:
                file_format = file_format or first_format(block, plan.settings.method)
                task = (id(plan), name, role, file_format, block)
                pending.append(self._pool_for().submit(_check_block, *task) if parallel else _check_block(*task))
            while len(pending) > 2 * self.jobs or (pending and not isinstance(pending[0], Future)):
                merge(_result(pending.popleft()))
        while pending:
            merge(_result(pending.popleft()))
        return check

    def _pool_for(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        return self._pool


def _result(slot: Future[Partial] | Partial) -> Partial:
    return slot.result() if isinstance(slot, Future) else slot


def first_format(block: Block, method: str | None) -> str | None:
    """The format of the first record in a block (a file's format is its first record's)."""
    for item in parse_block(block):
        if isinstance(item, Record):
            return detect_format(item.data, method)
    return None


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


def resolve_settings(
    caller: str,
    settings: Settings | None,
    config: str | os.PathLike[str] | None,
    config_root: Path | None,
    options: Mapping[str, Any],
) -> tuple[Settings, Path | None]:
    """The library's settings: given, or read from the config file; keyword options (not None) on top."""
    if settings is None:
        settings, found = load_settings(Path(config) if config is not None else None)
        config_root = found.parent.resolve() if found else None
    unknown = sorted(set(options) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"{caller} got unknown option(s) {', '.join(unknown)}")
    overrides = {key: value for key, value in options.items() if value is not None}
    if overrides:
        settings = build_settings({**settings.model_dump(), **overrides}, f"{caller} options")
    return settings, config_root


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
    settings, config_root = resolve_settings(
        "lint()", settings, config, config_root, {**options, "model": model or options.get("model")}
    )
    plan = Plan.from_settings(settings, config_root)
    report = Report(strict=settings.strict, max_usd=settings.max_usd)
    if isinstance(source, (str, os.PathLike)):
        paths: list[Any] = [source]
    else:
        paths = list(source)
        if paths and all(isinstance(row, Mapping) for row in paths):
            check = FileCheck(plan, "<records>")
            check.feed(records_from(paths))
            report.files.append(check.finish())
            paths = []
    jobs = [(name, "training") for name in expand_paths(paths)]
    if validation_file is not None:
        jobs.append((os.fspath(validation_file), "validation"))
    with Runner([plan], settings.jobs) as runner:
        for name, role in jobs:
            callback = (lambda done, _name=name: progress(_name, done)) if progress else None
            report.files.append(runner.check(plan, name, role, callback).finish())
    return report


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
    settings, config_root = resolve_settings("estimate_cost()", settings, config, config_root, options)
    catalog = catalog_for(settings, config_root)
    names = [model] if isinstance(model, str) else list(model or ([settings.model] if settings.model else []))
    chosen = [catalog.resolve(name) for name in names]
    paths = expand_paths([source] if isinstance(source, (str, os.PathLike)) else source)
    roles = [(path, "training") for path in paths]
    if validation_file is not None:
        roles.append((os.fspath(validation_file), "validation"))
    # Counting needs no rule; each (encoding, tool-token constants) pair is counted once per file.
    counting = settings.model_copy(update={"select": (), "extend_select": (), "max_usd": None})
    plans: dict[tuple[str, str], Plan] = {}

    def plan_for(entry: Model) -> Plan:
        key = (entry.encoding, entry.tool_tokens)
        if key not in plans:
            plans[key] = Plan.from_settings(counting.merged(model=entry.name), config_root)
        return plans[key]

    checks: dict[tuple[str, int], FileCheck] = {}

    def count(wanted: Sequence[tuple[str, Plan]]) -> None:
        todo = [(path, plan) for path, plan in wanted if (path, id(plan)) not in checks]
        with Runner(list({id(plan): plan for _, plan in todo}.values()), settings.jobs) as runner:
            for path, plan in todo:
                checks[(path, id(plan))] = runner.check(plan, path)

    default = plan_for(catalog.resolve(settings.model or DEFAULT_COUNTING_MODEL))
    count([(path, default) for path, _ in roles])
    files: list[dict[str, object]] = []
    for path, role in roles:
        facts = checks[(path, id(default))].partial.facts
        files.append(
            {
                "path": path,
                "role": role,
                "format": facts.format,
                "examples": facts.examples,
                "tokens": sum(tokens * n for tokens, n in facts.token_counts.items()),
                "encoding": default.counter.encoding.name,
            }
        )
    training = [path for path, role in roles if role == "training"]
    training_formats = {checks[(path, id(default))].partial.facts.format for path in training} - {None}
    if not chosen:
        chosen = [m for m in catalog.models if training_formats <= set(m.formats)]
    count([(path, plan_for(entry)) for entry in chosen for path in training])
    rows = []
    for entry in chosen:
        limit = settings.max_tokens_per_example or entry.max_tokens_per_example.value
        priced = []
        for path in training:
            counts = checks[(path, id(plan_for(entry)))].partial.facts.token_counts
            estimate = price_examples(counts, model=entry, max_tokens=limit, epochs=settings.epochs, catalog=catalog)
            over = sum(n for tokens, n in counts.items() if tokens > limit)
            priced.append(FileCost(path, sum(counts.values()), over, estimate))
        rows.append(ModelCost(entry, limit, tuple(priced)))
    rows.sort(key=lambda row: (row.usd is None, row.usd or 0.0, row.model.name))
    return CostComparison(tuple(files), tuple(rows), catalog.prices_taken, settings.max_usd)
