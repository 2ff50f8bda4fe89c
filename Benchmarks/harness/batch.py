"""A batch from the CLI: `generate --seeds 100` against a standalone twin, beside a one-job run.

What issue 15 asks of a batch: one network thread however many jobs, memory flat (the 100-job peak
within 10 % of a one-job run's plus the records), never more than --max-parallel submits in
flight, and one submit per job.
"""
import json
import os
import re
import subprocess
import time

from common import STUDIO, Home, generate_command, log, time_v
from emulator import Emulator

MAX_PARALLEL = 4


def batch_command(jobs):
    """A `generate` of `jobs` seeds, otherwise the bench's usual job (common.JOB_INPUT)."""
    command = generate_command()
    command.remove("--wait")
    return command + ["--seeds", str(jobs), "--max-parallel", str(MAX_PARALLEL)]


def child_pid(parent, timeout=10):
    """The pid of /usr/bin/time's child, once it has one."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{parent}/task/{parent}/children") as handle:
                children = handle.read().split()
            if children:
                return int(children[0])
        except OSError:
            pass
        time.sleep(0.005)
    raise RuntimeError("the batch did not start")


def sample(pid):
    """(VmRSS kB, thread names) of a live process; None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            rss = int(re.search(r"VmRSS:\s+(\d+)", handle.read()).group(1))
        names = []
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/comm") as handle:
                names.append(handle.read().strip())
        return rss, names
    except (OSError, AttributeError):
        return None


def bench_batch(jobs):
    emulator = Emulator(workers=MAX_PARALLEL * 2, step_ms=20)
    home = Home("batch")
    try:
        one_wall, one_rss, _ = time_v(generate_command(), env=home.env(MAGI_FAL_URL=emulator.url))
        before = emulator.metrics()["requests"]
        submits_before = before.get("submit", 0)
        started = time.monotonic()
        # Output to files, not pipes: a hundred JSON lines fill a pipe nobody reads until the end.
        out_path, err_path = os.path.join(home.root, "batch.out"), os.path.join(home.root, "batch.err")
        with open(out_path, "w") as out, open(err_path, "w") as err:
            process = subprocess.Popen(["/usr/bin/time", "-v"] + batch_command(jobs), stdout=out, stderr=err,
                                       env=home.env(MAGI_FAL_URL=emulator.url))
        pid = child_pid(process.pid)
        samples = []
        deadline = started + 600
        while process.poll() is None:
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the batch took more than 10 minutes")
            taken = sample(pid)
            if taken:
                samples.append((time.monotonic() - started, *taken))
            time.sleep(0.05)
        with open(out_path) as out, open(err_path) as err:
            stdout, stderr = out.read(), err.read()
        wall = time.monotonic() - started
        if process.returncode != 0:
            raise RuntimeError(f"batch failed ({process.returncode}): {stderr[-600:]}")
        peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", stderr).group(1))
        lines = [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]
        metrics = emulator.metrics()
        submits = metrics.get("requests", {}).get("submit", 0) - submits_before
        queue = sum(metrics["requests"].get(kind, 0) for kind in ("submit", "status", "stream", "result"))
        queue -= sum(before.get(kind, 0) for kind in ("submit", "status", "stream", "result"))
        network = max((names.count("magi-curl") for _, _, names in samples), default=0)
        threads = max((len(names) for _, _, names in samples), default=0)
        # Flat: the resident size over the last quarter of the run against the first quarter's.
        quarter = max(1, len(samples) // 4)
        early = max(rss for _, rss, _ in samples[:quarter]) / 1024 if samples else None
        late = max(rss for _, rss, _ in samples[-quarter:]) / 1024 if samples else None
        # "Plus the records": what the run may rightly hold for its jobs is their records (the
        # batch keeps each finished one for its summary); their JSON lines bound that from above.
        last_lines = {}
        with open(home.history, "rb") as history:
            for line in history:
                try:
                    last_lines[json.loads(line)["id"]] = len(line)
                except (ValueError, KeyError):
                    continue
        records_mb = sum(last_lines.values()) / (1024 * 1024)
        result = {
            "jobs": jobs, "max_parallel": MAX_PARALLEL, "wall_s": wall, "jobs_per_s": jobs / wall,
            "completed": sum(1 for line in lines if line.get("status") == "completed"),
            "peak_rss_mb": peak / 1024, "one_job_peak_rss_mb": one_rss / 1024, "one_job_wall_s": one_wall,
            "peak_ratio_vs_one_job": peak / one_rss, "records_mb": records_mb,
            "peak_allowed_mb": one_rss / 1024 * 1.10 + records_mb, "rss_mb_first_quarter_max": early,
            "rss_mb_last_quarter_max": late, "network_threads_max": network, "threads_max": threads,
            "submits": submits, "queue_requests_per_job": queue / jobs, "samples": len(samples),
        }
        result["targets"] = {
            "every_job_completed": result["completed"] == jobs,
            "one_network_thread": network == 1,
            "peak_within_10pct_of_one_job_plus_records": result["peak_rss_mb"] <= result["peak_allowed_mb"],
            "one_submit_per_job": submits == jobs,
        }
        log(f"batch: {result}")
        return result
    finally:
        home.remove()
        emulator.stop()
