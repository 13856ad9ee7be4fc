"""Settings: ``[tool.ftdata]`` in the nearest pyproject.toml (or ``--config FILE``), then CLI flags on top.

The table is flat and strict: an unknown key, rule, option or value is an error that names the file and
the key, never something silently ignored.
"""

from __future__ import annotations

import datetime
import difflib
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ftdata.errors import ConfigError
from ftdata.files import DEFAULT_EXCLUDE, check_patterns
from ftdata.reader import MAX_LINE_BYTES
from ftdata.report import MAX_PROBLEMS_PER_RULE
from ftdata.strict import Bool, Int, Number
from ftdata.vocabulary import Method, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]


class Settings(BaseModel):
    """Everything that shapes a lint run. Field names are the TOML keys with '-' for '_'."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, alias_generator=lambda name: name.replace("_", "-")
    )

    target: str | None = None  # the service or trainer the job will run on (default: openai)
    model: str | None = None
    method: Method | None = None  # what you will train, where a file's shape is ambiguous
    select: tuple[str, ...] = ("ALL",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    per_file_ignores: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    severity: dict[str, Severity] = Field(default_factory=dict)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    epochs: Int | None = Field(default=None, ge=1, le=50)
    max_tokens_per_example: Int | None = Field(default=None, gt=0, le=100_000_000)  # overrides the model's limit
    max_usd: Number | None = Field(default=None, ge=0)  # budget: over this estimate the run fails
    models: dict[str, dict[str, Any]] = Field(default_factory=dict)  # added or changed catalog entries
    targets: dict[str, dict[str, Any]] = Field(default_factory=dict)  # added or changed service profiles
    encodings_dir: str | None = None
    # open-weight models (ftdata.openmodels): their files, the loss rule and the date their template sees
    tokenizer: str | None = None  # a folder with tokenizer.json and the chat template, as on the Hugging Face Hub
    train_on: Literal["all", "assistant", "last"] | None = None  # default: the target's
    template_date: datetime.date | None = None  # default: today
    allow_download: Bool = False
    strict: Bool = False
    jobs: Int | None = Field(default=None, ge=1, le=1024)  # worker processes; default: one per available core
    max_line_bytes: Int = Field(default=MAX_LINE_BYTES, ge=64, le=1 << 40)  # longer lines are reported, not read
    max_problems_per_rule: Int = Field(default=MAX_PROBLEMS_PER_RULE, ge=0)  # kept per rule and file (0: all)
    # Which files a folder stands for (ftdata.files): gitignore-style patterns, relative to the config's folder.
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE  # replaces the default list
    extend_exclude: tuple[str, ...] = ()  # added to it
    respect_gitignore: Bool = True  # skip what .gitignore ignores when walking folders
    force_exclude: Bool = False  # apply the excludes to paths named explicitly too (pre-commit names each file)

    @field_validator("select", "extend_select", "ignore", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("exclude", "extend_exclude", mode="before")
    @classmethod
    def _one_pattern_or_many(cls, value: Any) -> Any:
        return (value,) if isinstance(value, str) else value

    @field_validator("exclude", "extend_exclude")
    @classmethod
    def _valid_patterns(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return check_patterns(value)

    def merged(self, **overrides: Any) -> Settings:
        """A copy with the given (non-None) values replaced, validated like the file."""
        data = self.model_dump()
        data.update({key: value for key, value in overrides.items() if value is not None})
        return build_settings(data, "the command line (or the library's options)")


def build_settings(data: Mapping[str, Any], where: str) -> Settings:
    try:
        return Settings.model_validate(dict(data))
    except ValidationError as exc:
        raise ConfigError(_explain(exc, where)) from None


def _explain(exc: ValidationError, where: str) -> str:
    known = sorted(field.alias or name for name, field in Settings.model_fields.items())
    lines = []
    for error in exc.errors():
        key = ".".join(str(part).replace("_", "-") if n == 0 else str(part) for n, part in enumerate(error["loc"]))
        if error["type"] == "extra_forbidden":
            close = difflib.get_close_matches(str(error["loc"][0]), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(known)})"
            lines.append(f"{where}: unknown key '{key}'{hint}")
        else:
            lines.append(f"{where}: '{key}': {error['msg']}")
    return "\n".join(lines)


CONFIG_NAMES = (".ftdata.toml", "ftdata.toml", "pyproject.toml")  # in a folder, the first found wins


def find_config(start: Path) -> Path | None:
    """The nearest config, from ``start`` upwards: ``.ftdata.toml``, ``ftdata.toml``, or a ``pyproject.toml``
    with a [tool.ftdata] table (in that order within a folder, as ruff looks for its own)."""
    for folder in (start, *start.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file() and (name != "pyproject.toml" or "ftdata" in _read_toml(candidate).get("tool", {})):
                return candidate
    return None


def discover_config(paths: Sequence[str]) -> tuple[Path, Path | None]:
    """Where config discovery starts, and the config it finds there (None: none). It starts from each
    file's (or folder's) own folder, as ruff does, so that
    ``ftdata lint some/project/train.jsonl`` finds that project's config from anywhere; the working folder
    for standard input. Files whose nearest configs differ cannot share one run: that is an error naming
    them (check them in separate runs, or give ``--config``), never a config applied to the wrong file."""
    folders = [Path(p).resolve() if Path(p).is_dir() else Path(p).resolve().parent for p in paths if p != "-"]
    folders = list(dict.fromkeys(folder for folder in folders if folder.is_dir())) or [Path.cwd()]  # each once
    nearest: dict[Path | None, Path] = {}
    for folder in folders:
        nearest.setdefault(find_config(folder), folder)
    if len(nearest) > 1:
        shown = "; ".join(f"{folder}: {config or 'no config'}" for config, folder in nearest.items())
        raise ConfigError(
            f"the files to check have different nearest configs ({shown}); check them in separate runs, "
            "or give --config"
        )
    ((config, start),) = nearest.items()
    return start, config


def load_settings(config: Path | None = None, *, start: Path | None = None) -> tuple[Settings, Path | None]:
    """Settings from ``config`` (a pyproject.toml or an ftdata.toml), else from the nearest pyproject.toml."""
    path = config if config is not None else find_config((start or Path.cwd()).resolve())
    if path is None:
        return Settings(), None
    document = _read_toml(path)
    if path.name == "pyproject.toml":
        table = document.get("tool", {}).get("ftdata")
        if table is None:
            raise ConfigError(f"{path}: has no [tool.ftdata] table")
        where = f"{path} [tool.ftdata]"
    else:
        table = document.get("tool", {}).get("ftdata", document)
        where = str(path)
    settings = build_settings(table, where)
    if settings.encodings_dir is not None:
        resolved = (path.parent / settings.encodings_dir).resolve()
        settings = settings.model_copy(update={"encodings_dir": str(resolved)})
    if settings.tokenizer is not None:
        settings = settings.model_copy(update={"tokenizer": str((path.parent / settings.tokenizer).resolve())})
    return settings, path


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            document: dict[str, Any] = tomllib.load(handle)
            return document
    except FileNotFoundError:
        raise ConfigError(f"{path}: config file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def parse_assignments(values: Sequence[str], what: str) -> dict[str, str]:
    """``["FT301=error", ...]`` from repeated CLI options into a dict, with a clear error for bad items."""
    result = {}
    for value in values:
        key, sep, setting = value.partition("=")
        if not sep or not key or not setting:
            raise ConfigError(f"--{what} expects RULE=VALUE, got {value!r}")
        result[key.strip()] = setting.strip()
    return result
