"""The ``ftdata`` command. It only parses options into settings, calls the library and picks a formatter.

Exit codes: 0 no error, 1 at least one error (or warning with --strict), 2 could not run.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NoReturn

import click
import orjson

from ftdata import __version__
from ftdata.config import Settings, load_settings, parse_assignments
from ftdata.engine import Plan, expand_paths, lint_items
from ftdata.errors import FtdataError
from ftdata.formatters import FORMATTERS
from ftdata.reader import STDIN, read_path
from ftdata.registry import Rule, all_rules, find_rule
from ftdata.report import Report

PROGRESS_MIN_BYTES = 16 * 1024 * 1024  # show a progress line for files at least this large


class ToolError(click.ClickException):
    """ftdata could not run: exit code 2, as for a bad option (click's own exceptions exit 1)."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"ftdata: error: {self.format_message()}", err=True)


def _fail(exc: FtdataError) -> NoReturn:
    raise ToolError(str(exc)) from exc


def _split(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="ftdata")
def main() -> None:
    """Check fine-tuning datasets (JSONL) before upload: problems line by line, tokens and cost."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(allow_dash=True))
@click.option("-m", "--model", help="Model to check against (limits, encoding, price), e.g. gpt-4o-mini.")
@click.option(
    "-f",
    "--format",
    "output_format",
    type=click.Choice(sorted(FORMATTERS)),
    help="Output format [default: text; github under GitHub Actions].",
)
@click.option(
    "--epochs", type=click.IntRange(1, 50), help="Epochs for the cost estimate [default: the service's auto rule]."
)
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
    help="Change a rule's severity, e.g. --severity FT201=warning.",
)
@click.option("--max-tokens-per-example", type=click.IntRange(min=1), help="Override the model's token limit.")
@click.option(
    "--config",
    "config_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Config file (pyproject.toml or ftdata.toml) instead of the nearest pyproject.toml.",
)
@click.option("--isolated", is_flag=True, help="Ignore all configuration files.")
@click.option("--strict", is_flag=True, default=None, help="Exit 1 on warnings too.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when problems are found (2 still means could not run).")
@click.option("--show-all", is_flag=True, help="Text format: list every problem, not 20 per rule per file.")
@click.option("--encodings-dir", type=click.Path(file_okay=False), help="Folder with <encoding>.tiktoken files.")
@click.option(
    "--allow-download", is_flag=True, default=None, help="Allow downloading a missing encoding (30 s timeout)."
)
@click.option(
    "--progress/--no-progress", default=None, help="Progress on stderr [default: on a terminal, for big files]."
)
def lint(
    paths: tuple[str, ...],
    model: str | None,
    output_format: str | None,
    epochs: int | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    severities: tuple[str, ...],
    max_tokens_per_example: int | None,
    config_file: Path | None,
    isolated: bool,
    strict: bool | None,
    exit_zero: bool,
    show_all: bool,
    encodings_dir: str | None,
    allow_download: bool | None,
    progress: bool | None,
) -> None:
    """Check JSONL files and report problems, tokens and cost.

    PATHS are files (- for standard input; gzip is decompressed) or folders (their .jsonl and .jsonl.gz files).
    """
    try:
        settings, found = (Settings(), None) if isolated else load_settings(config_file)
        settings = settings.merged(
            model=model,
            epochs=epochs,
            select=_split(select) or None,
            ignore=_split(ignore) or None,
            # --select on the command line replaces the whole selection, config's extend-select included
            extend_select=_split(extend_select) or (() if select else None),
            strict=strict,
            encodings_dir=encodings_dir,
            allow_download=allow_download,
            max_tokens_per_example=max_tokens_per_example,
            severity={**settings.severity, **parse_assignments(_split(severities), "severity")} or None,
        )
        plan = Plan.from_settings(settings, found.parent.resolve() if found else None)
        report = Report(strict=settings.strict)
        for path in expand_paths(paths):
            meter = _progress_meter(path, progress)
            report.files.append(lint_items(read_path(path, progress=meter), plan, name=path))
            if meter is not None:
                meter.done()
    except FtdataError as exc:
        _fail(exc)
    chosen = output_format or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    output = FORMATTERS[chosen](report, show_all=show_all)
    if output:
        click.echo(output)
    sys.exit(0 if exit_zero or report.ok else 1)


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
@click.option("-f", "--format", "output_format", type=click.Choice(["text", "json"]), default="text")
def list_rules(output_format: str) -> None:
    """List every rule: code, name, group, default severity and what it checks."""
    rules = _registry()
    if output_format == "json":
        rows = [
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
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    width = max(len(r.name) for r in rules)
    for r in rules:
        click.echo(f"{r.code}  {r.name:<{width}}  {r.group:<9}  {r.severity:<7}  {r.summary}")


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


if __name__ == "__main__":  # pragma: no cover
    main()
