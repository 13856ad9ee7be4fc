"""The rule registry: finds rule modules, checks their declarations, and resolves rule selections.

ftdata's own rules are the modules of the ``ftdata.rules`` package (the ``rules/`` folder of the source
tree); third-party rules come from the ``ftdata.rules`` entry-point group. Every rule passes through the
same checks, and two rules with the same code or name are an error, never a silent shadowing.
"""

from __future__ import annotations

import functools
import importlib
import importlib.metadata
import inspect
import pkgutil
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, cast

from ftdata.errors import ConfigError, FtdataError
from ftdata.vocabulary import GROUPS, SEVERITIES, FileRole, Format, RuleKind, Severity

ENTRY_POINT_GROUP = "ftdata.rules"
_CODE = re.compile(r"^[A-Z]{2,5}[0-9]{3}$")
_NAME = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead")


class RegistryError(FtdataError):
    """A rule module that does not declare itself properly, or two rules that collide."""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    group: str
    severity: Severity
    kind: RuleKind
    doc: str
    module: str
    formats: tuple[Format, ...] | None = None  # None: every format
    reader_issue: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    plain_chat_clean: bool = False  # finds nothing in a plain chat example: skipped there
    deep: bool = False  # slow: off (its option ``enabled``) unless the run asks for deep checks (--deep)
    file_roles: tuple[FileRole, ...] = ("training", "validation")  # the files it checks
    function: Callable[..., Any] = field(default=print, compare=False, repr=False)
    collect: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    sample: Callable[..., Any] | None = field(default=None, compare=False, repr=False)
    # Whether the rule can find anything for a target (a rule only some services enforce): None, always
    active: Callable[[Any], bool] | None = field(default=None, compare=False, repr=False)

    @property
    def summary(self) -> str:
        """The first sentence of *What it does*."""
        match = re.search(r"What it does\s*\n-*\s*\n?(.+?)(?:\n\n|$)", self.doc, re.S)
        text = " ".join((match.group(1) if match else self.doc).split())
        return text.split(". ")[0].rstrip(".") + "."


_DOUBLE_BACKQUOTES = re.compile(r"(?<!`)``(?!`)")


def rule_markdown(rule: Rule) -> str:
    """A rule's documentation as Markdown (``ftdata rule``): its docstring's section underlines become
    headings and its ``double`` backquotes single ones; the jsonl examples are Markdown already."""
    lines = rule.doc.splitlines()
    out = [f"# {rule.code} {rule.name}: {lines[0] if lines else ''}".rstrip(), ""]
    out.append(f"Group {rule.group}; default severity {rule.severity}.")
    for index, line in enumerate(lines[1:], start=1):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following and set(following) == {"-"} and len(following) == len(line):
            out.append(f"## {line}\n")
        elif line and set(line) == {"-"} and index > 1 and len(line) == len(lines[index - 1]):
            continue
        else:
            out.append(_DOUBLE_BACKQUOTES.sub("`", line))
    if rule.options:
        out += ["", "## Options", ""] + [f"- `{name}` (default `{value!r}`)" for name, value in rule.options.items()]
    return "\n".join(out).rstrip() + "\n"


