"""Sourced figures: the building blocks of the data files (targets, their models and prices).

Every figure ftdata ships carries where it comes from (a key of its file's ``[sources]``, each source with
the date it was read) and whether it was verified at a primary source. A figure that could not be found
has no value and a note saying so, never a guess. Numbers and flags are strict (:mod:`ftdata.strict`).
"""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ftdata.strict import Bool, Int

T = TypeVar("T")
Count = Annotated[Int, Field(ge=0, le=10**12)]
Positive = Annotated[Int, Field(gt=0, le=10**12)]


class Data(BaseModel):
    """Frozen, unknown keys refused; written with kebab-case keys in the TOML files (snake_case works too)."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, alias_generator=lambda name: name.replace("_", "-")
    )


class Source(Data):
    title: str
    date: str  # when it was read (and, where known, the date of the copy)
    url: str | None = None


class Sourced(Data, Generic[T]):
    """One figure and where it comes from."""

    value: T
    source: str
    verified: Bool
    note: str | None = None


class MaybeSourced(Data, Generic[T]):
    """A figure that may be unknown or absent: then ``value`` is left out and ``note`` says why."""

    value: T | None = None
    source: str
    verified: Bool
    note: str | None = None

    @model_validator(mode="after")
    def _known_or_noted(self) -> MaybeSourced[T]:
        if self.value is None and not self.note:
            raise ValueError("a figure without a value needs a note (not published? no such limit?)")
        return self


def problems(exc: ValidationError) -> str:
    """A validation error as one line: "'key.path': what is wrong; ..."."""
    return "; ".join(f"'{'.'.join(map(str, error['loc']))}': {error['msg']}" for error in exc.errors())
