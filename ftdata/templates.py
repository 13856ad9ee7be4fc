"""Chat templates: an open-weight model's Jinja template rendered as the trainers render it.

Trainers (TRL, Axolotl, Unsloth) and services that train open models turn an example's messages into text
with the model's own chat template through ``transformers``' ``apply_chat_template``. This module renders
the same text without transformers: a sandboxed Jinja environment configured the way transformers configures
its own (``trim_blocks``, ``lstrip_blocks``, loop controls; a ``tojson`` that does not escape HTML and takes
``indent``/``separators``/``sort_keys``; ``raise_exception``; ``strftime_now``; ``dict``; a ``namespace`` that
refuses underscore names) and the ``{% generation %}`` tag, whose blocks mark the characters a trainer with
assistant-only loss trains on. The test suite holds the output to transformers' own.

``jinja2`` comes with the ``open-models`` extra; it is imported only when a template is compiled.
"""

from __future__ import annotations

import datetime
import functools
import json
import re
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ftdata.errors import ConfigError

_GENERATION_TAG = re.compile(r"\{%-?\s*generation\s*-?%\}")
_READS_DATE = re.compile(r"\bstrftime_now\b")


class TemplateError(Exception):
    """The template refused the example (its own ``raise_exception`` message, or a Jinja error)."""


@dataclass(frozen=True)
class Rendered:
    text: str
    spans: tuple[tuple[int, int], ...]  # character ranges inside {% generation %} blocks, in order


_REASONING_KEYS = ("reasoning_content", "thinking", "reasoning")


def _aliased(message: dict[str, Any]) -> dict[str, Any]:
    """A message's reasoning under every name templates read it by (as transformers passes it): the first of
    reasoning_content / thinking / reasoning given becomes thinking and reasoning_content too."""
    reasoning = next((message[key] for key in _REASONING_KEYS if message.get(key) is not None), None)
    if reasoning is None:
        return message
    return {"thinking": reasoning, **message, "reasoning_content": reasoning}


def has_generation_blocks(template: str) -> bool:
    return bool(_GENERATION_TAG.search(template))


def reads_date(template: str) -> bool:
    """Whether the template puts a date in the text it renders (its counts then change with the day)."""
    return bool(_READS_DATE.search(template))


def _jinja() -> Any:
    try:
        import jinja2
    except ImportError:
        raise ConfigError(
            "open-weight models' chat templates need jinja2 and tokenizers: pip install 'ftdata[open-models]'"
        ) from None
    import jinja2

    version = tuple(int(part) for part in jinja2.__version__.split(".")[:3] if part.isdigit())
    if version < (3, 1, 6):  # older sandboxes have known escapes, and chat templates are untrusted code
        raise ConfigError(
            f"jinja2 {jinja2.__version__} has known sandbox escapes; chat templates need jinja2 3.1.6 or later: "
            "pip install -U 'jinja2>=3.1.6'"
        )
    return jinja2


