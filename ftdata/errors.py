"""Exceptions ftdata raises when it cannot run (the CLI maps every one of them to exit code 2)."""

from __future__ import annotations


class FtdataError(Exception):
    """ftdata could not do what it was asked: a bad option, config, model name or missing encoding.

    The message is written for the person who has to fix it: what is wrong and what to do.
    """


class ConfigError(FtdataError):
    """The configuration (pyproject.toml, --config FILE or keyword arguments) is not valid."""


class UnknownModelError(FtdataError):
    """A model name that is neither in the catalog nor added by the user's configuration."""


class EncodingUnavailableError(FtdataError):
    """No verified copy of a tokenizer encoding could be found without the network."""


class InputError(FtdataError):
    """An input path that cannot be read at all (missing, a directory, permission denied)."""


class RuleCrashError(FtdataError):
    """A rule (ftdata's own or a plugin) raised while checking: a bug in the rule, not a problem in the data."""

    def __init__(self, code: str, module: str, file: str, line: int | None, reason: str, details: str = "") -> None:
        self.code, self.module, self.file, self.line, self.reason = code, module, file, line, reason
        self.details = details  # the traceback, shown with --verbose
        where = f"{file}, line {line}" if line is not None else f"{file} (its file-level checks)"
        builtin = module.startswith("ftdata.rules.")
        authors = "ftdata's issue tracker" if builtin else f"the authors of the plugin {module.split('.')[0]!r}"
        super().__init__(
            f"rule {code} ({module}) failed on {where}: {reason}. This is a bug in the rule, not a problem in "
            f"your data: please report it to {authors} with this message and the traceback that --verbose "
            f"shows; until it is fixed, --ignore {code} skips the rule"
        )

    def __reduce__(self) -> tuple[type[RuleCrashError], tuple[str, str, str, int | None, str, str]]:
        return (type(self), (self.code, self.module, self.file, self.line, self.reason, self.details))

    def shifted(self, lines: int) -> RuleCrashError:
        """The same error with its line moved on by the lines of the blocks before the one that failed."""
        if self.line is None or not lines:
            return self
        return RuleCrashError(self.code, self.module, self.file, self.line + lines, self.reason, self.details)
