"""The library's entry points: :func:`lint` and :func:`estimate_cost`.

Each resolves the settings, prepares the target and the plan (:mod:`ftdata.plan`), has the runner scan
every file of the job (:mod:`ftdata.runner`) and judges them together (:mod:`ftdata.judge`).
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from ftdata.catalog import Model
from ftdata.config import Settings, build_settings, load_settings
from ftdata.cost import CostComparison, FileCost, ModelCost
from ftdata.errors import ConfigError, InputError, UnknownModelError
from ftdata.files import Failure, FileFinder, InputsFailedError, read_failure
from ftdata.judge import judge
from ftdata.lifecycle import cannot_train, still_trains
from ftdata.openmodels import RenderedCounter
from ftdata.plan import Plan
from ftdata.profiles import known_targets, load_profile
from ftdata.reader import STDIN, records_from
from ftdata.registry import Layer
from ftdata.report import Report
from ftdata.runner import Runner
from ftdata.scan import FileScan
from ftdata.target import Target, build_target
from ftdata.tokens import TokenCounter
from ftdata.vocabulary import FileRole

Source = str | os.PathLike[str]
Progress = Callable[[str, int], None]


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


def selection_layer(options: dict[str, Any]) -> Layer | None:
    """The rule selection given as options (``select``, ``extend_select``, ``ignore``), taken out of them: a
    layer on top of the config's, as on the command line — ``select`` starts anew, ``ignore`` and
    ``extend_select`` add to the config's, and an explicitly selected rule beats a config ``ignore``."""
    given = {key: options.pop(key) for key in ("select", "extend_select", "ignore") if options.get(key) is not None}
    if not given:
        return None
    for key, value in given.items():
        values = (value,) if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or not all(isinstance(v, str) for v in values):
            raise ConfigError(f"{key} must be a rule selector or a list of them, not {type(value).__name__}")
        given[key] = tuple(values)
    return (given.get("select"), given.get("extend_select", ()), given.get("ignore", ()))


def _job_files(
    paths: Iterable[Source], validation_file: Source | None, settings: Settings, config_root: Path | None
) -> tuple[list[tuple[str, FileRole]], list[Failure]]:
    """The files of the job (folders expanded, excludes applied: :mod:`ftdata.files`) and the paths that
    could not be expanded, with why."""
    found = FileFinder.from_settings(settings, config_root).find(paths)
    training: list[str] = []
    seen: set[str] = set()
    for name in found.files:  # one file reached twice (a folder and a path in it) is one training file
        key = name if name == STDIN else os.path.realpath(name)
        if key not in seen:
            seen.add(key)
            training.append(name)
    files: list[tuple[str, FileRole]] = [(name, "training") for name in training]
    if validation_file is not None:
        files.append((os.fspath(validation_file), "validation"))
    if sum(name == STDIN for name, _ in files) > 1:
        raise InputError("standard input (-) is given twice, but it can be read only once: save it to a file")
    return files, found.failed


def _records_or_paths(
    source: Source | Iterable[Source] | Iterable[Mapping[str, Any]], validation_file: Source | None
) -> tuple[list[Any] | None, list[Source]]:
    """(records, []) or (None, paths): never a mix taken for one or the other."""
    if isinstance(source, (str, os.PathLike)):
        return None, [source]
    if isinstance(source, Mapping):
        raise InputError("lint() was given one record (a dict): pass a list of records, or a path")
    items = list(source)
    if not items and validation_file is None:
        raise InputError("lint() was given nothing to check: no path and no record")
    paths = [i for i, item in enumerate(items) if isinstance(item, (str, os.PathLike))]
    if any(isinstance(item, Mapping) for item in items):
        if paths:
            raise InputError(
                f"lint() was given records (dicts) and paths together (item {paths[0]} is a path): "
                "pass a list of records or a list of paths"
            )
        return items, []  # a record that is not an object is a problem at its line, like in a file
    other = next((i for i, item in enumerate(items) if not isinstance(item, (str, os.PathLike))), None)
    if other is not None:
        raise InputError(f"lint() item {other} is {type(items[other]).__name__}: neither a path nor a record (a dict)")
    return None, [item for item in items if isinstance(item, (str, os.PathLike))]


