"""Benchmark: lint a large synthetic chat file and report throughput (MB/s) and peak memory (RSS).

    python tests/benchmark.py                     # a 100 MB file
    python tests/benchmark.py --sizes 100,1000    # 100 MB and 1 GB, side by side
    python tests/benchmark.py --hostile           # peak memory on 2M blank lines and on one 100 MB line
    python tests/benchmark.py --open-model Qwen/Qwen2.5-7B-Instruct   # ftdata tokens vs transformers' loop
    python tests/benchmark.py --quality --jobs 2  # what the data-quality rules and near-duplicates cost

The files are generated once (deterministically) into bench-out/ and reused. For each size it times, as
fresh processes, the fastest of --repeat runs of:
- ftdata lint with --jobs 1 and with --jobs N (and checks that both print the same report);
- the notebook approach: the whole file read, stdlib json per line, a format-check pass, every message
  encoded in a loop and the assistant messages again (as the OpenAI cookbook's notebook does);
- a plain one-core loop: stdlib json per line and every string encoded once, nothing else;
- the floor: orjson per line plus every string encoded once, the file split across N processes — with
  tiktoken's encode_ordinary, and with the fast exact counter ftdata uses (bpe-openai's count);
- ftdata cost (every target and model, --all) on the same file, against ftdata lint;
and a 20-example file against importing the dependencies and loading one encoding. With --open-model REPO it
times instead `ftdata tokens` (-f jsonl, every row written) on each file against a loop of transformers'
`apply_chat_template(..., tokenize=True)` over the same file with the same tokenizer.json and template
(transformers needed; no torch), and checks that both give the same total. With --quality it times instead
ftdata lint (--jobs N) on each file (a) with the quality rules off (--ignore quality), (b) with them on but
near-duplicates off (--ignore FT515,FT516), (c) with near-duplicates switched on (their option ``enabled``),
and reports b/a and c/b (targets: 1.30 each) by wall time and by CPU time, the peak memory of each, what each
found, and the sketch's own cost per example on one core.
Memory is the peak proportional set size of the process and its workers. Not collected by pytest:
timings belong in a benchmark, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench-out"

WORDS = (
    "the bike chain gear brake wheel tyre pressure service repair order customer question answer shop "
    "because however although therefore quickly carefully usually rarely price delivery warranty refund "
    "mechanic appointment weekend morning evening adjust replace measure inspect tighten clean lubricate "
    "frame saddle pedal crank cassette derailleur spoke rim hub axle bearing cable housing lever"
).split()
NON_LATIN = [
    "自転車のチェーンが外れてしまいました。修理をお願いできますか？",
    "Здравствуйте! Сколько стоит замена тормозных колодок на горном велосипеде?",
    "مرحبا، هل يمكنكم إصلاح الدراجة الكهربائية اليوم؟",
    "请问你们周末营业吗？我想预约一次全面保养。",
    "Γεια σας, πόσο κοστίζει ένα πλήρες σέρβις;",
]
SYSTEMS = [
    "You are Spoke, the support assistant of Cadence Cycles. Answer briefly and politely.",
    "You are a helpful assistant for a bicycle repair shop. Use the tools to look up orders when asked.",
]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "check_repair_status",
            "description": "Look up the status of a repair order.",
            "parameters": {
                "type": "object",
                "properties": {"order_id": {"type": "string", "description": "The repair order number, e.g. R-1042."}},
                "required": ["order_id"],
            },
        },
    }
]


SYLLABLES = "ka ri to mon spe lu dra vin cor eth quo zan pli ber ux ni gal thro mer sta".split()
PUNCTUATION = [",", ";", ":", "?", "!", " -", "...", " (e.g.", ")"]


def _word(rng: random.Random) -> str:
    """Mostly common words; some made-up words, numbers, codes and punctuation, as real text has."""
    roll = rng.random()
    if roll < 0.70:
        return rng.choice(WORDS)
    if roll < 0.85:
        word = "".join(rng.choices(SYLLABLES, k=rng.randint(2, 4)))
        return word.capitalize() if rng.random() < 0.3 else word
    if roll < 0.93:
        return str(rng.choice([rng.randint(0, 99), rng.randint(100, 99999), round(rng.random() * 1000, 2)]))
    if roll < 0.97:
        return rng.choice(["R-", "SKU-", "https://example.com/", "order_id=", "#"]) + str(rng.randint(1, 9999))
    return rng.choice(WORDS) + rng.choice(PUNCTUATION)


def _paragraphs(rng: random.Random, count: int) -> list[str]:
    pool = []
    for _ in range(count):
        words = [_word(rng) for _ in range(rng.randint(8, 120))]
        text = " ".join(words).capitalize() + "."
        if rng.random() < 0.1:
            text += " " + rng.choice(NON_LATIN)
        pool.append(text)
    return pool


def _example(rng: random.Random, pool: list[str], index: int) -> dict[str, object]:
    def text(long: bool = False) -> str:
        n = rng.randint(10, 40) if long else rng.randint(1, 2)
        return " ".join(rng.choices(pool, k=n))

    messages: list[dict[str, object]] = [{"role": "system", "content": rng.choice(SYSTEMS)}]
    if rng.random() < 0.1:
        order = f"R-{index}"
        call_id = f"call_{index}"
        messages += [
            {"role": "user", "content": f"Is my bike ready? Order {order}. " + text()},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call_id,
                        "type": "function",
                        "function": {"name": "check_repair_status", "arguments": json.dumps({"order_id": order})},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": call_id, "content": json.dumps({"order_id": order, "status": "ready"})},
            {"role": "assistant", "content": text()},
        ]
        return {"messages": messages, "tools": TOOLS}
    for _ in range(rng.choice((1, 1, 1, 1, 2))):
        long = rng.random() < 0.025
        messages += [{"role": "user", "content": text(long)}, {"role": "assistant", "content": text(long)}]
    return {"messages": messages}


def make_file(size_mb: int, seed: int = 1) -> Path:
    """A deterministic synthetic chat file of about ``size_mb`` MB: some 40,000 examples and 22 M o200k tokens
    per 100 MB, the shape of the reference file in the project's FACTS.md (§6)."""
    OUT.mkdir(exist_ok=True)
    path = OUT / f"synthetic-chat-v3-{size_mb}mb-seed{seed}.jsonl"
    if path.exists() and path.stat().st_size >= size_mb * 1_000_000:
        return path
    rng = random.Random(seed)
    pool = _paragraphs(rng, 5000)
    target = size_mb * 1_000_000
    written = 0
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8") as handle:
        index = 0
        while written < target:
            line = json.dumps(_example(rng, pool, index), ensure_ascii=False) + "\n"
            handle.write(line)
            written += len(line.encode("utf-8"))
            index += 1
    partial.rename(path)
    return path


