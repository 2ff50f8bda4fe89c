"""Following jobs: requests and completion notice of one job, ours against the official client, and
many jobs in one process."""
import json
import os
import select
import statistics
import subprocess
import time

from common import FOLLOW, JOB_INPUT, PEER_PYTHON, PEER_SCRIPT, Home, generate_command, log
from emulator import Emulator


def diff_requests(before, after):
    return {key: after["requests"].get(key, 0) - before["requests"].get(key, 0) for key in after["requests"]}


QUEUE_ROUTES = ("submit", "status", "stream", "result", "cancel")


def run_ours(emulator, home):
    """`magi-studio generate --wait --json`; returns (request id, epoch when stderr said completed, stderr)."""
    process = subprocess.Popen(generate_command(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=home.env(MAGI_FAL_URL=emulator.url), bufsize=0)
    known, lines = None, []
    deadline = time.monotonic() + 60
    buffer = b""
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([process.stderr], [], [], 0.5)
            if ready:
                chunk = os.read(process.stderr.fileno(), 4096)
                now = time.time()
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    text = line.decode(errors="replace").strip()
                    lines.append(text)
                    if known is None and text.endswith("completed"):
                        known = now
            elif process.poll() is not None:
                break
        stdout, _ = process.communicate(timeout=max(1, deadline - time.monotonic()))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"generate failed ({process.returncode}): {lines[-5:]}")
    document = json.loads(stdout)
    request_id = document.get("request_id") or (document.get("record") or {}).get("request_id")
    if request_id is None:
        raise RuntimeError(f"no request_id in {list(document)}")
    return request_id, known


def run_official(emulator):
    output = subprocess.run([PEER_PYTHON, PEER_SCRIPT, emulator.url, json.dumps(JOB_INPUT)],
                            capture_output=True, text=True, timeout=60)
    if output.returncode != 0:
        raise RuntimeError(f"fal_client peer failed: {output.stderr[-500:]}")
    document = json.loads(output.stdout)
    return document["request_id"], document["known_at"]


def bench_follow(jobs):
    if not os.path.exists(PEER_PYTHON):
        raise RuntimeError("no .build/peers-venv: run scripts/ensure-deps --test")
    emulator = Emulator(workers=4, step_ms=20)
    home = Home("follow")
    try:
        clients = {"ours": lambda: run_ours(emulator, home), "official": lambda: run_official(emulator)}
        samples = {name: {"requests": [], "queue_requests": [], "delay_ms": []} for name in clients}
        for round_index in range(jobs):
            for name, run in clients.items():  # alternate, so both see the same emulator state
                before = emulator.metrics()
                request_id, known = run()
                after = emulator.metrics()
                counted = diff_requests(before, after)
                completed = after["completed_at"].get(request_id)
                if completed is None or known is None:
                    raise RuntimeError(f"{name}: no completion for {request_id} (known {known})")
                samples[name]["requests"].append(sum(counted.values()))
                samples[name]["queue_requests"].append(sum(counted.get(route, 0) for route in QUEUE_ROUTES))
                samples[name]["delay_ms"].append((known - completed) * 1000)
                samples[name].setdefault("routes", counted)
        result = {"jobs_per_client": jobs, "step_ms": 20, "steps": JOB_INPUT["num_inference_steps"]}
        for name, sample in samples.items():
            result[name] = {"requests_per_job_median": statistics.median(sample["requests"]),
                            "queue_requests_per_job_median": statistics.median(sample["queue_requests"]),
                            "notice_delay_ms_median": statistics.median(sample["delay_ms"]),
                            "notice_delay_ms_max": max(sample["delay_ms"]),
                            "routes_first_job": sample["routes"]}
        result["ratio_queue_requests_ours_vs_official"] = (
            result["ours"]["queue_requests_per_job_median"] / result["official"]["queue_requests_per_job_median"])
        result["ratio_notice_delay_ours_vs_official"] = (
            result["ours"]["notice_delay_ms_median"] / result["official"]["notice_delay_ms_median"])
        result["targets"] = {
            "no_more_queue_requests_than_official": result["ratio_queue_requests_ours_vs_official"] <= 1,
            "lower_notice_delay": result["ratio_notice_delay_ours_vs_official"] < 1}
        log(f"follow: {result}")
        return result
    finally:
        home.remove()
        emulator.stop()


def bench_many(jobs):
    emulator = Emulator(workers=16, step_ms=20)
    try:
        before = emulator.metrics()
        output = subprocess.run([FOLLOW, "follow", emulator.url, str(jobs)], capture_output=True, text=True,
                                timeout=300)
        if output.returncode != 0:
            raise RuntimeError(f"bench-follow failed: {output.stderr[-500:]}")
        report = json.loads(output.stdout)
        counted = diff_requests(before, emulator.metrics())
        report["requests"] = counted
        report["requests_total"] = sum(counted.values())
        network = report["thread_names"].get("magi-curl", 0)
        report["targets"] = {"one_network_thread": network == 1,
                             "rss_under_64mb": report["max_rss_kb"] < 64 * 1024,
                             "all_completed": report["completed"] == jobs}
        log(f"many jobs: {report}")
        return report
    finally:
        emulator.stop()