def rule_from_module(module: ModuleType) -> Rule:
    """Read a rule's declaration from its module, or raise RegistryError saying what is missing."""
    where = module.__name__

    def need(attribute: str) -> Any:
        if not hasattr(module, attribute):
            raise RegistryError(f"rule module {where} does not define {attribute}")
        return getattr(module, attribute)

    code, name, group, severity = need("CODE"), need("NAME"), need("GROUP"), need("SEVERITY")
    if not isinstance(code, str) or not _CODE.match(code):
        raise RegistryError(f"rule module {where}: CODE {code!r} is not two to five capitals and three digits")
    if not isinstance(name, str) or not _NAME.match(name):
        raise RegistryError(f"rule module {where}: NAME {name!r} is not kebab-case")
    if group not in GROUPS:
        raise RegistryError(f"rule module {where}: GROUP {group!r} is not one of {', '.join(GROUPS)}")
    if severity not in SEVERITIES:
        raise RegistryError(f"rule module {where}: SEVERITY {severity!r} is not one of {', '.join(SEVERITIES)}")
    doc = inspect.cleandoc(module.__doc__ or "")
    missing = [section for section in _DOC_SECTIONS if section not in doc]
    if missing:
        raise RegistryError(f"rule module {where}: docstring lacks the section(s) {', '.join(missing)}")
    functions = {
        kind: getattr(module, attr, None)
        for kind, attr in (("line", "check_line"), ("record", "check"), ("dataset", "finish"), ("job", "finish_job"))
    }
    defined = [kind for kind, function in functions.items() if callable(function)]
    if len(defined) != 1:
        raise RegistryError(f"rule module {where} must define exactly one of check, check_line, finish or finish_job")
    kind = cast(RuleKind, defined[0])
    reader_issue = getattr(module, "READER_ISSUE", None)
    if kind == "line" and not reader_issue:
        raise RegistryError(f"rule module {where} defines check_line but no READER_ISSUE")
    formats = getattr(module, "FORMATS", None)
    collect = getattr(module, "collect", None)
    if collect is not None and kind not in ("dataset", "job"):
        raise RegistryError(f"rule module {where} defines collect, which only goes with finish or finish_job")
    sample = getattr(module, "sample", None)
    if sample is not None and kind != "dataset":
        raise RegistryError(f"rule module {where} defines sample, which only goes with finish")
    return Rule(
        code=code,
        name=name,
        group=group,
        severity=severity,
        kind=kind,
        doc=doc,
        module=where,
        formats=tuple(formats) if formats is not None else None,
        reader_issue=reader_issue,
        options=dict(getattr(module, "OPTIONS", {})),
        plain_chat_clean=getattr(module, "PLAIN_CHAT_CLEAN", False) is True,
        deep=_deep(module, where),
        file_roles=_file_roles(module, where),
        function=cast(Callable[..., Any], functions[kind]),
        collect=collect,
        sample=sample,
        active=getattr(module, "active", None),
    )


def _deep(module: ModuleType, where: str) -> bool:
    deep = getattr(module, "DEEP", False) is True
    if deep and getattr(module, "OPTIONS", {}).get("enabled") is not False:
        raise RegistryError(f"rule module {where}: a DEEP rule needs the option enabled = False (--deep turns it on)")
    return deep


def _file_roles(module: ModuleType, where: str) -> tuple[FileRole, ...]:
    roles = getattr(module, "FILE_ROLES", ("training", "validation"))
    if not isinstance(roles, tuple) or not roles or any(role not in ("training", "validation") for role in roles):
        raise RegistryError(f"rule module {where}: FILE_ROLES must be a tuple of 'training' and/or 'validation'")
    return roles


@functools.cache
def all_rules() -> tuple[Rule, ...]:
    """Every registered rule, sorted by code: ftdata's own, then third-party ones."""
    builtin = importlib.import_module("ftdata.rules")  # rules/ in the source tree

    modules = [
        importlib.import_module(f"{builtin.__name__}.{info.name}")
        for info in pkgutil.iter_modules(builtin.__path__)
        if not info.name.startswith("_")
    ]
    for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        if _in_working_folder(entry_point):
            continue  # python -m puts the working folder first on sys.path: only installed plugins count
        try:
            loaded = entry_point.load()
        except Exception as exc:  # a broken plugin must say which one it is
            raise RegistryError(f"cannot load rule plugin {entry_point.name!r} ({entry_point.value}): {exc}") from exc
        if not isinstance(loaded, ModuleType):
            raise RegistryError(f"rule plugin {entry_point.name!r} must point at a module, not {loaded!r}")
        modules.append(loaded)
    return check_unique([rule_from_module(module) for module in modules])


def _in_working_folder(entry_point: importlib.metadata.EntryPoint) -> bool:
    """Whether the entry point's distribution lies in the working folder itself (a ``*.dist-info`` there)."""
    dist = getattr(entry_point, "dist", None)
    if dist is None:
        return False
    try:
        return Path(str(dist.locate_file(""))).resolve() == Path.cwd().resolve()
    except (OSError, ValueError, NotImplementedError):
        return False