# The notebook approach, as the OpenAI cookbook's data-preparation notebook does it (written anew here):
# the whole file in memory through stdlib json, a format-check pass, then every message's string values
# encoded in a Python loop for the totals, and the assistant messages encoded again for their own counts.
TRANSFORMERS_LOOP = r"""
import json, sys
import tokenizers
from transformers import PreTrainedTokenizerFast
from ftdata import openmodels

files = openmodels.find_files(sys.argv[2])
backend = tokenizers.Tokenizer.from_str(files.tokenizer_json)
tok = PreTrainedTokenizerFast(tokenizer_object=backend, **files.special_tokens)
total = 0
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        record = json.loads(line)
        out = tok.apply_chat_template(
            record["messages"], tools=record.get("tools"), chat_template=files.template, tokenize=True, return_dict=True
        )
        total += len(out["input_ids"])
print(total)
"""


def open_model(python: str, sizes: list[int], repo: str, repeat: int) -> dict[str, object]:
    """ftdata tokens against transformers' apply_chat_template loop, per file size."""
    results: dict[str, object] = {"model": repo, "sizes": {}}
    for size in sizes:
        path = make_file(size)
        command = [python, "-m", "ftdata", "tokens", str(path), "--isolated", "-m", repo, "-f", "jsonl"]
        seconds, memory, code, stdout = best_of(command, repeat)
        ours = sum(json.loads(line)["tokens"] or 0 for line in stdout.splitlines())
        row: dict[str, object] = {
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "ftdata_tokens": {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1), "exit_code": code},
        }
        seconds, memory, _, stdout = best_of([python, "-c", TRANSFORMERS_LOOP, str(path), repo], repeat)
        row["transformers_loop"] = {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1)}
        row["same_total"] = ours == int(stdout.strip().splitlines()[-1])
        row["tokens"] = ours
        row["speedup"] = round(row["transformers_loop"]["seconds"] / row["ftdata_tokens"]["seconds"], 2)  # type: ignore[index]
        results["sizes"][str(size)] = row  # type: ignore[index]
    return results


