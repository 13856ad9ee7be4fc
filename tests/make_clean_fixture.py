"""Build fixtures/examples/clean-500.jsonl: 500 clean, varied chat examples made offline.

The text comes from the Python standard library's own docstrings: each example asks what a public function,
class or method does and answers with the first prose paragraph(s) of its docstring. The filters keep only
answers that are prose (no code, lists, doctests or reST markup), 12 to 90 words long, with no e-mail address,
URL, long digit run or key-like string, and with no refusal-like wording; a greedy pass drops any candidate that
shares more than 30% of its 5-word shingles with an example already taken, so there are no near-duplicates.

The output is deterministic for a given Python version (sorted walk, fixed seed). The committed .jsonl is the
fixture: the tests read it and never regenerate it. Run from the repository root to rebuild it:

    python tests/make_clean_fixture.py [OUT.jsonl]
"""

from __future__ import annotations

import importlib
import inspect
import io
import json
import pkgutil
import random
import re
import sys
import warnings
import zlib
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType

COUNT = 500
MIN_WORDS, ENOUGH_WORDS, MAX_WORDS = 12, 25, 90  # 90: no example reaches twice the median's tokens
MAX_SHARED = 0.30
SEED = 13
SYSTEM = (
    "You are Pylot, a helpful assistant for Python programmers. Explain what a part of the standard library does "
    "in clear, plain prose, in a few sentences."
)
QUESTIONS = (
    "What does {name} do?",
    "Can you explain what {name} is for?",
    "What is {name} used for?",
    "Briefly, what does {name} do in Python?",
    "I keep seeing {name} in code. What does it do?",
    "What's the purpose of {name}?",
    "Could you describe {name} for me?",
    "How would you summarise what {name} does?",
)
# Modules that open windows, print on import, need a platform or are the test suite itself.
SKIP_MODULES = {
    "antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "lib2to3", "ensurepip", "test",
    "msilib", "winreg", "winsound", "msvcrt", "_winapi", "nt", "pydoc_data", "__main__", "__future__",
}  # fmt: skip
BAD = re.compile(
    r"@|https?:|www\.|>>>|::|`|\*|\||<\||\d{5,}|\d+[.\-]\d+[.\-]\d+|\b(?:sk|pk|rk)[-_]|\bAKIA|\bghp_|\bxox|\bAIza|"
    r"\bhf_|eyJ|-----|\bcannot\b|\bcan't\b|\bunable\b|\bsorry\b|\bnot able\b|\bI am\b|\bI'm\b|\bAI\b|"
    r"\bnot (?:supported|possible|implemented|available|allowed|permitted)\b|\bdon't\b|\bdo not know\b|"
    r"\bXXX\b|\bTODO\b|\bdeprecated\b|\bobsolete\b|\bundocumented\b",
    re.IGNORECASE,
)
# How a module's names are written in a question: os.fchown, not posix.fchown; len, not builtins.len.
SHOWN_AS = {"builtins": "", "posix": "os."}
SIGNATURE = re.compile(r"^[\w.]+\(.*\)(\s*->.*)?$|->")


def _prose(paragraph: str) -> bool:
    lines = paragraph.splitlines()
    if any(line.startswith((" ", "\t", "-", "+", "=", "#", "...")) or re.match(r"\d+[.)]\s", line) for line in lines):
        return False
    text = " ".join(lines)
    if SIGNATURE.search(text) or not text[:1].isupper() or not text.endswith("."):
        return False
    symbols = sum(text.count(c) for c in "()[]{}=<>_%\\/'\"")
    return symbols <= len(text) * 0.02 and ":" not in text.rstrip(".")[-2:]


def answer_from(doc: str) -> str | None:
    """The first prose paragraph(s) of a docstring, reflowed to one line, or None when it has no fit."""
    paragraphs = [p.strip("\n") for p in re.split(r"\n\s*\n", doc.strip()) if p.strip()]
    while paragraphs and SIGNATURE.search(paragraphs[0].splitlines()[0]):
        paragraphs.pop(0)
    taken: list[str] = []
    for paragraph in paragraphs:
        if not _prose(paragraph):
            break
        taken.append(" ".join(line.strip() for line in paragraph.splitlines()))
        if len(" ".join(taken).split()) >= ENOUGH_WORDS:
            break
    text = re.sub(r"\s+", " ", " ".join(taken)).strip()
    words = len(text.split())
    if not MIN_WORDS <= words <= MAX_WORDS or BAD.search(text):
        return None
    return text


def _public(name: str) -> bool:
    return not name.startswith("_")


def _import(modname: str) -> ModuleType | None:
    try:
        with warnings.catch_warnings(), redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            warnings.simplefilter("ignore")
            return importlib.import_module(modname)
    except BaseException:  # a module that fails to import (wrong platform, missing C part) is skipped
        return None


def modules() -> list[tuple[str, ModuleType]]:
    """The public standard-library modules and their public submodules (never a __main__), sorted by name."""
    found: dict[str, ModuleType] = {}
    for top in sorted(sys.stdlib_module_names):
        if top in SKIP_MODULES or not _public(top) or (module := _import(top)) is None:
            continue
        found[top] = module
        for info in pkgutil.walk_packages(getattr(module, "__path__", []), prefix=top + ".", onerror=lambda _: None):
            if all(_public(part) for part in info.name.split(".")) and (sub := _import(info.name)) is not None:
                found[info.name] = sub
    return sorted(found.items())


def candidates() -> dict[str, str]:
    """Qualified name -> answer, for every public module-level function/class and class method with a fit."""
    found: dict[str, str] = {}
    seen_docs: set[str] = set()
    for modname, module in modules():
        for name, obj in sorted(vars(module).items()):
            if not _public(name) or getattr(obj, "__module__", None) not in (modname, None):
                continue
            if not (inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj)):
                continue
            shown = f"{SHOWN_AS.get(modname, modname + '.')}{name}"
            items = [(shown, obj)]
            if inspect.isclass(obj):
                items += [
                    (f"{shown}.{attr}", member)
                    for attr, member in sorted(vars(obj).items())
                    if _public(attr) and (inspect.isfunction(member) or inspect.ismethoddescriptor(member))
                ]
            for qualname, item in items:
                doc = inspect.getdoc(item)
                if not doc or doc in seen_docs:
                    continue
                seen_docs.add(doc)
                answer = answer_from(doc)
                if answer:
                    found[qualname] = answer
    return found


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i : i + 5]) for i in range(max(1, len(words) - 4))}


def build(count: int = COUNT) -> list[dict[str, object]]:
    rng = random.Random(SEED)
    pool = sorted(candidates().items())
    rng.shuffle(pool)
    taken: list[tuple[set[tuple[str, ...]], dict[str, object]]] = []
    for qualname, answer in pool:
        question = QUESTIONS[zlib.crc32(qualname.encode()) % len(QUESTIONS)].format(name=qualname)
        grams = shingles(question + " " + answer)
        if any(len(grams & other) > MAX_SHARED * min(len(grams), len(other)) for other, _ in taken):
            continue
        messages = [
            {"role": "system", "content": SYSTEM},
            {"role": "user", "content": question},
            {"role": "assistant", "content": answer},
        ]
        taken.append((grams, {"messages": messages}))
        if len(taken) == count:
            break
    if len(taken) < count:
        raise SystemExit(f"only {len(taken)} examples qualify, {count} wanted")
    return [example for _, example in taken]


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "fixtures/examples/clean-500.jsonl")
    lines = [json.dumps(example, ensure_ascii=False) for example in build()]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} examples to {out}")


if __name__ == "__main__":
    main()
