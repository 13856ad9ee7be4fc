"""The ``ftdata`` command. It only parses options into settings, calls the library and picks an output format.

Exit codes: 0 no error, 1 at least one error (or warning with --strict), 2 could not run.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from ftdata import __version__, target
from ftdata.config import Settings, discover_config, load_settings, parse_assignments
from ftdata.engine import estimate_cost, selection_layer
from ftdata.engine import lint as run_lint
from ftdata.errors import ConfigError, FtdataError, InputError, RuleCrashError
from ftdata.files import InputsFailedError
from ftdata.formatters import (
    RenderOptions,
    Subject,
    budget_message,
    format_token_distribution,
    format_token_row,
    formats_for,
    github_step_summary,
    is_machine,
    render,
    report_schema_text,
    summary_line,
)
from ftdata.reader import STDIN
from ftdata.registry import Rule, all_rules, find_rule, rule_markdown
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


class _InputsFailed(ToolError):
    """No path given could be checked: one line on stderr for each, then exit 2."""

    def __init__(self, failures: Sequence[tuple[str, str]]) -> None:
        super().__init__("no path given could be checked")
        self.failures = failures

    def show(self, file: Any = None) -> None:
        _say_inputs_failed(self.failures)


def _say_inputs_failed(failures: Iterable[tuple[str, str]]) -> None:
    for path, message in failures:
        click.echo(f"ftdata: error: {path}: {message}", err=True)


def _patterns(_: click.Context, __: click.Parameter, values: tuple[str, ...]) -> tuple[str, ...] | None:
    """--exclude / --extend-exclude: repeated or comma-separated patterns; None when not given."""
    return _split(values) or None


def _fail(exc: FtdataError) -> NoReturn:
    if isinstance(exc, InputsFailedError):
        raise _InputsFailed(exc.failures) from exc
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


def _print_version(context: click.Context) -> None:
    from ftdata.profiles import load_profile, shipped_profiles

    profiles = [load_profile(name) for name in sorted(shipped_profiles())]
    models = sum(len(profile.catalog.models) for profile in profiles)
    click.echo(
        f"ftdata, version {__version__} (targets: {', '.join(p.name for p in profiles)}; {models} models; "
        f"openai prices taken {load_profile('openai').prices_taken})"
    )
    context.exit()


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda context, _, value: _print_version(context) if value else None,
    help="Show the version, the targets and models it knows and the date of OpenAI's prices, and exit.",
)
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


def _selection_options(function: Any) -> Any:
    """The rule options of lint and report: which rules run (--select, --extend-select, --ignore, --deep)
    and at which severity."""
    for option in reversed(
        [
            click.option(
                "--select",
                multiple=True,
                help="Rules to check: codes, prefixes (FT1), names or groups; comma-separated.",
            ),
            click.option("--extend-select", multiple=True, help="Rules to add to the selection."),
            click.option(
                "--ignore", multiple=True, help="Rules to skip: codes, prefixes, names or groups; comma-separated."
            ),
            click.option(
                "--severity",
                "severities",
                multiple=True,
                metavar="RULE=LEVEL",
                help="Change a rule's severity, e.g. --severity FT201=info.",
            ),
            click.option(
                "--deep",
                is_flag=True,
                help="Run the slow checks too (near-duplicates: near-duplicate-example, validation-near-copy).",
            ),
        ]
    ):
        function = option(function)
    return function


def _selection(select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...]) -> dict[str, Any]:
    """The command line's selection, a layer on the config's: --select starts anew, --ignore and
    --extend-select add to the config's, and a rule selected here beats the config's ignore (as ruff)."""
    given = {"select": _split(select), "ignore": _split(ignore), "extend_select": _split(extend_select)}
    return {key: value for key, value in given.items() if value}


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
                "--max-tokens-per-example",
                "--max-length",
                type=click.IntRange(min=1),
                help="Override the model's token limit (a trainer's maximum length: --max-length).",
            ),
            click.option(
                "--tokenizer",
                type=click.Path(file_okay=False),
                help="Open-weight model: its tokenizer.json and chat template, in a folder as on the Hugging Face Hub.",
            ),
            click.option(
                "--train-on",
                type=click.Choice(["all", "assistant", "last"]),
                help="Open-weight model: what the loss covers: all tokens, the assistant turns, the last one "
                "[default: the target's].",
            ),
            click.option(
                "--date",
                "template_date",
                type=click.DateTime(formats=["%Y-%m-%d"]),
                callback=lambda _c, _p, value: value.date() if value else None,
                help="Open-weight model: the date its chat template sees (YYYY-MM-DD) [default: today].",
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
            click.option(
                "--exclude",
                multiple=True,
                metavar="PATTERN",
                callback=_patterns,
                help="Paths to leave out of folders, gitignore-style, comma-separated; replaces the default list "
                "(.git, .venv, node_modules, build, ...) and the config's.",
            ),
            click.option(
                "--extend-exclude",
                multiple=True,
                metavar="PATTERN",
                callback=_patterns,
                help="Paths to leave out, on top of the excluded ones (comma-separated).",
            ),
            click.option(
                "--respect-gitignore/--no-respect-gitignore",
                default=None,
                help="Leave out of folders what .gitignore ignores [default: respect].",
            ),
            click.option(
                "--force-exclude/--no-force-exclude",
                default=None,
                help="Apply the excludes to paths named on the command line too (for pre-commit) [default: no].",
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
    start, nearest = discover_config(paths) if config_file is None and not isolated else (Path.cwd(), None)
    settings, found = (Settings(), None) if isolated else load_settings(config_file or nearest, start=start)
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
    extend_exclude = overrides.pop("extend_exclude", None)
    if extend_exclude:  # on top of the config's extend-exclude, as ruff does
        overrides["extend_exclude"] = (*settings.extend_exclude, *extend_exclude)
    grader_keys = overrides.pop("grader_keys", None)
    if grader_keys and (overrides.get("method") or settings.method) != "rft":
        raise ConfigError('--grader-keys is for RFT files: add --method rft (or method = "rft" in the config)')
    if grader_keys:
        options = {key: dict(value) for key, value in settings.options.items()}
        options.setdefault("missing-grader-key", {})["keys"] = list(_split([grader_keys]))
        overrides["options"] = options
    if overrides.pop("deep", False):  # the slow checks, each turned on by its option
        options = {key: dict(value) for key, value in (overrides.get("options") or settings.options).items()}
        for rule in all_rules():
            if rule.deep:
                options.setdefault(rule.name, {})["enabled"] = True
        overrides["options"] = options
    return settings.merged(**overrides), (found.parent.resolve() if found else None)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-m", "--model", help="Model to check against (limits, encoding, price), e.g. gpt-4o-mini.")
@_format_option("lint", help="Output format [default: text; github under GitHub Actions].")
@_selection_options
@click.option("--grader-keys", help="RFT: keys every example must have for the graders, comma-separated.")
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (2 still means could not run).")
@click.option("--show-all", is_flag=True, help="Text format: list every problem, not 20 per rule per file.")
@click.option(
    "--stdin-filename",
    metavar="NAME",
    help="The name standard input (-) is reported as, and matched against per-file-ignores.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
@click.option(
    "-o",
    "--output-file",
    type=click.Path(dir_okay=False),
    help="Write the output to this file (replaced whole, never half-written), not stdout; the summary line goes "
    "to stderr.",
)
@click.option("-q", "--quiet", is_flag=True, help="Problems only (text: no tokens, cost, counts or summary line).")
@click.option("--statistics", is_flag=True, help="Counts by rule only (text, concise or json).")
@click.option(
    "--color",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Colour severities and codes in text and concise (auto: on a terminal or with FORCE_COLOR; not with "
    "NO_COLOR).",
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
    deep: bool,
    strict: bool | None,
    exit_zero: bool,
    show_all: bool,
    stdin_filename: str | None,
    progress: bool | None,
    output_file: str | None,
    quiet: bool,
    statistics: bool,
    color: str,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """Check JSONL files and report problems, tokens and cost.

    PATHS are files (- for standard input; gzip is decompressed) or folders (their .jsonl and .jsonl.gz files).
    """
    meters = _ProgressMeters(progress)
    chosen = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" and not statistics else "text")
    if statistics and chosen not in _STATISTICS_FORMATS:
        raise ToolError(f"--statistics prints {', '.join(_STATISTICS_FORMATS)}, not {chosen}")
    if output_file is not None:
        _check_output_file(output_file, [*paths, *([validation_file] if validation_file else [])])
    try:
        settings, root = _settings(
            config_file,
            isolated,
            paths,
            model=model,
            strict=strict,
            severities=severities,
            grader_keys=grader_keys,
            deep=deep,
            **overrides,
        )
        report = run_lint(
            paths,
            settings=settings,
            config_root=root,
            validation_file=validation_file,
            progress=meters,
            stdin_filename=stdin_filename,
            **_selection(select, extend_select, ignore),
        )
    except FtdataError as exc:
        _fail(exc)
    finally:
        meters.done()
    options = RenderOptions(
        show_all=show_all,
        today=target.today(),
        quiet=quiet,
        statistics=statistics,
        color=_use_color(color, to_file=output_file is not None),
    )
    output = render(chosen, "lint", report, options)
    if output_file is None:
        _print(output, machine=is_machine(chosen), color=options.color)
    else:
        _check_output_file(output_file, [file.path for file in report.files])  # the files a folder stood for
        _write_atomically(output_file, output)
        if not quiet:
            click.echo(_encodable(summary_line(report), sys.stderr), err=True)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if chosen == "github" and step_summary:
        _append_step_summary(step_summary, report)
    budget = budget_message(report)
    if budget:
        click.echo(f"ftdata: over budget: {budget}", err=True)
    if report.inputs_failed:  # the files that could be read are reported above; the run still could not do it all
        _say_inputs_failed(report.inputs_failed)
        sys.exit(2)
    sys.exit(0 if exit_zero or report.ok else 1)


_STATISTICS_FORMATS = ("text", "concise", "json")


def _use_color(choice: str, *, to_file: bool) -> bool:
    """--color: always or never as said; auto colours on a terminal, or with FORCE_COLOR, never with NO_COLOR."""
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "").lower() not in ("", "0", "false"):
        return True
    return not to_file and sys.stdout.isatty()


def _encodable(text: str, stream: Any) -> str:
    """``text`` as ``stream`` can hold it: what its encoding lacks becomes '?' (never an encoding error)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "replace").decode(encoding)
    except LookupError:
        pass
    return text