NOTEBOOK = """
import json, statistics, sys
from collections import Counter
from ftdata.encodings import get_encoding   # the notebook's tiktoken.get_encoding, without the network
encoding = get_encoding("o200k_base")
with open(sys.argv[1], encoding="utf-8") as handle:
    dataset = [json.loads(line) for line in handle]
errors = Counter()
for example in dataset:
    messages = example.get("messages")
    if not messages:
        errors["missing_messages_list"] += 1
        continue
    for message in messages:
        if "role" not in message or "content" not in message:
            errors["message_missing_key"] += 1
        if any(key not in ("role", "content", "name", "function_call", "weight") for key in message):
            errors["message_unrecognized_key"] += 1
        if message.get("role") not in ("system", "user", "assistant", "function"):
            errors["unrecognized_role"] += 1
        if not isinstance(message.get("content"), (str, type(None))):
            errors["missing_content"] += 1
    if not any(message.get("role") == "assistant" for message in messages):
        errors["example_missing_assistant_message"] += 1

def total_tokens(messages):
    tokens = 3
    for message in messages:
        tokens += 3
        for key, value in message.items():
            if isinstance(value, str):
                tokens += len(encoding.encode(value))
            if key == "name":
                tokens += 1
    return tokens

def assistant_tokens(messages):
    return sum(len(encoding.encode(m["content"])) for m in messages
               if m.get("role") == "assistant" and isinstance(m.get("content"), str))

lengths, trained, no_system, no_user = [], [], 0, 0
for example in dataset:
    messages = example["messages"]
    no_system += not any(m.get("role") == "system" for m in messages)
    no_user += not any(m.get("role") == "user" for m in messages)
    lengths.append(total_tokens(messages))
    trained.append(assistant_tokens(messages))
ordered = sorted(lengths)
print(len(dataset), sum(lengths), sum(trained), ordered[0], ordered[-1], statistics.mean(ordered),
      statistics.median(ordered), sum(n > 65536 for n in lengths), dict(errors), no_system, no_user)
"""

# The same reading and one encoding pass, without the checks or the second pass: a lower bound for any
# single-core Python script.
ENCODE_LOOP = """
import json, sys
from ftdata.encodings import get_encoding
encoding = get_encoding("o200k_base")
total = 0
with open(sys.argv[1], encoding="utf-8") as handle:
    for line in handle:
        for message in json.loads(line)["messages"]:
            for value in message.values():
                if isinstance(value, str):
                    total += len(encoding.encode_ordinary(value))
print(total)
"""

FLOOR = """
import orjson, sys
from concurrent.futures import ProcessPoolExecutor
from ftdata.encodings import fast_count, get_encoding
if sys.argv[3] == "fast":
    count = fast_count("o200k_base")
else:
    encode_ordinary = get_encoding("o200k_base").encode_ordinary
    count = lambda text: len(encode_ordinary(text))

def strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)

def part(bounds):
    start, end = bounds
    total = 0
    with open(sys.argv[1], "rb") as handle:
        handle.seek(start)
        if start:
            handle.readline()
        while handle.tell() <= end:
            line = handle.readline()
            if not line:
                break
            for text in strings(orjson.loads(line)):
                total += count(text)
    return total

if __name__ == "__main__":
    import os
    size = os.path.getsize(sys.argv[1])
    jobs = int(sys.argv[2])
    cuts = [size * k // jobs for k in range(jobs + 1)]
    bounds = [(cuts[k], cuts[k + 1] - 1) for k in range(jobs)]
    import multiprocessing
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("fork")) as pool:
        print(sum(pool.map(part, bounds)))
"""