def check_unique(rules: Iterable[Rule]) -> tuple[Rule, ...]:
    """Refuse two rules with one code or one name (flake8 lets them shadow each other silently)."""
    by_code: dict[str, Rule] = {}
    by_name: dict[str, Rule] = {}
    for rule in rules:
        for index, key in ((by_code, rule.code), (by_name, rule.name)):
            if key in index:
                raise RegistryError(f"rules {index[key].module} and {rule.module} both use {key!r}")
            index[key] = rule
    return tuple(sorted(by_code.values(), key=lambda r: r.code))


def find_rule(key: str, rules: Sequence[Rule] | None = None) -> Rule:
    """A rule by code or name, case-insensitively for codes."""
    for rule in rules or all_rules():
        if key.upper() == rule.code or key == rule.name:
            return rule
    raise ConfigError(f"unknown rule {key!r}{_suggest(key, rules or all_rules())}")


def _suggest(key: str, rules: Sequence[Rule]) -> str:
    import difflib

    close = difflib.get_close_matches(key, [r.name for r in rules] + [r.code for r in rules], n=3)
    return f"; did you mean {', '.join(close)}?" if close else "; run 'ftdata rules' to list them"


def _specificity(selector: str, rule: Rule) -> int:
    """How specifically a selector names a rule (0: not at all). Codes and names beat prefixes and groups."""
    if selector in ("ALL", rule.code) or selector == rule.name:
        return 1 if selector == "ALL" else 100
    if selector == rule.group:
        return 3  # as specific as the hundreds prefix (FT1 = structure)
    if rule.code.startswith(selector):
        return len(selector)
    return 0


def validate_selector(selector: str, rules: Sequence[Rule]) -> str:
    """Normalise a selector (codes and prefixes are upper-cased) and refuse one that matches no rule."""
    for candidate in (selector, selector.upper()):
        if candidate == "ALL" or any(_specificity(candidate, rule) for rule in rules):
            return candidate
    raise ConfigError(f"{selector!r} selects no rule (not a code, prefix, name or group){_suggest(selector, rules)}")


def select_rules(
    rules: Sequence[Rule],
    select: Sequence[str] = ("ALL",),
    ignore: Sequence[str] = (),
    extend_select: Sequence[str] = (),
) -> tuple[Rule, ...]:
    """The rules left on: for each rule the most specific matching selector wins; on a tie, ignore wins."""
    chosen = [validate_selector(s, rules) for s in (*select, *extend_select)]
    dropped = [validate_selector(s, rules) for s in ignore]
    enabled = []
    for rule in rules:
        keep = max((_specificity(s, rule) for s in chosen), default=0)
        drop = max((_specificity(s, rule) for s in dropped), default=0)
        if keep > drop:
            enabled.append(rule)
    return tuple(enabled)


Layer = tuple["Sequence[str] | None", Sequence[str], Sequence[str]]  # (select or None, extend-select, ignore)


def select_layers(rules: Sequence[Rule], layers: Sequence[Layer]) -> tuple[Rule, ...]:
    """The rules left on after layers of selection, later layers on top (the config's, then the command
    line's), as ruff does. A layer's ``select`` starts the selection anew (the layers before it no longer
    count); otherwise every selector of the layers in force competes: the most specific wins (a code or name
    beats a prefix or group), on a tie the later layer, and within one layer ``ignore``."""
    start = max((index for index, (select, _, _) in enumerate(layers) if select is not None), default=0)
    competing: list[tuple[str, int, bool]] = []  # (selector, layer, is an ignore)
    for index, (select, extend, ignore) in enumerate(layers[start:], start=start):
        competing += [(validate_selector(s, rules), index, False) for s in (*(select or ()), *extend)]
        competing += [(validate_selector(s, rules), index, True) for s in ignore]
    enabled = []
    for rule in rules:
        matches = [(_specificity(s, rule), layer, dropped) for s, layer, dropped in competing]
        best = max((m for m in matches if m[0]), default=None)
        if best is not None and not best[2]:
            enabled.append(rule)
    return tuple(enabled)


def rules_markdown_table(rules: Sequence[Rule] | None = None) -> str:
    """The README's rule table, generated from the registry (a test fails when the README's copy is stale)."""
    rows = ["| code | name | group | severity | what it checks |", "|---|---|---|---|---|"]
    for rule in rules or all_rules():
        rows.append(f"| {rule.code} | `{rule.name}` | {rule.group} | {rule.severity} | {rule.summary} |")
    return "\n".join(rows)
