"""Value types for settings and data files that take numbers and flags only as written.

pydantic's defaults read ``"2"`` and ``true`` as numbers and ``"yes"`` as a flag; a configuration that
says ``epochs = true`` is a mistake to report, not a 1 to use.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator, Field, StrictBool
from pydantic.types import Strict


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"must be a number, not {type(value).__name__}")
    return value


Int = Annotated[int, Strict()]  # not "2", not true, not 2.0
Number = Annotated[float, BeforeValidator(_number), Field(allow_inf_nan=False)]  # an int or a float, finite
Bool = StrictBool  # true or false, not "yes" or 1

__all__ = ["Bool", "Int", "Number"]