def _tree_pss(pid: int) -> int:
    """Proportional set size of a process and its children, in bytes (shared pages counted once)."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for one in pids:
        try:
            for line in Path(f"/proc/{one}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_measured(args: list[str]) -> tuple[float, int, int, str]:
    """(seconds, peak memory in bytes, exit code, stdout) of a child process and its workers.

    Memory is the peak, sampled every 20 ms, of the proportional set size summed over the process and its
    children (so pages that forked workers share are not counted twice).
    """
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(args, stdout=out, stderr=subprocess.DEVNULL)
        peak = 0
        while process.poll() is None:
            peak = max(peak, _tree_pss(process.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        out.seek(0)
        stdout = out.read().decode()
    return elapsed, peak, process.returncode, stdout


def cpu_measured(args: list[str]) -> tuple[tuple[float, int, int, str], float]:
    """:func:`run_measured`, and the CPU seconds (user and system) the process and its workers used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    measured = run_measured(args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return measured, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def best_of(args: list[str], repeat: int) -> tuple[float, int, int, str]:
    runs = [run_measured(args) for _ in range(repeat)]
    return min(runs, key=lambda run: run[0])


NEAR_DUPLICATES_ON = (
    "[tool.ftdata]\noptions = {near-duplicate-example = {enabled = true}, validation-near-copy = {enabled = true}}\n"
)

SKETCH_COST = """
import sys, time, orjson
from ftdata import minhash
records = []
with open(sys.argv[1], "rb") as handle:
    for line in handle:
        records.append(orjson.loads(line))
        if len(records) == int(sys.argv[2]):
            break
texts = [minhash.texts_of(record, "chat") for record in records]
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    for item in texts:
        minhash.sketch_of(item)
    best = min(best, time.perf_counter() - start)
words = sum(len(minhash.tokens("\\n".join(item))) for item in texts) / len(texts)
print(best / len(texts) * 1e6, words)
"""


def quality(python: str, sizes: list[int], model: str, jobs: int, repeat: int) -> dict[str, object]:
    """ftdata lint with the quality rules off, on without near-duplicates, and with near-duplicates on."""
    folder = OUT / "quality-config"
    for name, text in (("off", "[tool.ftdata]\n"), ("on", NEAR_DUPLICATES_ON)):
        (folder / name).mkdir(parents=True, exist_ok=True)
        (folder / name / "pyproject.toml").write_text(text)
    results: dict[str, object] = {"jobs": jobs, "cores": os.cpu_count(), "sizes": {}}
    for size in sizes:
        path = make_file(size)
        lint = [python, "-m", "ftdata", "lint", str(path), "--model", model, "-f", "json", "--no-progress"]
        lint += ["--jobs", str(jobs)]
        off = ["--config", str(folder / "off" / "pyproject.toml")]
        runs = {
            "a_quality_off": [*off, "--ignore", "quality"],
            "b_quality_without_near_duplicates": [*off, "--ignore", "FT515,FT516"],
            "c_near_duplicates_on": ["--config", str(folder / "on" / "pyproject.toml")],
        }
        row: dict[str, object] = {"file_mb": round(path.stat().st_size / 1e6, 1)}
        cpu: dict[str, float] = {}
        # the runs of each configuration are interleaved with the others' (a b c a b c ...): a machine whose speed
        # drifts (others use it) then slows all three alike, and the ratios of the fastest runs stay fair
        measured: dict[str, list[tuple[tuple[float, int, int, str], float]]] = {name: [] for name in runs}
        for _ in range(repeat):
            for name, extra in runs.items():
                measured[name].append(cpu_measured([*lint, *extra]))
        for name in runs:
            timed = measured[name]
            (seconds, memory, code, stdout), _ = min(timed, key=lambda run: run[0][0])
            cpu[name] = min(used for _, used in timed)
            report = json.loads(stdout)
            found: dict[str, int] = {}  # problems of each quality rule: those listed and those left out
            for problem in report["files"][0]["problems"]:
                if problem["code"].startswith("FT5"):
                    found[problem["code"]] = found.get(problem["code"], 0) + 1
            for rule, count in report["files"][0]["problems_left_out"].items():
                if rule.startswith("FT5"):
                    found[rule] = found.get(rule, 0) + count
            row["examples"] = report["files"][0]["examples"]
            row[name] = {
                "seconds": round(seconds, 2),
                "cpu_seconds": round(cpu[name], 2),
                "peak_mb": round(memory / 1e6, 1),
                "exit_code": code,
                "quality_problems": dict(sorted(found.items())),
            }
        seconds = {name: row[name]["seconds"] for name in runs}  # type: ignore[index]
        row["b_over_a"] = round(seconds["b_quality_without_near_duplicates"] / seconds["a_quality_off"], 2)
        row["c_over_b"] = round(seconds["c_near_duplicates_on"] / seconds["b_quality_without_near_duplicates"], 2)
        row["near_duplicates_seconds"] = round(
            seconds["c_near_duplicates_on"] - seconds["b_quality_without_near_duplicates"], 2
        )
        # CPU time (the process and its workers) is steadier than wall time on a machine others use
        row["cpu_b_over_a"] = round(cpu["b_quality_without_near_duplicates"] / cpu["a_quality_off"], 2)
        row["cpu_c_over_b"] = round(cpu["c_near_duplicates_on"] / cpu["b_quality_without_near_duplicates"], 2)
        done = subprocess.run(
            [python, "-c", SKETCH_COST, str(path), "5000"], capture_output=True, text=True, check=True, cwd=ROOT
        )
        micros, words = (float(item) for item in done.stdout.split())
        row["sketch_one_core"] = {"us_per_example": round(micros, 1), "words_per_example": round(words, 1)}
        results["sizes"][str(size)] = row  # type: ignore[index]
    return results


def hostile_files() -> dict[str, Path]:
    """Files built to hurt: two million blank lines; one example whose one line is 100 MB of text."""
    OUT.mkdir(exist_ok=True)
    example = '{"messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]}\n'
    blanks = OUT / "hostile-2m-blank-lines.jsonl"
    if not blanks.exists():
        blanks.write_text(example + "\n" * 2_000_000 + example)
    long_line = OUT / "hostile-100mb-line.jsonl"
    if not long_line.exists():
        words = " ".join(random.Random(2).choice(WORDS) for _ in range(20_000))
        text = (words + " ") * (100_000_000 // (len(words) + 1))
        long_line.write_text(
            example
            + json.dumps(
                {"messages": [{"role": "user", "content": "Summarise"}, {"role": "assistant", "content": text}]}
            )
            + "\n"
        )
    return {"2m_blank_lines": blanks, "one_100mb_line": long_line}


def hostile(python: str) -> dict[str, object]:
    """Peak memory (PSS of the process tree) and time of ftdata lint --jobs 1 on each hostile file."""
    found: dict[str, object] = {}
    for name, path in hostile_files().items():
        args = [python, "-m", "ftdata", "lint", str(path), "--isolated", "--format", "json", "--no-progress"]
        seconds, memory, code, stdout = run_measured([*args, "--jobs", "1"])
        report = json.loads(stdout) if stdout.strip() else {}
        found[name] = {
            "file_mb": round(path.stat().st_size / 1e6, 1),
            "seconds": round(seconds, 2),
            "peak_mb": round(memory / 1e6, 1),
            "exit_code": code,
            "problems_kept": sum(len(f["problems"]) for f in report.get("files", [])),
        }
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100", help="file sizes in MB, comma-separated (default 100)")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the parallel runs")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement; the fastest is reported")
    parser.add_argument("--skip-baselines", action="store_true", help="only time ftdata")
    parser.add_argument(
        "--hostile", action="store_true", help="only the peak memory on hostile files (2M blank lines, a 100 MB line)"
    )
    parser.add_argument("--open-model", metavar="REPO", help="time ftdata tokens for this open-weight model instead")
    parser.add_argument(
        "--quality", action="store_true", help="only what the quality rules and near-duplicates add to ftdata lint"
    )
    options = parser.parse_args()
    python = sys.executable
    if options.quality:
        sizes = [int(s) for s in options.sizes.split(",")]
        print(json.dumps(quality(python, sizes, options.model, options.jobs, options.repeat), indent=2))
        return
    if options.open_model:
        sizes = [int(s) for s in options.sizes.split(",")]
        print(json.dumps(open_model(python, sizes, options.open_model, options.repeat), indent=2))
        return
    if options.hostile:
        print(json.dumps(hostile(python), indent=2))
        return
    results: dict[str, object] = {"jobs": options.jobs, "cores": os.cpu_count(), "sizes": {}}
    for size in [int(s) for s in options.sizes.split(",")]:
        path = make_file(size)
        megabytes = path.stat().st_size / 1e6
        lint = [
            python,
            "-m",
            "ftdata",
            "lint",
            str(path),
            "--isolated",
            "--model",
            options.model,
            "--format",
            "json",
            "--no-progress",
        ]
        row: dict[str, object] = {"file_mb": round(megabytes, 1)}
        outputs = {}
        for jobs in sorted({1, options.jobs}):
            seconds, memory, code, stdout = best_of([*lint, "--jobs", str(jobs)], options.repeat)
            outputs[jobs] = stdout
            tokens = json.loads(stdout)["files"][0]["tokens"]
            row[f"ftdata_jobs{jobs}"] = {
                "seconds": round(seconds, 2),
                "mb_per_s": round(megabytes / seconds, 1),
                "peak_mb": round(memory / 1e6, 1),
                "exit_code": code,
            }
            row["examples"], row["tokens"] = tokens["examples"], tokens["total"]
        row["same_answers_jobs1_vs_jobsN"] = len(set(outputs.values())) == 1
        if not options.skip_baselines:
            seconds, memory, _, _ = best_of([python, "-c", NOTEBOOK, str(path)], options.repeat)
            row["notebook"] = {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1)}
            seconds, memory, _, _ = best_of([python, "-c", ENCODE_LOOP, str(path)], options.repeat)
            row["encode_loop_one_core"] = {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1)}
            floor_file = OUT / "floor.py"
            floor_file.write_text(FLOOR)
            for name, counter in (("floor", "tiktoken"), ("fast_floor", "fast")):
                floor = [python, str(floor_file), str(path), str(options.jobs), counter]
                seconds, memory, _, _ = best_of(floor, options.repeat)
                row[name] = {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1)}
            cost = [python, "-m", "ftdata", "cost", str(path), "--isolated", "--all", "-f", "json", "--no-progress"]
            seconds, memory, _, _ = best_of([*cost, "--jobs", str(options.jobs)], options.repeat)
            row["ftdata_cost_all"] = {"seconds": round(seconds, 2), "peak_mb": round(memory / 1e6, 1)}
            fastest = row[f"ftdata_jobs{options.jobs}"]["seconds"]  # type: ignore[index]
            row["speedup_vs_notebook"] = round(row["notebook"]["seconds"] / fastest, 2)  # type: ignore[index]
            row["ratio_to_floor"] = round(fastest / row["floor"]["seconds"], 2)  # type: ignore[index]
            row["ratio_to_fast_floor"] = round(fastest / row["fast_floor"]["seconds"], 2)  # type: ignore[index]
            row["cost_over_lint"] = round(row["ftdata_cost_all"]["seconds"] / fastest, 2)  # type: ignore[index]
        results["sizes"][str(size)] = row  # type: ignore[index]
    if not options.skip_baselines:
        small = OUT / "small-20.jsonl"
        small.write_text("".join(make_file(100).open(encoding="utf-8").readline() for _ in range(1)) * 20)
        startup = best_of(
            [
                python,
                "-c",
                "import tiktoken, pydantic, orjson, click\n"
                "from ftdata.encodings import get_encoding; get_encoding('o200k_base')",
            ],
            5,
        )[0]
        small_lint = best_of(
            [python, "-m", "ftdata", "lint", str(small), "--isolated", "--model", options.model, "--no-progress"], 5
        )[0]
        results["small_file"] = {
            "examples": 20,
            "lint_seconds": round(small_lint, 3),
            "imports_plus_encoding_seconds": round(startup, 3),
            "ratio": round(small_lint / startup, 2),
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
