"""The history: the synthetic histories other sections start the studio on, and the
history-benchmark table."""
import json
import os
import subprocess

from common import HISTORY_BENCH

NEWEST_MARK = "NEWEST-RECORD"


def write_history(path, count, videos=True):
    """`count` finished records at `path` (a history.jsonl), oldest first; the newest prompt is marked.

    Written by `history-benchmark write` through HistoryStore's own append path, so the lines are
    exactly what the studio writes and cannot drift from its format (see SyntheticHistory.swift for
    their shape). Completed records point at a downloaded video (one small file shared by all), as a
    studio's history does once its jobs are done; with `videos=False` they point nowhere, so the
    studio would resume every one of them to download its video. Returns the file's size in bytes.
    """
    command = [HISTORY_BENCH, "write", os.path.dirname(path), str(count)] + ([] if videos else ["--no-videos"])
    output = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if output.returncode != 0:
        raise RuntimeError(f"history-benchmark write failed: {output.stderr[-500:]}")
    return json.loads(output.stdout)["bytes"]


def bench_history():
    output = subprocess.run([HISTORY_BENCH], capture_output=True, text=True, timeout=600)
    if output.returncode != 0:
        raise RuntimeError(f"history-benchmark failed: {output.stderr[-500:]}")
    return {"table": output.stdout.rstrip("\n").split("\n")}