class ChatTemplate:
    """One compiled chat template; ``render`` gives the text and the generation spans of an example."""

    def __init__(self, source: str, *, date: datetime.date | None = None, name: str = "chat template") -> None:
        self.source = source
        self.name = name
        self.generation = has_generation_blocks(source)
        self.reads_date = reads_date(source)
        self._date = date
        self._template = _compile(source, name)
        self._template.globals["__ftdata_generation"] = self._generation
        self._spans: list[tuple[int, int]] | None = None
        self._blocks: list[str] = []
        self._lock = threading.Lock()

    def now(self) -> datetime.datetime:
        """The moment ``strftime_now`` sees: midnight of the pinned date, or now."""
        if self._date is None:
            return datetime.datetime.now()
        return datetime.datetime.combine(self._date, datetime.time())

    def render(
        self,
        messages: Sequence[Mapping[str, Any]],
        *,
        tools: Sequence[Any] | None = None,
        special_tokens: Mapping[str, str] | None = None,
        generation_prompt: bool = False,
        **kwargs: Any,
    ) -> Rendered:
        """The example as the trainer renders it (``add_generation_prompt=False``, unless ``generation_prompt``:
        a prompt ready for the answer); ``TemplateError`` when the template refuses it. Keys whose value is
        null are left out, as transformers leaves them out; a message that is not an object is refused, as
        transformers refuses it."""
        jinja2 = _jinja()
        if not all(isinstance(message, Mapping) for message in messages):
            raise TemplateError("a message is not an object (transformers refuses the example)")
        chat = [_aliased({key: value for key, value in message.items() if value is not None}) for message in messages]
        context = {
            **(special_tokens or {}),
            **kwargs,
            "messages": chat,
            "tools": list(tools) if tools is not None else None,
            "documents": None,
            "add_generation_prompt": generation_prompt,
            "strftime_now": self._strftime_now,
        }
        with self._lock:  # the spans are noted on the template while it renders: one rendering at a time
            blocks: list[str] = []
            spans: list[tuple[int, int]] = []
            self._blocks, self._spans = blocks, spans
            try:
                for block in self._template.generate(**context):
                    blocks.append(block)
            except jinja2.TemplateError as exc:
                raise TemplateError(str(exc) or type(exc).__name__) from None
            except RecursionError:
                raise TemplateError("the template recursed too deeply") from None
            except Exception as exc:  # whatever the template's code raises on this example is its refusal
                raise TemplateError(f"{type(exc).__name__}: {exc}") from None
            finally:
                self._spans = None
        return Rendered("".join(blocks), tuple(spans))

    def _strftime_now(self, format: str) -> str:
        return self.now().strftime(format)

    def _generation(self, caller: Any) -> str:
        """A ``{% generation %}`` block: note where it lies in the text rendered so far (the blocks the
        template has yielded: as in transformers, a block inside a macro is placed where the macro's text
        starts)."""
        body: str = caller()
        spans = self._spans
        if spans is not None:
            start = sum(len(block) for block in self._blocks)
            spans.append((start, start + len(body)))
        return body


@functools.cache
def _environment() -> Any:
    jinja2 = _jinja()
    from jinja2 import nodes
    from jinja2.ext import Extension, loopcontrols
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class Generation(Extension):
        """``{% generation %}...{% endgeneration %}``: calls the rendering template's ``_generation``."""

        tags = {"generation"}  # noqa: RUF012 (jinja's own class attribute)

        def parse(self, parser: Any) -> Any:
            lineno = next(parser.stream).lineno
            body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
            call = nodes.Call(nodes.Name("__ftdata_generation", "load"), [], [], None, None)
            return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    class Namespace(jinja2.utils.Namespace):  # type: ignore[misc,name-defined]
        """Jinja's namespace, refusing attributes that start with an underscore (as transformers does)."""

        def __init__(*args: Any, **kwargs: Any) -> None:
            self, rest = args[0], args[1:]
            attributes = dict(*rest, **kwargs)
            for key in attributes:
                Namespace._check(key)
            jinja2.utils.Namespace.__init__(self, attributes)

        def __setitem__(self, key: str, value: Any) -> None:
            Namespace._check(key)
            jinja2.utils.Namespace.__setitem__(self, key, value)

        @staticmethod
        def _check(key: Any) -> None:
            if isinstance(key, str) and key.startswith("_"):
                raise jinja2.exceptions.SecurityError(f"a namespace attribute may not start with '_': {key!r}")

    class Dict:
        def __call__(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict(*args, **kwargs)

        def fromkeys(self, *args: Any, **kwargs: Any) -> dict[Any, Any]:
            return dict.fromkeys(*args, **kwargs)

    def raise_exception(message: str) -> None:
        raise jinja2.exceptions.TemplateError(message)

    def tojson(
        value: Any, ensure_ascii: bool = False, indent: Any = None, separators: Any = None, sort_keys: bool = False
    ) -> str:
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

    environment = ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols]
    )
    environment.filters["tojson"] = tojson
    environment.globals.update(raise_exception=raise_exception, dict=Dict(), namespace=Namespace)
    return environment


def _compile(source: str, name: str) -> Any:
    jinja2 = _jinja()
    try:
        return _environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(f"{name}: not a valid Jinja template (line {exc.lineno}: {exc.message})") from None
