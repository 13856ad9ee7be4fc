"""Benchmark: lint a large synthetic chat file and report throughput (MB/s) and peak memory (RSS).

    python tests/benchmark.py                     # a 100 MB file
    python tests/benchmark.py --sizes 100,1000    # 100 MB and 1 GB, side by side

The files are generated once (deterministically) into bench-out/ and reused. Each run is a fresh
``ftdata lint`` process, timed from start to exit, its peak RSS taken from the kernel (wait4).
Not collected by pytest: timings belong in a benchmark, never in unit tests.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
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
        n = rng.randint(10, 40) if long else rng.randint(1, 4)
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
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        long = rng.random() < 0.05
        messages += [{"role": "user", "content": text(long)}, {"role": "assistant", "content": text(long)}]
    return {"messages": messages}


def make_file(size_mb: int, seed: int = 1) -> Path:
    OUT.mkdir(exist_ok=True)
    path = OUT / f"synthetic-chat-v2-{size_mb}mb-seed{seed}.jsonl"
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


def run_measured(args: list[str]) -> tuple[float, int, int, str]:
    """(seconds, peak RSS in bytes, exit code, stdout) of a child process."""
    start = time.perf_counter()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert process.stdout is not None
    stdout = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss * 1024, process.returncode, stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100", help="file sizes in MB, comma-separated (default 100)")
    parser.add_argument("--model", default="gpt-4o-mini")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size; the fastest is reported")
    options = parser.parse_args()
    rows = []
    for size in [int(s) for s in options.sizes.split(",")]:
        path = make_file(size)
        megabytes = path.stat().st_size / 1e6
        best: tuple[float, int, int, str] | None = None
        for _ in range(options.repeat):
            measured = run_measured(
                [
                    sys.executable,
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
            )
            if best is None or measured[0] < best[0]:
                best = measured
        assert best is not None
        seconds, rss, code, stdout = best
        summary = json.loads(stdout)
        tokens = summary["files"][0]["tokens"]
        rows.append(
            {
                "file_mb": round(megabytes, 1),
                "examples": summary["files"][0]["examples"],
                "tokens": tokens["total"],
                "seconds": round(seconds, 2),
                "mb_per_s": round(megabytes / seconds, 1),
                "tokens_per_s": round(tokens["total"] / seconds),
                "peak_rss_mb": round(rss / 1e6, 1),
                "exit_code": code,
            }
        )
    print(f"{'file MB':>8} {'examples':>9} {'tokens':>12} {'seconds':>8} {'MB/s':>6} {'Mtok/s':>7} {'peak RSS MB':>12}")
    for row in rows:
        print(
            f"{row['file_mb']:>8} {row['examples']:>9,} {row['tokens']:>12,} {row['seconds']:>8} "
            f"{row['mb_per_s']:>6} {row['tokens_per_s'] / 1e6:>7.2f} {row['peak_rss_mb']:>12}"
        )
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