def _print(output: str, *, machine: bool, color: bool) -> None:
    """A lint rendering on stdout (nothing when it is empty): machine formats as UTF-8 bytes, the others in the
    stream's encoding, with what it cannot hold replaced."""
    if not output:
        return
    if machine:
        click.echo((click.unstyle(output) if "\x1b" in output else output).encode("utf-8"))
    else:
        click.echo(_encodable(output, sys.stdout), color=True if color else None)


def _check_output_file(output_file: str, inputs: Iterable[str], option: str = "--output-file") -> None:
    """Refuse an --output-file (or ``option``) whose folder does not exist, or that is one of the files checked."""
    folder = os.path.dirname(os.path.abspath(output_file))
    if not os.path.isdir(folder):
        raise ToolError(f"{option} {output_file}: the folder {folder} does not exist")
    target = os.path.abspath(output_file)
    for name in inputs:
        if name == STDIN:
            with contextlib.suppress(OSError):
                here, given = os.stat(output_file), os.fstat(0)
                if (here.st_dev, here.st_ino) == (given.st_dev, given.st_ino):
                    raise ToolError(
                        f"{option} {output_file} is the file standard input reads: writing there would "
                        "destroy it; choose another path"
                    )
            continue
        with contextlib.suppress(OSError):
            if os.path.samefile(name, output_file):
                raise ToolError(
                    f"{option} {output_file} is the input file {name}: writing there would destroy it; "
                    "choose another path"
                )
        inside = os.path.isdir(name) and target.startswith(os.path.abspath(name) + os.sep)
        if inside and target.endswith((".jsonl", ".jsonl.gz")) and os.path.exists(target):
            raise ToolError(
                f"{option} {output_file} is the input file {output_file} (in the folder {name}, which is "
                "checked): writing there would destroy it; choose another path"
            )


