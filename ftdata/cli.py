"""The ``ftdata`` command. It only parses options into settings, calls the library and picks an output format.

Exit codes: 0 no error, 1 at least one error (or warning with --strict), 2 could not run.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ftdata import __version__, target
from ftdata.config import Settings, discovery_start, load_settings, parse_assignments
from ftdata.engine import estimate_cost
from ftdata.engine import lint as run_lint
from ftdata.errors import ConfigError, FtdataError, RuleCrashError
from ftdata.formatters import RenderOptions, Subject, formats_for, render
from ftdata.reader import STDIN
from ftdata.registry import Rule, all_rules, find_rule
from ftdata.vocabulary import METHODS

PROGRESS_MIN_BYTES = 16 * 1024 * 1024  # show a progress line for files at least this large
_Command = TypeVar("_Command", bound=Callable[..., Any])

if TYPE_CHECKING:
    _StrChoice = click.Choice[str]
else:
    _StrChoice = click.Choice  # not subscriptable before click 8.4


class _FormatChoice(_StrChoice):
    """A command's ``--format`` choices: the registered formats that render its subject, read when used."""

    def __init__(self, subject: Subject) -> None:
        self.subject = subject
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(formats_for(self.subject))

    @choices.setter
    def choices(self, value: object) -> None:
        pass  # the registry is the only source


def _format_option(subject: Subject, **kwargs: Any) -> Callable[[_Command], _Command]:
    return click.option("-f", "--format", "output_format", type=_FormatChoice(subject), **kwargs)


def _echo(output: str) -> None:
    """A renderer's whole output on stdout (nothing at all when it is empty, as concise with no problems)."""
    if output:
        click.echo(output)


def _options(*, show_all: bool = False) -> RenderOptions:
    return RenderOptions(show_all=show_all, today=target.today())


