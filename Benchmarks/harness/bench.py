#!/usr/bin/env python3
"""MAGI Studio benchmark suite (run it through scripts/bench).

Whole-process measurements over the release build: TUI start-up in a pty, keystroke echo, idle
wake-ups per thread, requests and notice delay of a followed job against the official fal Python
client, many jobs in one process, upload/download memory and throughput against curl, the history
benchmark, the peak memory of a CLI run, previews (contact sheets and playback against timg), and a
100-job batch. Every measurement has a timeout, kills what it
started and talks to loopback only. One module per section; this one holds main and the flags.

Results go to Benchmarks/results/latest.json; a table is printed. Standard library only (plus
fal_client from .build/peers-venv for the peer comparison, run as a child process).
"""
import argparse
import json
import os
import sys
import time
import traceback

from batch import bench_batch
from common import ROOT, log, machine
from follow import bench_follow, bench_many
from history import bench_history
from idle import bench_busy, bench_idle
from keystrokes import bench_keystrokes
from memory import bench_memory
from previews import bench_previews
from startup import bench_startup
from summary import summary_rows
from transfers import bench_transfers

RESULTS = os.path.join(ROOT, "Benchmarks", "results", "latest.json")
QUICK_RESULTS = os.path.join(ROOT, "Benchmarks", "results", "quick.json")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="startup,keystrokes,idle,busy,follow,many,transfers,history,memory,previews,batch",
                        help="comma-separated sections")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller files (a smoke run)")
    parser.add_argument("--baseline", help="an older magi-studio to measure beside this one (previews only)")
    parser.add_argument("--output", help="default Benchmarks/results/latest.json (quick.json with --quick)")
    args = parser.parse_args()
    quick = args.quick
    args.output = args.output or (QUICK_RESULTS if quick else RESULTS)
    sections = {
        "startup": lambda: bench_startup(3 if quick else 11),
        "keystrokes": lambda: bench_keystrokes(30 if quick else 200),
        "idle": lambda: bench_idle(3 if quick else 10),
        "busy": lambda: bench_busy(2 if quick else 5),
        "follow": lambda: bench_follow(2 if quick else 5),
        "many": lambda: bench_many(20 if quick else 200),
        "transfers": lambda: bench_transfers([10] if quick else [10, 100, 500], 1 if quick else 3),
        "history": bench_history,
        "memory": lambda: bench_memory(3 if quick else 5),
        "previews": lambda: bench_previews(2 if quick else 5, args.baseline),
        "batch": lambda: bench_batch(20 if quick else 100),
    }
    names = {"many": "many_jobs"}
    results = {"machine": machine(), "quick": quick}
    for section in args.only.split(","):
        section = section.strip()
        if section not in sections:
            parser.error(f"unknown section {section}")
        log(f"{section}…")
        started = time.monotonic()
        try:
            results[names.get(section, section)] = sections[section]()
        except Exception as error:  # noqa: BLE001 - one failing section must not lose the others
            traceback.print_exc()
            results[names.get(section, section)] = {"error": f"{type(error).__name__}: {error}"}
        results.setdefault("section_seconds", {})[section] = round(time.monotonic() - started, 1)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as out:
        json.dump(results, out, indent=2, sort_keys=True)
        out.write("\n")
    rows = summary_rows(results)
    width = max((len(row[0]) for row in rows), default=10)
    print(f"\nMAGI Studio benchmarks — {results['machine']['cpu_model']}, {results['machine']['nproc']} CPUs")
    for name, value, target in rows:
        print(f"  {name:<{width}}  {value:<28} {target}")
    failed = [name for name, value in results.items() if isinstance(value, dict) and "error" in value]
    for name in failed:
        print(f"  {name}: ERROR {results[name]['error']}")
    print(f"\nwritten to {os.path.relpath(args.output, ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