def _write_atomically(path: str, text: str) -> None:
    """Write ``text`` (and a final newline) to ``path`` through a temporary file in the same folder, then
    os.replace: readers see the old file or the whole new one, never half of it."""
    target = os.path.abspath(path)
    data = (text + "\n").encode("utf-8") if text else b""
    try:
        mode = os.stat(target).st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        mode = 0o666 & ~mask
    try:
        handle, temp = tempfile.mkstemp(
            dir=os.path.dirname(target), prefix=f".{os.path.basename(target)}.", suffix=".tmp"
        )
    except OSError as exc:
        raise ToolError(f"cannot write {path}: {exc.strerror or exc}") from exc
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise ToolError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise


def _append_step_summary(path: str, report: Any) -> None:
    """--format github: the Markdown summary appended to $GITHUB_STEP_SUMMARY (a warning if it cannot be)."""
    try:
        with open(path, "a", encoding="utf-8") as stream:
            stream.write("\n" + github_step_summary(report))
    except OSError as exc:
        click.echo(f"ftdata: warning: cannot append to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror or exc}", err=True)


@main.command(name="schema")
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the document 'ftdata lint --format json' prints."""
    click.echo(report_schema_text().rstrip("\n"))


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
@click.option(
    "--all",
    "every_model",
    is_flag=True,
    help="Every catalog model, those that cannot train the files today too (marked), and not only the config's.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
@_run_options
def cost(
    paths: tuple[str, ...],
    models: tuple[str, ...],
    output_format: str,
    every_model: bool,
    progress: bool | None,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """What training on these files would cost, per model, cheapest first.

    Counts every example with each model's own encoding, applies the model's limit (longer examples are
    truncated and billed up to the limit) and the service's auto epochs rule (unless --epochs), and prices
    the trained tokens. Each file is a separate job; the total is their sum. Models that cannot train the
    files today (their format, or new jobs ended) are left out, as lint would refuse them (--all: listed,
    marked); a model named with -m that cannot is marked and the command exits 1.
    """
    meters = _ProgressMeters(progress)
    try:
        settings, root = _settings(config_file, isolated, paths, **overrides)
        comparison = estimate_cost(
            paths,
            model=_split(models) or None,
            validation_file=validation_file,
            settings=settings,
            config_root=root,
            every_model=every_model,
            progress=meters,
        )
    except FtdataError as exc:
        _fail(exc)
    finally:
        meters.done()
    _echo(render(output_format, "cost", comparison, _options()))
    failed = False
    if not any(row.status is None for row in comparison.models):
        click.echo("ftdata: error: no model can train these files today (see --all)", err=True)
        failed = True
    refused = [row for row in comparison.models if row.status is not None and models]
    trains = {row.model.name for row in comparison.models if row.status is None}
    for row in refused:
        if row.model.name in trains:  # a named model that another target still trains: say so, do not fail
            click.echo(f"ftdata: {row.model.name} on {row.target}: {row.status}; another target trains it", err=True)
        else:
            click.echo(
                f"ftdata: error: {row.model.name} on {row.target}: {row.status}: the service would refuse the job",
                err=True,
            )
            failed = True
    over = comparison.over_budget
    if over:
        names = ", ".join(f"{m.model.name} on {m.target} (${m.usd:,.2f})" for m in over)
        click.echo(f"ftdata: over budget (--max-usd ${comparison.max_usd:,.2f}): {names}", err=True)
        failed = True
    sys.exit(1 if failed else 0)


@main.command()
@_format_option("models", default="text")
@click.option(
    "--target", "target_name", help="The target whose models to list [default: the configuration's, or openai]."
)
@_config_options
def models(output_format: str, target_name: str | None, config_file: Path | None, isolated: bool) -> None:
    """List a target's models: limits, prices (and when they were taken), methods and end dates."""
    try:
        settings, root = _settings(config_file, isolated)
        if target_name:
            settings = settings.model_copy(update={"target": target_name})
        catalog = target.catalog_for(settings, root)
    except FtdataError as exc:
        _fail(exc)
    _echo(render(output_format, "models", catalog, _options()))