class ToolError(click.ClickException):
    """ftdata could not run: exit code 2, as for a bad option (click's own exceptions exit 1)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"ftdata: error: {self.format_message()}", err=True)


def _fail(exc: FtdataError) -> NoReturn:
    if isinstance(exc, RuleCrashError) and _verbose():
        click.echo(f"ftdata: traceback of the failing rule {exc.code}:\n{exc.details.rstrip()}", err=True)
    raise ToolError(str(exc)) from exc


_VERBOSE = "ftdata.verbose"


def _verbose() -> bool:
    context = click.get_current_context(silent=True)
    return bool(context and context.find_root().meta.get(_VERBOSE))


def _set_verbose(context: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        context.find_root().meta[_VERBOSE] = True


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="ftdata")
def main() -> None:
    """Check fine-tuning datasets (JSONL) before upload: problems line by line, tokens and cost."""


def _config_options(function: Any) -> Any:
    """Options shared by every command that reads settings."""
    for option in reversed(
        [
            click.option(
                "--config",
                "config_file",
                type=click.Path(exists=True, dir_okay=False, path_type=Path),
                help="Config file (pyproject.toml or ftdata.toml) instead of the nearest pyproject.toml.",
            ),
            click.option("--isolated", is_flag=True, help="Ignore all configuration files."),
            click.option(
                "-v",
                "--verbose",
                is_flag=True,
                expose_value=False,
                callback=_set_verbose,
                help="Say more on stderr (the traceback when a rule fails).",
            ),
        ]
    ):
        function = option(function)
    return function


def _run_options(function: Any) -> Any:
    """Options shared by lint and cost."""
    for option in reversed(
        [
            click.option(
                "--target",
                help="Service the job runs on: a shipped profile or one in [tool.ftdata.targets] [default: openai].",
            ),
            click.option(
                "--epochs", type=click.IntRange(1, 50), help="Epochs for the cost [default: the service's auto rule]."
            ),
            click.option(
                "--method",
                type=click.Choice(METHODS),
                help="What you will train, where the file's shape is ambiguous (rft: chat-shaped RFT examples).",
            ),
            click.option(
                "-j",
                "--jobs",
                type=click.IntRange(min=1),
                help="Worker processes for large files [default: one per available core].",
            ),
            click.option(
                "--validation-file",
                type=click.Path(dir_okay=False, allow_dash=True),
                help="Validation file: checked (lint) and counted, never billed.",
            ),
            click.option(
                "--max-usd",
                type=click.FloatRange(min=0),
                help="Budget: exit 1 when the estimated training cost is over this many USD.",
            ),
            click.option(
                "--max-tokens-per-example", type=click.IntRange(min=1), help="Override the model's token limit."
            ),
            click.option(
                "--max-problems-per-rule",
                type=click.IntRange(min=0),
                help="Problems kept per rule and file; the rest are counted [default: 1000; 0: keep all].",
            ),
            click.option(
                "--max-line-bytes",
                type=click.IntRange(min=64),
                help="Longer lines are reported and skipped, never held in memory [default: 256 MiB].",
            ),
            click.option(
                "--encodings-dir", type=click.Path(file_okay=False), help="Folder with <encoding>.tiktoken files."
            ),
            click.option(
                "--allow-download",
                is_flag=True,
                default=None,
                help="Allow downloading a missing encoding (30 s timeout).",
            ),
        ]
    ):
        function = option(function)
    return _config_options(function)


def _settings(
    config_file: Path | None, isolated: bool, paths: Sequence[str] = (), **overrides: Any
) -> tuple[Settings, Path | None]:
    """The config file's settings with the command line's laid over them, and the config's folder.

    Discovery starts from the folder of the files to check (the working folder for stdin); with
    ``--verbose`` the command says which config it used and why.
    """
    if isolated and config_file is not None:
        raise ConfigError("--config and --isolated contradict each other: give one of them")
    start = discovery_start(paths)
    settings, found = (Settings(), None) if isolated else load_settings(config_file, start=start)
    if _verbose():
        if isolated:
            click.echo("ftdata: --isolated: no config file read", err=True)
        elif config_file is not None:
            click.echo(f"ftdata: config {config_file} (given with --config)", err=True)
        elif found is not None:
            click.echo(f"ftdata: config {found} (the nearest to {start})", err=True)
        else:
            click.echo(f"ftdata: no config file found from {start} upwards; using the defaults", err=True)
    severities = overrides.pop("severities", ())
    if severities:
        overrides["severity"] = {**settings.severity, **parse_assignments(_split(severities), "severity")}
    grader_keys = overrides.pop("grader_keys", None)
    if grader_keys:
        options = {key: dict(value) for key, value in settings.options.items()}
        options.setdefault("missing-grader-key", {})["keys"] = list(_split([grader_keys]))
        overrides["options"] = options
    return settings.merged(**overrides), (found.parent.resolve() if found else None)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-m", "--model", help="Model to check against (limits, encoding, price), e.g. gpt-4o-mini.")
@_format_option("lint", help="Output format [default: text; github under GitHub Actions].")
@click.option(
    "--select", multiple=True, help="Rules to check: codes, prefixes (FT1), names or groups; comma-separated."
)
@click.option("--extend-select", multiple=True, help="Rules to add to the selection.")
@click.option("--ignore", multiple=True, help="Rules to skip: codes, prefixes, names or groups; comma-separated.")
@click.option(
    "--severity",
    "severities",
    multiple=True,
    metavar="RULE=LEVEL",
    help="Change a rule's severity, e.g. --severity FT201=info.",
)
@click.option("--grader-keys", help="RFT: keys every example must have for the graders, comma-separated.")
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (2 still means could not run).")
@click.option("--show-all", is_flag=True, help="Text format: list every problem, not 20 per rule per file.")
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
@_run_options
def lint(
    paths: tuple[str, ...],
    model: str | None,
    output_format: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    severities: tuple[str, ...],
    grader_keys: str | None,
    strict: bool | None,
    exit_zero: bool,
    show_all: bool,
    progress: bool | None,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """Check JSONL files and report problems, tokens and cost.

    PATHS are files (- for standard input; gzip is decompressed) or folders (their .jsonl and .jsonl.gz files).
    """
    meters = _ProgressMeters(progress)
    try:
        settings, root = _settings(
            config_file,
            isolated,
            paths,
            model=model,
            strict=strict,
            severities=severities,
            grader_keys=grader_keys,
            **overrides,
        )
        # The command line's selection is a layer on the config's: --select starts anew, --ignore and
        # --extend-select add to the config's, and a rule selected here beats the config's ignore (as ruff).
        selection: dict[str, Any] = {
            "select": _split(select) or None,
            "ignore": _split(ignore),
            "extend_select": _split(extend_select),
        }
        report = run_lint(
            paths,
            settings=settings,
            config_root=root,
            validation_file=validation_file,
            progress=meters,
            **{key: value for key, value in selection.items() if value},
        )
    except FtdataError as exc:
        _fail(exc)
    finally:
        meters.done()
    chosen = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    _echo(render(chosen, "lint", report, _options(show_all=show_all)))
    if report.over_budget:
        click.echo(
            f"ftdata: over budget: the estimate ${report.usd:,.2f} is above --max-usd ${report.max_usd:,.2f}", err=True
        )
    sys.exit(0 if exit_zero or report.ok else 1)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "-m",
    "--model",
    "models",
    multiple=True,
    help="Model(s) to price [default: every catalog model that takes the files' format].",
)
@_format_option("cost", default="text")
@_run_options
def cost(
    paths: tuple[str, ...],
    models: tuple[str, ...],
    output_format: str,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """What training on these files would cost, per model, cheapest first.

    Counts every example with each model's own encoding, applies the model's limit (longer examples are
    truncated and billed up to the limit) and the service's auto epochs rule (unless --epochs), and prices
    the trained tokens. Each file is a separate job; the total is their sum.
    """
    try:
        settings, root = _settings(config_file, isolated, paths, **overrides)
        comparison = estimate_cost(
            paths, model=_split(models) or None, validation_file=validation_file, settings=settings, config_root=root
        )
    except FtdataError as exc:
        _fail(exc)
    _echo(render(output_format, "cost", comparison, _options()))
    over = comparison.over_budget
    if over:
        names = ", ".join(f"{m.model.name} (${m.usd:,.2f})" for m in over)
        click.echo(f"ftdata: over budget (--max-usd ${comparison.max_usd:,.2f}): {names}", err=True)
        sys.exit(1)


@main.command()
@_format_option("models", default="text")
@_config_options
def models(output_format: str, config_file: Path | None, isolated: bool) -> None:
    """List the model catalog: limits, prices (and when they were taken), methods and end dates."""
    try:
        settings, root = _settings(config_file, isolated)
        catalog = target.catalog_for(settings, root)
    except FtdataError as exc:
        _fail(exc)
    _echo(render(output_format, "models", catalog, _options()))


class _ProgressMeters:
    """Progress lines on stderr, one file at a time (only on a terminal and for big files, unless asked)."""

    def __init__(self, wanted: bool | None) -> None:
        self.wanted = wanted
        self.meters: dict[str, _ProgressMeter | None] = {}
        self.current: _ProgressMeter | None = None

    def __call__(self, path: str, done: int) -> None:
        if path not in self.meters:
            self.done()
            self.meters[path] = self.current = _progress_meter(path, self.wanted)
        meter = self.meters[path]
        if meter is not None:
            meter(done)

    def done(self) -> None:
        if self.current is not None:
            self.current.done()
            self.current = None


class _ProgressMeter:
    """A one-line progress display on stderr: bytes read, share of the file, MB/s."""

    def __init__(self, path: str, size: int) -> None:
        self.path, self.size, self.start, self.last = path, size, time.monotonic(), 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        rate = done / max(now - self.start, 1e-9) / 1e6
        click.echo(
            f"\rftdata: {self.path}: {done / 1e6:,.0f}/{self.size / 1e6:,.0f} MB "
            f"({100 * done / max(self.size, 1):.0f}%, {rate:,.1f} MB/s)",
            err=True,
            nl=False,
        )

    def done(self) -> None:
        click.echo("\r\033[K", err=True, nl=False)


def _progress_meter(path: str, wanted: bool | None) -> _ProgressMeter | None:
    if path == STDIN or wanted is False:
        return None
    try:
        size = os.path.getsize(path)
    except OSError:
        return None  # the reader reports the unreadable file
    if wanted is None and not (sys.stderr.isatty() and size >= PROGRESS_MIN_BYTES):
        return None
    return _ProgressMeter(path, size)


@main.command(name="rules")
@_format_option("rules", default="text")
def list_rules(output_format: str) -> None:
    """List every rule: code, name, group, default severity and what it checks."""
    _echo(render(output_format, "rules", _registry(), _options()))


@main.command(name="rule")
@click.argument("code")
def show_rule(code: str) -> None:
    """Show a rule's documentation (by code or name)."""
    try:
        rule = find_rule(code, _registry())
    except FtdataError as exc:
        _fail(exc)
    click.echo(f"{rule.code} {rule.name} ({rule.group}, default severity {rule.severity})\n")
    click.echo(rule.doc)
    if rule.options:
        click.echo("\nOptions: " + ", ".join(f"{k} (default {v!r})" for k, v in rule.options.items()))


