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