@main.command(name="tokens")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False, allow_dash=True))
@click.option("-m", "--model", help="Model to count for, e.g. Qwen/Qwen2.5-7B-Instruct (a repo id) or gpt-4o-mini.")
@click.option(
    "--tokenizer",
    type=click.Path(file_okay=False),
    help="A folder with the model's tokenizer.json and chat template, as on the Hugging Face Hub.",
)
@click.option(
    "--target",
    help="Where it trains: trl, axolotl, unsloth, together, ... [default: openai; trl with "
    "--tokenizer or an open-weight model].",
)
@click.option(
    "--max-length",
    "--max-tokens-per-example",
    "max_length",
    type=click.IntRange(min=1),
    help="Tokens the trainer keeps per example [default: the trainer's].",
)
@click.option(
    "--train-on", type=click.Choice(["all", "assistant", "last"]), help="What the loss covers [default: the target's]."
)
@click.option(
    "--date",
    "template_date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    callback=lambda _c, _p, value: value.date() if value else None,
    help="The date the chat template sees (YYYY-MM-DD) [default: today].",
)
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "jsonl"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "-j", "--jobs", type=click.IntRange(min=1), help="Worker processes for large files [default: one per core]."
)
@_config_options
def tokens(
    paths: tuple[str, ...],
    model: str | None,
    tokenizer: str | None,
    target: str | None,
    max_length: int | None,
    train_on: str | None,
    template_date: Any,
    output_format: str,
    jobs: int | None,
    config_file: Path | None,
    isolated: bool,
) -> None:
    """Count every example's tokens as the model's own chat template and tokenizer render it.

    One row per example: tokens, trained tokens, and with a maximum length (a trainer's, or --max-length)
    how many of each the trainer keeps and whether it drops the example; then the distribution (text).
    """
    from ftdata.openmodels import is_repo_id
    from ftdata.pertoken import Distribution, TokenRow, count_rows
    from ftdata.pertoken import max_length as length_of
    from ftdata.target import build_target

    try:
        settings, _ = _settings(
            config_file,
            isolated,
            paths,
            model=model,
            tokenizer=tokenizer,
            target=target,
            max_tokens_per_example=max_length,
            train_on=train_on,
            template_date=template_date,
            jobs=jobs,
        )
        if settings.target is None and (settings.tokenizer or (settings.model and is_repo_id(settings.model))):
            settings = settings.model_copy(update={"target": "trl"})  # an open model trains locally by default
        chosen = build_target(settings)
    except FtdataError as exc:
        _fail(exc)
    missing = [path for path in paths if path != "-" and not os.path.isfile(path)]
    if missing:  # before any row is written: a JSON document is never left half-written for a missing file
        _fail(InputError(f"{missing[0]}: no such file"))
    limit = length_of(chosen)
    counted_with = chosen.rendered.files.found_in if chosen.rendered else chosen.counter.encoding_name
    distributions: list[Distribution] = []
    out = sys.stdout
    first = True
    if output_format == "json":
        out.write('{"schema_version": 1, "rows": [')
    try:
        for path in paths:
            distribution = Distribution(path)
            distributions.append(distribution)

            def write(row: TokenRow, distribution: Distribution = distribution) -> None:
                nonlocal first
                distribution.add(row, limit)
                if output_format == "text":
                    out.write(format_token_row(row, limit) + "\n")
                else:
                    text = json.dumps(row.as_dict(limit is not None), ensure_ascii=False)
                    out.write(text + "\n" if output_format == "jsonl" else ("" if first else ",") + "\n" + text)
                first = False

            count_rows(path, chosen, write, max_line_bytes=settings.max_line_bytes, jobs=settings.jobs)
    except FtdataError as exc:
        _fail(exc)
    about = {
        "target": chosen.profile.name,
        "model": chosen.model.name if chosen.model else None,
        "counted_with": counted_with,
        "train_on": chosen.rendered.train_on if chosen.rendered else None,
        "max_length": limit,
        "exact": chosen.exact_counts,
    }
    if output_format == "json":
        files = [d.as_dict() for d in distributions]
        out.write("\n], " + json.dumps({**about, "files": files}, ensure_ascii=False)[1:] + "\n")
    elif output_format == "text":
        out.write(format_token_distribution(distributions, about) + "\n")
    sys.exit(1 if any(d.errors or d.untrained for d in distributions) else 0)