def lint(
    source: Source | Iterable[Source] | Iterable[Mapping[str, Any]],
    *,
    model: str | None = None,
    validation_file: Source | None = None,
    config: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    config_root: Path | None = None,
    progress: Progress | None = None,
    stdin_filename: str | None = None,
    **options: Any,
) -> Report:
    """Check one file, several files, a folder, or an iterable of records (dicts) and return the report.

    Settings come from ``settings`` if given, else from ``config`` (a pyproject.toml or ftdata.toml) or
    the nearest pyproject.toml with a [tool.ftdata] table; ``model`` and keyword options (``select``,
    ``ignore``, ``epochs``, ``max_usd``, ``target``, ... as in the config, with ``_`` for ``-``) override
    them. ``validation_file`` is checked with the same rules, judged with the training files (an example in
    both is reported), and not billed. ``stdin_filename``: the name standard input (``-``) is reported as, and
    its per-file ignores matched against. ``progress``, if given, is called with (path, bytes read) now and then.
    """
    layer = selection_layer(options)
    settings, config_root = resolve_settings(
        "lint()", settings, config, config_root, {**options, "model": model or options.get("model")}
    )
    records, paths = _records_or_paths(source, validation_file)
    plan = Plan.from_settings(settings, config_root, has_validation=validation_file is not None, layer=layer)
    _, report = scan_and_judge(
        plan, paths, validation_file, settings, config_root, progress, records=records, stdin_filename=stdin_filename
    )
    return report


def scan_and_judge(
    plan: Plan,
    paths: Sequence[Source],
    validation_file: Source | None,
    settings: Settings,
    config_root: Path | None,
    progress: Progress | None = None,
    *,
    records: Iterable[Mapping[str, Any]] | None = None,
    stdin_filename: str | None = None,
) -> tuple[list[FileScan], Report]:
    """Scan a job's files with ``plan`` and judge them: the scans (for what else they gathered, such as
    statistics) and the report. A file that cannot be read is reported; the others are still checked."""
    files, failed = _job_files(paths, validation_file, settings, config_root)
    scans: list[FileScan] = []
    if records is not None:
        scan = FileScan(plan, "<records>")
        scan.feed(records_from(records))
        scans.append(scan)
    with Runner([plan], settings.jobs) as runner:
        for name, role in files:
            callback = (lambda done, _name=name: progress(_name, done)) if progress else None
            try:
                label = stdin_filename if name == STDIN and stdin_filename else None
                scans.append(runner.scan(plan, name, role, callback, label=label))
            except InputError as exc:  # missing or unreadable: reported, and the other files are still checked
                failed.append(read_failure(name, exc))
    if failed and not scans:
        raise InputsFailedError(failed)
    report = judge(scans, plan, strict=settings.strict, max_usd=settings.max_usd)
    report.inputs_failed = failed
    return scans, report


