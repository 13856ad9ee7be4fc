"""Which files a run checks: the paths given, folders expanded to the datasets below them.

A folder stands for the ``.jsonl`` and ``.jsonl.gz`` files below it, sorted, less what is excluded: the
``exclude`` list (default :data:`DEFAULT_EXCLUDE`, replaced by ``exclude``, added to by
``extend-exclude``) and, unless ``respect-gitignore = false``, what git ignores (the ``.gitignore`` files
of the folder walked, of its parents up to the repository root and of the folders below it, and
``.git/info/exclude``). Excluded folders are not walked at all. Patterns are gitignore-style (read with
``pathspec``) and matched against paths relative to the config file's folder (the working folder without a
config; a folder outside it: relative to that folder).

A file or folder named explicitly is always checked, whatever the excludes say, unless ``force-exclude``
applies them to it too (what pre-commit needs: it names every staged file); then it is skipped silently.
Standard input (``-``) is never excluded. What cannot be read (a missing path, a folder that cannot be
listed, a folder with no dataset in it) is collected in :attr:`FoundFiles.failed`, not raised: the rest is
still checked.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ftdata.errors import InputError
from ftdata.reader import STDIN, display_path

if TYPE_CHECKING:
    from ftdata.config import Settings

DEFAULT_EXCLUDE: tuple[str, ...] = (
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    "build",
    "dist",
    "site-packages",
    ".eggs",
    "*.egg-info",
)
DATASET_SUFFIXES = (".jsonl", ".jsonl.gz")
_DIR_MARK = "ps_d"  # pathspec's regex group: the pattern matched a folder the path is in (or the folder itself)

Failure = tuple[str, str]  # (path, message)


class InputsFailedError(InputError):
    """Nothing could be checked: every path given is missing, unreadable, or a folder with no dataset."""

    def __init__(self, failures: Sequence[Failure]) -> None:
        self.failures = list(failures)
        super().__init__("\n".join(f"{path}: {message}" for path, message in self.failures))

    def __reduce__(self) -> tuple[type[InputsFailedError], tuple[list[Failure]]]:
        return (type(self), (self.failures,))


def check_patterns(patterns: Iterable[str]) -> tuple[str, ...]:
    """The patterns, if each is a valid gitignore-style pattern that can match something; else ValueError."""
    checked = tuple(patterns)
    for pattern in checked:
        if pattern in DEFAULT_EXCLUDE:
            continue  # ftdata's own, held valid by a test: no need to load the pattern engine to check them
        try:
            compiled = _compile([pattern])
        except ValueError as exc:
            raise ValueError(f"{pattern!r} is not a valid gitignore-style pattern ({exc})") from None
        if not compiled:
            raise ValueError(f"{pattern!r} matches nothing (empty, a comment, or only a slash)")
    return checked


def _compile(lines: Iterable[str]) -> list[tuple[re.Pattern[str], bool]]:
    """(regex, excludes) for each line that is a pattern; ValueError for a line that is not valid."""
    import pathspec  # here, not at import: a run with no exclude to read starts faster
    from pathspec.pattern import RegexPattern

    compiled = []
    for pattern in pathspec.GitIgnoreSpec.from_lines(list(lines)).patterns:
        if isinstance(pattern, RegexPattern) and pattern.include is not None and pattern.regex is not None:
            compiled.append((pattern.regex, pattern.include))
    return compiled


def _matches_itself(regex: re.Pattern[str], path: str) -> bool:
    """Whether the pattern is about the path itself (a folder's path ends with '/'), not only a folder it is
    in: walking stops at excluded folders, so as in git a pattern is only ever asked about each path."""
    match = regex.match(path)
    if match is None:
        return False
    return match.groupdict().get(_DIR_MARK) is None or match.end(_DIR_MARK) == len(path)


@dataclass(frozen=True)
class _Rules:
    """The patterns of one source (the exclude list, one ignore file), relative to the folder ``base``."""

    base: str  # a real path
    patterns: tuple[tuple[re.Pattern[str], bool], ...]

    def verdict(self, path: str, is_dir: bool) -> bool | None:
        """True: excluded; False: taken back (a ``!`` pattern); None: no pattern is about the path."""
        relative = _relative(path, self.base)
        return None if not relative else self.verdict_relative(relative, is_dir)

    def verdict_relative(self, relative: str, is_dir: bool) -> bool | None:
        candidate = relative + "/" if is_dir else relative
        verdict = None
        for regex, excludes in self.patterns:  # the last pattern that matches decides
            if _matches_itself(regex, candidate):
                verdict = excludes
        return verdict


def _relative(path: str, base: str) -> str | None:
    """``path`` relative to ``base`` with '/' separators; '' for the base itself; None outside it."""
    if path == base:
        return ""
    prefix = base if base.endswith(os.sep) else base + os.sep
    if not path.startswith(prefix):
        return None
    return path[len(prefix) :].replace(os.sep, "/")


@dataclass
class FoundFiles:
    """The files to check, in order, and the paths that could not be expanded, with why."""

    files: list[str] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class FileFinder:
    """Expands paths into the files to check (see the module's documentation)."""

    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    respect_gitignore: bool = True
    force_exclude: bool = False
    root: Path | None = None  # what patterns are relative to: the config's folder (None: the working folder)
    _ignore_files: dict[str, _Rules | None] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, root: Path | None = None) -> FileFinder:
        return cls(settings.exclude, settings.extend_exclude, settings.respect_gitignore, settings.force_exclude, root)

    def find(self, paths: Iterable[str | os.PathLike[str]]) -> FoundFiles:
        """The files the paths stand for, in the order given (each folder's files sorted)."""
        found = FoundFiles()
        root = os.path.realpath(self.root if self.root is not None else os.getcwd())
        compiled: list[tuple[tuple[re.Pattern[str], bool], ...]] = []

        def exclude(base: str) -> _Rules:
            """The exclude patterns, compiled when first needed: a run of named files needs none."""
            if not compiled:
                compiled.append(tuple(_compile([*self.exclude, *self.extend_exclude])))
            return _Rules(base, compiled[0])

        for path in paths:
            name = os.fspath(path)
            if name == STDIN:
                found.files.append(name)
                continue
            is_dir = os.path.isdir(name)
            real = os.path.realpath(name)
            if self.force_exclude and self._excluded(real, is_dir, exclude(_base(real, root, is_dir))):
                continue
            if is_dir:
                self._walk(name, exclude(_base(real, root, True)), found)
            elif not os.path.exists(name):  # said here, in the order given (the reader would say it later)
                found.failed.append((display_path(name), "no such file"))
            else:
                found.files.append(name)
        return found

    @staticmethod
    def _excluded(real: str, is_dir: bool, rules: _Rules) -> bool:
        """Whether the path, or a folder it is in, is excluded (below the patterns' base folder)."""
        relative = _relative(real, rules.base)
        if not relative:
            return False
        parts = relative.split("/")
        return any(
            rules.verdict_relative("/".join(parts[: i + 1]), is_dir or i < len(parts) - 1) is True
            for i in range(len(parts))
        )

    def _walk(self, top: str, exclude: _Rules, found: FoundFiles) -> None:
        top_real = os.path.realpath(top)
        unreadable: list[Failure] = []

        def onerror(error: OSError) -> None:
            unreadable.append(
                (
                    display_path(str(error.filename)),
                    f"cannot read this folder ({error.strerror}); fix its permissions or leave it out",
                )
            )

        ignores = {top: self._ignores_above(top_real) if self.respect_gitignore else []}
        files: list[str] = []
        skipped = 0
        for folder, folders, names in os.walk(top, onerror=onerror):
            relative = os.path.relpath(folder, top)
            real = top_real if relative == os.curdir else os.path.join(top_real, relative)
            rules = ignores.pop(folder, [])
            if self.respect_gitignore and folder != top:
                own = self._ignore_file(os.path.join(real, ".gitignore"), real)
                rules = [*rules, own] if own else rules
            folders[:] = sorted(sub for sub in folders if not _skips(os.path.join(real, sub), True, exclude, rules))
            for sub in folders:
                ignores[os.path.join(folder, sub)] = rules
            for name in names:
                if name.endswith(DATASET_SUFFIXES) and os.path.isfile(os.path.join(folder, name)):
                    if _skips(os.path.join(real, name), False, exclude, rules):
                        skipped += 1
                    else:
                        files.append(os.path.join(folder, name))
        files.sort()
        found.files.extend(files)
        found.failed.extend(unreadable)
        if not files and not unreadable:
            why = "is a folder with no .jsonl or .jsonl.gz file in it"
            if skipped:
                why += (
                    f" that is not excluded or gitignored ({skipped} skipped: see exclude, extend-exclude and "
                    "--no-respect-gitignore)"
                )
            found.failed.append((display_path(top), why))

    def _ignores_above(self, top_real: str) -> list[_Rules]:
        """The ignore files that apply in ``top_real``, the weakest first: ``.git/info/exclude``, then the
        ``.gitignore`` files from the repository's root down to ``top_real`` (outside a repository: its own)."""
        chain = [top_real]  # top_real and its parents, up to the repository's root
        while not os.path.exists(os.path.join(chain[-1], ".git")):
            parent = os.path.dirname(chain[-1])
            if parent == chain[-1]:
                chain = [top_real]
                break
            chain.append(parent)
        sources = []
        if os.path.exists(os.path.join(chain[-1], ".git")):
            sources.append(self._ignore_file(os.path.join(chain[-1], ".git", "info", "exclude"), chain[-1]))
        sources.extend(self._ignore_file(os.path.join(folder, ".gitignore"), folder) for folder in reversed(chain))
        return [source for source in sources if source is not None]

    def _ignore_file(self, path: str, base: str) -> _Rules | None:
        """The patterns of an ignore file (lines that are not valid patterns are passed over, as git does)."""
        if path not in self._ignore_files:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as handle:
                    lines = handle.read().splitlines()
            except OSError:
                lines = []
            patterns = []
            for line in lines:
                try:
                    patterns.extend(_compile([line]))
                except ValueError:
                    continue
            self._ignore_files[path] = _Rules(base, tuple(patterns)) if patterns else None
        return self._ignore_files[path]


def _skips(path: str, is_dir: bool, exclude: _Rules, ignores: Sequence[_Rules]) -> bool:
    """Whether a path met while walking is excluded or ignored (the deepest ignore file that has a verdict
    on it decides)."""
    if exclude.verdict(path, is_dir):
        return True
    for source in reversed(ignores):
        verdict = source.verdict(path, is_dir)
        if verdict is not None:
            return verdict
    return False


def _base(real: str, root: str, is_dir: bool) -> str:
    """What the exclude patterns are relative to for this path: the root, or outside it the filesystem's
    root, so that a pattern without a slash (``build``) still matches a folder anywhere above the path,
    while one anchored to the config's folder (``/build``) does not reach out of it."""
    if _relative(real, root) is not None:
        return root
    return os.path.splitdrive(real)[0] + os.sep


def find_files(paths: Iterable[str | os.PathLike[str]], finder: FileFinder | None = None) -> FoundFiles:
    """The files the paths stand for, and the paths that could not be expanded (see :class:`FileFinder`)."""
    return (finder or FileFinder()).find(paths)


def expand_paths(paths: Iterable[str | os.PathLike[str]], finder: FileFinder | None = None) -> list[str]:
    """The files the paths stand for; :class:`InputsFailedError` if any path could not be expanded."""
    found = find_files(paths, finder)
    if found.failed:
        raise InputsFailedError(found.failed)
    return found.files


def read_failure(name: str, error: InputError) -> Failure:
    """(path, message) for a file the reader could not read (its message names the path first)."""
    return display_path(name), display_path(str(error).removeprefix(f"{name}: "))
