"""The plan of a run: the target, and the rules switched on with their severities, options and per-file ignores.

Prepared once from the settings, before any file is read; the scanner, the runner's workers (which inherit
it by forking) and the judge all work from the same plan.
"""

from __future__ import annotations

import contextlib
import fnmatch
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ftdata.config import Settings
from ftdata.errors import ConfigError
from ftdata.formats import excerpt
from ftdata.openmodels import RenderedCounter
from ftdata.reader import MAX_LINE_BYTES
from ftdata.registry import Layer, Rule, all_rules, find_rule, select_layers, select_rules, validate_selector
from ftdata.report import MAX_PROBLEMS_PER_RULE
from ftdata.ruleapi import RuleContext
from ftdata.target import Target, build_target
from ftdata.tokens import TokenCounter
from ftdata.vocabulary import Severity


@dataclass(frozen=True)
class Plan:
    """A target and the rules to check a job with."""

    target: Target
    rules: tuple[Rule, ...] = ()
    severities: Mapping[str, Severity] = field(default_factory=dict)
    contexts: Mapping[str, RuleContext] = field(default_factory=dict)
    per_file_ignores: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    config_root: Path | None = None
    has_validation: bool = False  # job rules collect per-record facts only when there is a validation file
    max_line_bytes: int = MAX_LINE_BYTES  # longer lines are reported and skipped, never held
    max_problems_per_rule: int = MAX_PROBLEMS_PER_RULE  # kept per rule and file (0: all); the rest counted
    # more ways of counting in the same pass (cost: every encoding the priced models need), each example's
    # totals gathered in facts.also_counts, in this order
    also_count: tuple[TokenCounter | RenderedCounter, ...] = ()
    keep_rows: bool = False  # each example's counts kept in the scan's rows, in order (ftdata tokens)
    keep_stats: bool = False  # the scan gathers the file's statistics (ftdata stats and report: ftdata.stats)

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        config_root: Path | None = None,
        *,
        has_validation: bool = False,
        layer: Layer | None = None,
    ) -> Plan:
        """``layer``: a selection on top of the config's (the command line's, or the library's options)."""
        registry = all_rules()
        where = f"the configuration in {config_root}" if config_root else "the settings"
        config_layer: Layer = (settings.select, settings.extend_select, settings.ignore)
        for key, selectors in zip(("select", "extend-select", "ignore"), config_layer, strict=True):
            with _naming(where, key):
                for selector in selectors or ():
                    validate_selector(selector, registry)
        with _naming("the command line (or the library's options)", "select, extend-select or ignore"):
            rules = select_layers(registry, [config_layer, *([layer] if layer else [])])
        target = build_target(settings, config_root)
        if settings.targets:  # every target of the config loads now: a broken one is a config error, said here
            _ = target.others
        severities = {rule.code: rule.severity for rule in registry}
        switched_off: set[str] = set()
        for key, setting in target.profile.rules.items():  # the target's own view of a rule
            with _naming(f"target {target.profile.name}", f"rules.{key}"):
                code = find_rule(key, registry).code
            if setting.severity == "off":
                switched_off.add(code)
            else:  # a later entry (the user's, by code or by name) may bring the rule back
                switched_off.discard(code)
                severities[code] = setting.severity
        for key, severity in settings.severity.items():
            with _naming(where, f"severity.{key}"):
                code = find_rule(key, registry).code
                severities[code] = severity
                switched_off.discard(code)  # the user's severity brings back a rule the target turns off
        # off on this target, or nothing to find on it (a rule only some services enforce): not run at all
        rules = tuple(
            rule for rule in rules if rule.code not in switched_off and (rule.active is None or rule.active(target))
        )
        for pattern, patterns in settings.per_file_ignores.items():
            for selector in patterns:
                with _naming(where, f'per-file-ignores."{pattern}"'):
                    validate_selector(selector, registry)
        if settings.max_usd is not None:
            _check_budget_model(target)
        with _naming(where, "options"):
            options = _rule_options(registry, settings.options)
        contexts = {rule.code: RuleContext(options[rule.code], target) for rule in registry}
        return cls(
            target,
            rules,
            severities,
            contexts,
            settings.per_file_ignores,
            config_root,
            has_validation,
            settings.max_line_bytes,
            settings.max_problems_per_rule,
        )

    @classmethod
    def count_only(cls, target: Target) -> Plan:
        """A plan that checks nothing: it counts tokens and gathers facts (``ftdata cost``)."""
        return cls(target)

    @property
    def skips_plain_chat(self) -> bool:
        """Whether PLAIN_CHAT_CLEAN rules may be skipped on plain chat examples: only while the target takes
        every part of such an example (the rules' claim is about the service they were written for)."""
        vocabulary = self.target.vocabulary
        return (
            {"system", "user", "assistant"} <= set(vocabulary.roles.value)
            and {"role", "content"} <= set(vocabulary.message_keys.value)
            and "messages" in vocabulary.chat_keys.value
        )

    def rules_for(self, path: str) -> tuple[Rule, ...]:
        """The rules on for one file, after per-file ignores."""
        ignored: list[str] = []
        candidate = Path(path)
        relative = _relative_posix(candidate, self.config_root)
        for pattern, selectors in self.per_file_ignores.items():
            if fnmatch.fnmatch(relative, pattern) or fnmatch.fnmatch(candidate.name, pattern):
                ignored.extend(selectors)
        if not ignored:
            return self.rules
        return select_rules(self.rules, ("ALL",), ignored)


@contextlib.contextmanager
def _naming(where: str, key: str) -> Iterator[None]:
    """Say where a configuration error is: the file (or the command line) and the key."""
    try:
        yield
    except ConfigError as exc:
        raise ConfigError(f"{where}: '{key}': {exc}") from None


def _check_budget_model(target: Target) -> None:
    model = target.model
    price = model.training_price if model else None
    if model is None or price is None or price.usd is None or price.per != "1M tokens":
        why = ""
        if model is not None:
            why = (
                f"; {model.name} is priced per {price.per}"
                if price is not None and price.usd is not None
                else f"; no price of {model.name} on {target.profile.name} is known"
            )
        raise ConfigError(
            "a budget (--max-usd / max-usd) needs a model priced per token: choose one with --model" + why
        )
    if target.epochs is None and target.profile.epochs.rule == "unknown":
        raise ConfigError(
            f"a budget (--max-usd / max-usd) needs the epochs: {target.profile.name}'s default is not documented, "
            "so pass --epochs (epochs = N in the config)"
        )


def _relative_posix(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return path.resolve().relative_to(root).as_posix()
        except ValueError:
            pass
    return path.as_posix()


def _rule_options(rules: Sequence[Rule], configured: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    options = {rule.code: dict(rule.options) for rule in rules}
    for key, values in configured.items():
        rule = find_rule(key, rules)
        for name, value in values.items():
            if name not in rule.options:
                known = ", ".join(rule.options) or "none"
                raise ConfigError(f"rule {rule.code} ({rule.name}) has no option {name!r} (its options: {known})")
            default = rule.options[name]
            if not _same_kind(value, default):
                kind = "number" if default is None else type(default).__name__
                raise ConfigError(
                    f"option {name!r} of rule {rule.code} ({rule.name}) must be a {kind}, not {excerpt(value)}"
                )
            options[rule.code][name] = value
    return options


def _same_kind(value: Any, default: Any) -> bool:
    if default is None:  # "the target's figure" by default: a number may replace it
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    if isinstance(default, float):
        return isinstance(value, (int, float))
    return isinstance(value, type(default))