def estimate_cost(
    source: Source | Iterable[Source],
    *,
    model: str | Sequence[str] | None = None,
    validation_file: Source | None = None,
    config: str | os.PathLike[str] | None = None,
    settings: Settings | None = None,
    config_root: Path | None = None,
    every_model: bool = False,
    progress: Progress | None = None,
    **options: Any,
) -> CostComparison:
    """Price training files on every target and model that can train them today, or on fewer.

    ``target`` (an option, or the configuration's) narrows it to one target; ``model`` to the models of
    that name (on every target that has one). Which models can train the files is decided as ``lint``
    decides it (the format, and whether new jobs can still start): with no model named, those that cannot
    are left out, or listed with why (``every_model``). With no model named here but one in the
    configuration, only that one is priced (``every_model``: all of them). Each file is a separate job: its
    epochs follow each target's rule unless ``epochs`` is given. ``validation_file`` is counted and listed,
    never billed. Options are those of :func:`lint`.
    """
    selection_layer(options)  # a rule selection changes nothing here
    settings, config_root = resolve_settings("estimate_cost()", settings, config, config_root, options)
    names = [model] if isinstance(model, str) else list(model or [])
    notes: list[str] = []
    if not names and settings.model and not every_model:
        names = [settings.model]
        notes.append(f"priced only {settings.model}, the model your configuration names; --all prices every model")
    where = f"the configuration in {config_root}" if config_root else ""
    profiles = [load_profile(name, settings.targets, where) for name in known_targets(settings.targets)]
    # with no target named, the services; a local trainer (no price per token) only when asked for
    wanted = (
        [p for p in profiles if p.name == settings.target] if settings.target else [p for p in profiles if not p.local]
    )
    unchosen = settings.model_copy(update={"model": None})  # its target stays: [tool.ftdata.models] is that one's
    bases = [build_target(unchosen, config_root, profile=profile, estimate_if_missing=True) for profile in wanted]
    chosen = _models_named(names, bases)
    if settings.max_usd is not None and chosen:  # as lint does: a budget needs a price per token
        unpriced = [(base, entry) for base, entry in chosen if not _priced_per_token(entry)]
        if len(unpriced) == len(chosen):
            base, entry = unpriced[0]
            price = entry.training_price
            raise ConfigError(
                f"a budget (--max-usd / max-usd) needs a model priced per token; {entry.name} on "
                f"{base.profile.name} is priced "
                + (f"per {price.per}" if price and price.usd is not None else "by no known figure")
            )
    sources = [source] if isinstance(source, (str, os.PathLike)) else source
    files, failed = _job_files(sources, validation_file, settings, config_root)
    if failed:  # a table that leaves out a file would understate the cost: nothing is priced
        raise InputsFailedError(failed)
    return _price(files, bases, settings, chosen, notes, every_model, progress)


def _models_named(names: Sequence[str], bases: Sequence[Target]) -> list[tuple[Target, Model]] | None:
    """The (target, model) pairs the names pick, on every target that has them (None: no names)."""
    if not names:
        return None
    chosen: list[tuple[Target, Model]] = []
    for name in names:
        found = []
        for base in bases:
            with contextlib.suppress(UnknownModelError):
                found.append((base, base.catalog.resolve(name)))
        if not found:
            if len(bases) == 1:
                bases[0].catalog.resolve(name)  # raises that target's own error, with close names
            known = ", ".join(b.profile.name for b in bases)
            raise UnknownModelError(
                f"unknown model {name!r}: no target ({known}) fine-tunes it; 'ftdata models --target NAME' lists "
                "a target's models, or add one of your own under [tool.ftdata.models]"
            )
        chosen += found
    return chosen