def _registry() -> tuple[Rule, ...]:
    try:
        return all_rules()
    except FtdataError as exc:
        _fail(exc)


class Stopped(BaseException):
    """SIGTERM or SIGHUP: unwinds the run (the runner stops its workers on the way) to exit 128 + signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_MAIN_PID = 0  # the process that installed the handlers


def _stop(signum: int, _: object) -> None:
    if os.getpid() != _MAIN_PID:  # a worker forked a moment ago, before it set its own handlers: just end
        os._exit(128 + signum)
    raise Stopped(signum)


def _end(why: str, code: int) -> NoReturn:
    """Exit at once after a signal (the workers are already stopped): no clean-up that could wait on them."""
    click.echo(f"ftdata: {why}", err=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run() -> None:
    """The ``ftdata`` command: :func:`main` with signals handled — Ctrl-C exits 130, SIGTERM 143 and SIGHUP
    129, and worker processes end with the main one."""
    global _MAIN_PID
    _MAIN_PID = os.getpid()
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Abort as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            _end("interrupted", 130)
        sys.exit(1)  # pragma: no cover - end of input at a prompt; ftdata asks nothing
    except KeyboardInterrupt:
        _end("interrupted", 130)
    except Stopped as stopped:
        _end(f"stopped by {signal.Signals(stopped.signum).name}", 128 + stopped.signum)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)


if __name__ == "__main__":  # pragma: no cover
    run()