@main.command(name="stats")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-m", "--model", help="Model to count for (encoding, limit), e.g. gpt-4o-mini.")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
@_run_options
def stats_command(
    paths: tuple[str, ...],
    model: str | None,
    output_format: str,
    progress: bool | None,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """Show what the files hold: distributions, system prompts, repeated answers, refusals, labels, duplicates.

    Per file: messages per example, user turns, tokens, trained tokens and tokens per message of each role
    (min, p5, median, mean, p95, max, and histograms); the distinct system prompts; the answers given more than
    once; the share of refusals; the classes of a label dataset; and what the duplicate rules (FT511-FT513) found.
    Previews are redacted: no secret or personal data is printed.
    """
    from ftdata.stats import STATS_LAYER, format_stats_text, scan_job

    meters = _ProgressMeters(progress)
    try:
        settings, root = _settings(config_file, isolated, paths, model=model, **overrides)
        found = scan_job(
            paths,
            settings=settings,
            config_root=root,
            validation_file=validation_file,
            layer=STATS_LAYER,
            progress=meters,
        )
    except FtdataError as exc:
        _fail(exc)
    finally:
        meters.done()
    if output_format == "json":
        _print(json.dumps(found.to_dict(), ensure_ascii=False, indent=2), machine=True, color=False)
    else:
        _print(format_stats_text(found), machine=False, color=False)
    if found.report.inputs_failed:
        _say_inputs_failed(found.report.inputs_failed)
        sys.exit(2)


@main.command(name="report")
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option(
    "--html",
    "html_file",
    required=True,
    type=click.Path(dir_okay=False),
    help="Write the report to this HTML file (replaced whole, never half-written; never an input file).",
)
@click.option("-m", "--model", help="Model to check against (limits, encoding, price), e.g. gpt-4o-mini.")
@_selection_options
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (2 still means could not run).")
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
@_run_options
def html_report(
    paths: tuple[str, ...],
    html_file: str,
    model: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    severities: tuple[str, ...],
    deep: bool,
    strict: bool | None,
    exit_zero: bool,
    progress: bool | None,
    validation_file: str | None,
    config_file: Path | None,
    isolated: bool,
    **overrides: Any,
) -> None:
    """Check the files as lint does and write one self-contained HTML page about them.

    The page shows the verdict, token lengths against the model's limit (charts), the figures of each file (the
    training and validation files side by side), the problems grouped by rule with each rule's documentation,
    the duplicate groups, balance and consistency, and the cost. It loads nothing and runs no script (a strict
    Content-Security-Policy), every piece of data in it is escaped, and previews are redacted. Exit codes are
    lint's.
    """
    from ftdata.htmlreport import render_html
    from ftdata.stats import scan_job

    inputs = [*paths, *([validation_file] if validation_file else [])]
    _check_output_file(html_file, inputs, option="--html")
    meters = _ProgressMeters(progress)
    try:
        settings, root = _settings(
            config_file, isolated, paths, model=model, strict=strict, severities=severities, deep=deep, **overrides
        )
        found = scan_job(
            paths,
            settings=settings,
            config_root=root,
            validation_file=validation_file,
            layer=selection_layer(_selection(select, extend_select, ignore)),
            progress=meters,
        )
        page = render_html(found, all_rules(), today=target.today())
    except FtdataError as exc:
        _fail(exc)
    finally:
        meters.done()
    report = found.report
    _check_output_file(html_file, [file.path for file in report.files], option="--html")
    _write_atomically(html_file, page)
    click.echo(_encodable(f"ftdata: report written to {html_file}", sys.stderr), err=True)
    click.echo(_encodable(summary_line(report), sys.stderr), err=True)
    budget = budget_message(report)
    if budget:
        click.echo(f"ftdata: over budget: {budget}", err=True)
    if report.inputs_failed:
        _say_inputs_failed(report.inputs_failed)
        sys.exit(2)
    sys.exit(0 if exit_zero or report.ok else 1)


@main.command(name="targets")
@_format_option("targets", default="text")
@_config_options
def list_targets(output_format: str, config_file: Path | None, isolated: bool) -> None:
    """List the targets (services) ftdata checks for: shipped ones and those of your configuration."""
    from ftdata.profiles import known_targets, load_profile

    try:
        settings, root = _settings(config_file, isolated)
        where = f"the configuration in {root}" if root else ""
        profiles = [load_profile(name, settings.targets, where) for name in known_targets(settings.targets)]
    except FtdataError as exc:
        _fail(exc)
    _echo(render(output_format, "targets", profiles, _options()))


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
    """A one-line progress display on stderr: bytes checked, share of the file, MB/s.

    The line is redrawn in place and cleared to its end (no stale characters), cut to the terminal's width
    (no trail of wrapped lines on a narrow terminal), and shows a rate only once there is a second of
    measure behind it (no absurd first figure).
    """

    RATE_AFTER_SECONDS = 1.0

    def __init__(self, path: str, size: int) -> None:
        self.path, self.size, self.start, self.last = path, size, time.monotonic(), 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if now - self.last < 0.2:
            return
        self.last = now
        elapsed = now - self.start
        rate = f", {done / elapsed / 1e6:,.1f} MB/s" if elapsed >= self.RATE_AFTER_SECONDS else ""
        figures = f"{done / 1e6:,.0f}/{self.size / 1e6:,.0f} MB ({100 * done / max(self.size, 1):.0f}%{rate})"
        columns = shutil.get_terminal_size((80, 24)).columns if sys.stderr.isatty() else 10_000
        click.echo("\r" + self.line(figures, columns) + "\033[K", err=True, nl=False)

    def line(self, figures: str, columns: int) -> str:
        """The progress text, cut to fit in ``columns`` (the path shortened from the left first)."""
        room = max(columns - 1, 10)
        text = f"ftdata: {self.path}: {figures}"
        if len(text) <= room:
            return text
        keep = room - len(f"ftdata: …: {figures}")
        return f"ftdata: …{self.path[-keep:]}: {figures}" if keep > 0 else text[:room]

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
    click.echo(rule_markdown(rule), nl=False)


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