def _price(
    files: list[tuple[str, FileRole]],
    bases: Sequence[Target],
    settings: Settings,
    chosen: list[tuple[Target, Model]] | None,
    notes: list[str],
    every_model: bool,
    progress: Progress | None,
) -> CostComparison:
    """The cost table of the files (streams too: each file is read once).

    One pass per file: the scan counts every example with each way of counting the priced models need
    (an encoding and its tool-token overheads), the first in the scan's own facts, the others beside them."""

    def counting(counter: TokenCounter | RenderedCounter) -> tuple[object, ...]:
        if isinstance(counter, RenderedCounter):
            return counter.key
        return (counter.encoding_name, *counter.tool_constants.model_dump(exclude={"source", "verified"}).values())

    targets: dict[tuple[str, str], Target] = {}
    totals_only = settings.model_copy(update={"train_on": "all"})

    def target_of(base: Target, entry: Model) -> Target:
        """The target with this model (an open-weight one counted with its own files where they are found)."""
        found = targets.get((base.profile.name, entry.name))
        if found is None:
            # a service bills an example's tokens whatever its loss covers: counted once per template and
            # tokenizer (all tokens), not once per loss rule
            counting_settings = settings if base.profile.local else totals_only
            found = base.for_model(entry, counting_settings, estimate_if_missing=True)
            targets[(base.profile.name, entry.name)] = found
        return found

    def key_of(base: Target, entry: Model) -> tuple[object, ...]:
        return counting(target_of(base, entry).counter)

    first = bases[0]
    every = [(base, entry) for base in bases for entry in base.catalog.models]
    # the models that may be priced (a model whose jobs have ended is counted only when asked for)
    candidates = chosen if chosen is not None else [(b, m) for b, m in every if every_model or still_trains(m, b.today)]
    # the files' own count: with no model, o200k_base as today's models count; on a local trainer (open
    # models only), the first model's own template and tokenizer
    default = Plan.count_only(target_of(*candidates[0]) if first.profile.local and candidates else first)
    ways: dict[tuple[object, ...], TokenCounter | RenderedCounter] = {
        counting(default.target.counter): default.target.counter
    }
    for base, entry in candidates:
        counter = target_of(base, entry).counter
        ways.setdefault(counting(counter), counter)  # models that count alike are counted once
    plan = replace(default, also_count=tuple(list(ways.values())[1:]))
    scans: dict[str, FileScan] = {}
    with Runner([plan], settings.jobs) as runner:
        for path, _ in files:
            callback = (lambda done, _path=path: progress(_path, done)) if progress else None
            scans[path] = runner.scan(plan, path, progress=callback, label=path)

    position = {key: index for index, key in enumerate(ways)}  # 0: the scan's own count, then also_count's

    def histogram(path: str, key: tuple[object, ...]) -> Counter[int]:
        facts = scans[path].partial.facts
        index = position[key]
        return facts.token_counts if index == 0 else facts.also_counts[index - 1]

    listed: list[dict[str, object]] = []
    for path, role in files:
        facts = scans[path].partial.facts
        listed.append(
            {
                "path": path,
                "role": role,
                "format": facts.format,
                "examples": facts.examples,
                "tokens": sum(tokens * n for tokens, n in facts.token_counts.items()),
                "encoding": default.target.counter.encoding_name,
            }
        )
    training = [path for path, role in files if role == "training"]
    formats = {scans[path].partial.facts.format for path in training} - {None}
    file_format = next(iter(formats)) if len(formats) == 1 else None
    status = {(b.profile.name, m.name): cannot_train(m, formats, b.today, settings.method) for b, m in every}
    if chosen is None:
        chosen = [(b, m) for b, m in every if every_model or status[(b.profile.name, m.name)] is None]
        hidden = len(every) - len(chosen)
        if hidden:
            notes.append(
                f"{hidden} model(s) cannot train these files today (format, or new jobs ended) and are "
                "left out; --all lists them, marked"
            )
    rows = []
    for base, entry in chosen:
        target = target_of(base, entry)
        limit = target.max_tokens_for(file_format)
        priced = []
        for path in training:
            counts = histogram(path, key_of(base, entry))
            over = sum(n for tokens, n in counts.items() if tokens > limit)
            file_format_here = scans[path].partial.facts.format
            priced.append(FileCost(path, sum(counts.values()), over, target.price(counts, file_format_here)))
        known = target.max_tokens_source != "default"
        status_now = status.get((base.profile.name, entry.name))
        rows.append(
            ModelCost(entry, limit, tuple(priced), status_now, base.profile.name, known, exact=target.exact_counts)
        )
    # cheapest first; a figure for one epoch (the target's default is unknown) cannot be ranked with whole jobs
    rows.sort(
        key=lambda row: (
            row.status is not None,
            row.usd is None,
            row.per_epoch,
            row.usd or 0.0,
            row.target,
            row.model.name,
        )
    )
    if settings.max_usd is not None and any(row.usd is None and row.status is None for row in rows):
        notes.append("the budget is not checked on models without a price per token")
    if settings.max_usd is not None and any(row.per_epoch and row.status is None for row in rows):
        notes.append("where a target's default epochs are unknown the budget is checked on one epoch: pass --epochs")
    if any(not row.exact for row in rows):
        notes.append(
            "~: estimates (o200k_base) for open-weight models whose own tokenizer and chat template are not on this "
            "machine or have no counter in ftdata yet; pip install 'ftdata[open-models]' counts Qwen and DeepSeek "
            "models exactly"
        )
    by_name = {base.profile.name: base for base in bases}
    taken = {row.target: by_name[row.target].catalog.prices_taken for row in rows} or {
        first.profile.name: first.catalog.prices_taken
    }
    prices_taken = (
        "; ".join(f"{name}: {when}" for name, when in taken.items()) if len(taken) > 1 else next(iter(taken.values()))
    )
    return CostComparison(tuple(listed), tuple(rows), prices_taken, settings.max_usd, tuple(notes))


def _priced_per_token(model: Model) -> bool:
    price = model.training_price
    return price is not None and price.usd is not None and price.per == "1M tokens"
