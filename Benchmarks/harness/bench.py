#!/usr/bin/env python3
"""MAGI Studio benchmark suite (run it through scripts/bench).

Whole-process measurements over the release build: TUI start-up in a pty, keystroke echo, idle
wake-ups per thread, requests and notice delay of a followed job against the official fal Python
client, many jobs in one process, upload/download memory and throughput against curl, and the
history benchmark. Every measurement has a timeout, kills what it started and talks to loopback only.

Results go to Benchmarks/results/latest.json; a table is printed. Standard library only (plus
fal_client from .build/peers-venv for the peer comparison, run as a child process).
"""
import argparse
import datetime
import fcntl
import json
import os
import platform
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
import traceback
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELEASE = os.path.join(ROOT, ".build", "release")
STUDIO = os.path.join(RELEASE, "magi-studio")
FOLLOW = os.path.join(RELEASE, "bench-follow")
HISTORY_BENCH = os.path.join(RELEASE, "history-benchmark")
PEER_PYTHON = os.path.join(ROOT, ".build", "peers-venv", "bin", "python")
PEER_SCRIPT = os.path.join(os.path.dirname(__file__), "fal_peer.py")
RESULTS = os.path.join(ROOT, "Benchmarks", "results", "latest.json")
QUICK_RESULTS = os.path.join(ROOT, "Benchmarks", "results", "quick.json")
CLK_TCK = os.sysconf("SC_CLK_TCK")
COLS, ROWS = 120, 40
# The job every client runs: 16 steps at the emulator's step time, a small 480p render.
JOB_INPUT = {"prompt": "a red fox in the snow", "resolution": "480p", "num_frames": 96,
             "num_inference_steps": 16, "aspect_ratio": "1:1"}


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values, fraction):
    ordered = sorted(values)
    if not ordered:
        return None
    index = min(len(ordered) - 1, max(0, int(round(fraction * (len(ordered) - 1)))))
    return ordered[index]


def shell(command):
    try:
        return subprocess.run(command, shell=True, capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as error:  # noqa: BLE001 - machine info is best effort
        return f"unavailable: {error}"


def machine():
    cpu = shell("lscpu | sed -n 's/^Model name:[ \\t]*//p' | head -1") or platform.processor()
    return {
        "nproc": shell("nproc"),
        "cpu_model": cpu,
        "memory": shell("free -h | sed -n 2p"),
        "kernel": shell("uname -srm"),
        "swift": shell("swift --version 2>&1 | head -1"),
        "python": platform.python_version(),
        "curl": shell("curl --version | head -1"),
        "loadavg_at_start": shell("cat /proc/loadavg"),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "git_commit": shell(f"git -C {ROOT} rev-parse --short HEAD"),
    }


# MARK: - Isolated homes

class Home:
    """A throw-away HOME with XDG dirs, so no run sees the user's history, config or key."""

    def __init__(self, label):
        self.root = tempfile.mkdtemp(prefix=f"magi-bench-{label}-")
        self.data = os.path.join(self.root, "data")
        os.makedirs(os.path.join(self.data, "magi-studio"), exist_ok=True)

    @property
    def history(self):
        return os.path.join(self.data, "magi-studio", "history.jsonl")

    def env(self, **extra):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.root,
            "XDG_DATA_HOME": self.data,
            "XDG_CONFIG_HOME": os.path.join(self.root, "config"),
            "XDG_CACHE_HOME": os.path.join(self.root, "cache"),
            "XDG_STATE_HOME": os.path.join(self.root, "state"),
            "TERM": "xterm-256color",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
        }
        env.update({key: str(value) for key, value in extra.items()})
        return env

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def iso(epoch_ms):
    return datetime.datetime.fromtimestamp(epoch_ms / 1000, datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.") + f"{epoch_ms % 1000:03d}Z"


NEWEST_MARK = "NEWEST-RECORD"


def write_history(path, count, videos=True):
    """`count` finished records in HistoryStore's line format, oldest first; the newest prompt is marked.

    Completed records point at a downloaded video (one small file shared by all), as a studio's
    history does once its jobs are done; with `videos=False` they point nowhere, so the studio would
    resume every one of them to download its video.
    """
    modes = [("text-to-video", {}), ("image-to-video", {"image_url": "https://v3.fal.media/files/a/src.png"})]
    statuses = ["completed", "completed", "completed", "failed", "cancelled"]
    base = 1_780_000_000_000
    video = os.path.join(os.path.dirname(path), "videos", "bench.mp4")
    os.makedirs(os.path.dirname(video), exist_ok=True)
    with open(video, "wb") as out:
        out.write(b"\0\0\0\x18ftypmp42")
    with open(path, "w", encoding="utf-8") as out:
        for number in range(count):
            stamp = iso(base + number * 60_000)
            mode, extra = modes[number % 2]
            status = statuses[number % len(statuses)]
            prompt = f"{NEWEST_MARK} " if number == count - 1 else ""
            prompt += f"shot {number}: slow pan of a harbour at dusk, cinematic lighting, 35mm film grain"
            endpoint = "fal-ai/magi-distilled" + ("" if mode == "text-to-video" else "/image-to-video")
            # The head in HistoryLine's fixed order, then the rest with sorted keys.
            # Ids and request ids shaped like the real ones (JobCoordinator.newRecordID, fal's UUIDs),
            # so that the index pays for heap-allocated strings as it would in use.
            record_id = f"{base + number * 60_000:012x}{(number * 2654435761) & 0xFFFFFFFFFFFF:012x}"
            request_id = str(uuid.UUID(int=(number * 0x9E3779B97F4A7C15) & ((1 << 128) - 1), version=4))
            line = {"v": 1, "id": record_id, "created": stamp, "updated": stamp, "status": status,
                    "mode": mode, "model": "distilled"}
            if status == "completed" and not videos:
                line["awaiting_video"] = True  # in the head, as HistoryLine writes it
            line.update({"prompt": prompt, "endpoint": endpoint, "input": dict({"prompt": prompt}, **extra)})
            if status == "completed" and videos:
                line["local_file"] = {"path": video, "sha256": "5e" * 32}
            line.update({"logs": [], "progress": {}, "request_id": request_id,
                         "transitions": [{"at": stamp, "status": status}]})
            out.write(json.dumps(line, separators=(",", ":"), ensure_ascii=False) + "\n")
    return os.path.getsize(path)


# MARK: - The TUI in a pty

class Tui:
    """`magi-studio` (no arguments: the TUI on its embedded emulator) in a pseudo-terminal."""

    def __init__(self, home, env_extra=None):
        self.home = home
        self.output = bytearray()
        self.pid = None
        self.fd = None
        self.env = home.env(**(env_extra or {}))

    def start(self):
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child: the studio, exec'd at once
            try:
                os.execve(STUDIO, [STUDIO], self.env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
        return self

    def read(self, timeout):
        """Reads what is available within `timeout` seconds; returns the bytes (b'' on timeout)."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            return b""
        self.output += data
        return data

    def wait_for(self, needles, timeout):
        """Seconds from start until every needle has appeared in the output, or None."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(needle in self.output for needle in needles):
                return time.monotonic() - self.started
            self.read(min(0.05, max(0.0, deadline - time.monotonic())))
        return None

    def drain(self, quiet=0.05, limit=2.0):
        """Reads until nothing arrives for `quiet` seconds (at most `limit`); returns the byte count."""
        total = 0
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            data = self.read(quiet)
            if not data:
                break
            total += len(data)
        return total

    def check_alive(self):
        """Raises when the studio has exited or crashed (the Swift runtime prints a backtrace)."""
        if b"Program crashed" in self.output:
            start = self.output.find(b"Program crashed")
            raise RuntimeError(f"magi-studio crashed: {bytes(self.output[start:start + 200])!r}")
        done, _ = os.waitpid(self.pid, os.WNOHANG)
        if done:
            self.pid = None
            raise RuntimeError("magi-studio exited early")

    def stop(self):
        if self.pid is None:
            return
        for sig, grace in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                self.read(0.02)
                done, _ = os.waitpid(self.pid, os.WNOHANG)
                if done:
                    self.pid = None
                    break
            if self.pid is None:
                break
        if self.pid is not None:
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = None
        try:
            os.close(self.fd)
        except OSError:
            pass


FRAME_MARKERS = [b"OFFLINE emulator", b"History"]
# The studio paints its panes before it has read the history (backend shown as "starting…").
FIRST_PAINT_MARKERS = [b"History", b"Submit"]


def startup_series(home, count, runs, cold):
    """`runs` starts of the TUI; with `cold`, history.index is deleted before each (a full parse)."""
    frames, listed, paints, rss = [], [], [], []
    snapshot = os.path.join(os.path.dirname(home.history), "history.index")
    for _ in range(runs):
        if cold and os.path.exists(snapshot):
            os.remove(snapshot)
        tui = Tui(home).start()
        try:
            paint = tui.wait_for(FIRST_PAINT_MARKERS, 20)
            if paint is not None:
                paints.append(paint * 1000)
            frame = tui.wait_for(FRAME_MARKERS, 20)
            if frame is None:
                raise RuntimeError(f"no first frame in 20 s; output tail {bytes(tui.output[-300:])!r}")
            frames.append(frame * 1000)
            if count:
                shown = tui.wait_for([NEWEST_MARK.encode()], 20)
                listed.append(shown * 1000 if shown is not None else None)
            tui.check_alive()
            rss.append(process_memory_kb(tui.pid))
        finally:
            tui.stop()  # SIGTERM: the studio quits as a user's Ctrl-Q would, saving history.index
    entry = {"runs": runs, "first_frame_ms_median": statistics.median(frames), "first_frame_ms_min": min(frames),
             "first_frame_ms_max": max(frames)}
    if paints:
        entry["first_paint_ms_median"] = statistics.median(paints)
    if count and all(value is not None for value in listed):
        entry["newest_record_shown_ms_median"] = statistics.median(listed)
    # The complete frame: the history listed (newest record on screen), or the empty frame.
    entry["complete_frame_ms_median"] = entry.get("newest_record_shown_ms_median", entry["first_frame_ms_median"])
    if all(rss):
        entry["rss_mb_median"] = statistics.median(value["VmRSS"] for value in rss) / 1024
        entry["peak_rss_mb_median"] = statistics.median(value["VmHWM"] for value in rss) / 1024
    return entry


def bench_startup(runs):
    """Exec to the first complete frame in a pty, at 0, 10,000 and 100,000 records.

    A history of 4 MiB or more keeps a saved index (history.index, written when the studio quits),
    so a start usually reads it plus the lines written since: that is the "warm" series, each run
    after a previous one. "cold" deletes it before every run, as after a compaction or the first
    start of a new version: the whole file is parsed.
    """
    results = {}
    for count in (0, 10_000, 100_000):
        home = Home(f"start{count}")
        try:
            size = write_history(home.history, count) if count else 0
            entry = {"records": count, "history_bytes": size}
            entry["cold"] = startup_series(home, count, runs, cold=True)
            if count:
                entry["warm"] = startup_series(home, count, runs, cold=False)
            typical = entry.get("warm", entry["cold"])
            for key in ("complete_frame_ms_median", "first_paint_ms_median", "rss_mb_median", "peak_rss_mb_median"):
                if key in typical:
                    entry[key] = typical[key]
            results[str(count)] = entry
            log(f"start-up {count} records: {entry}")
        finally:
            home.remove()
    empty = results["0"]["complete_frame_ms_median"]
    for label in ("warm", "cold"):
        big = results["100000"][label]["complete_frame_ms_median"]
        results[f"ratio_100000_vs_empty_{label}"] = big / empty
        results[f"targets_{label}"] = {"100000_within_2x_empty": big <= 2 * empty, "100000_under_100ms": big < 100}
    results["ratio_100000_vs_empty"] = results["ratio_100000_vs_empty_warm"]
    results["targets"] = results["targets_warm"]
    return results


def process_memory_kb(pid):
    """VmRSS and VmHWM (peak) of a live process, in kB; None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if line.startswith("Vm"))
        return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM")}
    except (OSError, KeyError, ValueError):
        return None


def type_keys(tui, count, keys=b"abcdefghij"):
    latencies, sizes = [], []
    for index in range(count):
        tui.drain(quiet=0.01, limit=0.5)  # nothing pending before the key
        key = keys[index % len(keys):index % len(keys) + 1]
        sent = time.monotonic()
        os.write(tui.fd, key)
        first = tui.read(1.0)
        if not first:
            raise RuntimeError(f"no echo for key {index}")
        latencies.append((time.monotonic() - sent) * 1000)
        sizes.append(len(first) + tui.drain(quiet=0.015, limit=0.5))
    return {"keys": count, "latency_ms_p50": percentile(latencies, 0.5), "latency_ms_p99": percentile(latencies, 0.99),
            "latency_ms_max": max(latencies), "bytes_per_key_median": statistics.median(sizes),
            "bytes_per_key_max": max(sizes)}


def edit_prompt(tui):
    """Enter: the studio starts in NORMAL mode on the prompt; this enters EDIT mode, where keys type."""
    os.write(tui.fd, b"\r")
    tui.drain(quiet=0.05, limit=1)


def submit_jobs(tui, count):
    """Types the prompt "fox" into the studio's form and submits `count` jobs (Ctrl-S), one more
    letter each time: the same request again within seconds would ask first."""
    edit_prompt(tui)
    for letter in b"fox":
        os.write(tui.fd, bytes([letter]))
        tui.drain(quiet=0.02)
    for index in range(count):
        os.write(tui.fd, bytes([b"abcdefghij"[index % 10]]))
        tui.drain(quiet=0.02)
        os.write(tui.fd, b"\x13")
        tui.drain(quiet=0.03, limit=0.5)


def trace_latencies(path, skip=0):
    """Microseconds per key batch from MAGI_STUDIO_KEY_TRACE, as milliseconds; the first `skip` dropped."""
    try:
        with open(path) as trace:
            values = [int(line) / 1000 for line in trace if line.strip()]
    except OSError:
        return []
    return values[skip:]


def latency_summary(values):
    return {"keys": len(values), "ms_p50": percentile(values, 0.5), "ms_p99": percentile(values, 0.99),
            "ms_max": max(values)} if values else None


def bench_keystrokes(keys):
    """Typing into the prompt and moving through a 100,000-record history, idle and while 50 jobs
    run and stream logs.

    Two figures per case: key read → frame written, timed inside the studio (MAGI_STUDIO_KEY_TRACE,
    what the target is about), and key → first echo byte at the pty (what a user sees, but while
    jobs stream, their redraws reach the pty too, so it is kept for the idle case).
    """
    home = Home("keys")
    try:
        write_history(home.history, 100_000)
        results = {}
        idle_trace = os.path.join(home.root, "idle.trace")
        tui = Tui(home, {"MAGI_STUDIO_KEY_TRACE": idle_trace}).start()
        try:
            if tui.wait_for([NEWEST_MARK.encode()] + FRAME_MARKERS, 30) is None:
                raise RuntimeError("TUI did not show its first frame")
            tui.drain(quiet=0.3, limit=5)
            edit_prompt(tui)
            results["idle_100000_records"] = type_keys(tui, keys)
            results["idle_100000_records"]["in_process"] = latency_summary(trace_latencies(idle_trace))
            tui.check_alive()
            log(f"keys (idle): {results['idle_100000_records']}")
        finally:
            tui.stop()
        # 50 jobs in flight on the embedded emulator: 800 ms steps (a job runs ~13 s, each streaming a
        # log line and a progress update per step), and no local ffmpeg, whose encoding would compete
        # for the 2 cores as fal's remote rendering never does.
        load_trace = os.path.join(home.root, "load.trace")
        tui = Tui(home, {"MAGI_EMULATOR_STEP_MS": 800, "MAGI_EMULATOR_WORKERS": 50, "MAGI_EMULATOR_FFMPEG": "",
                         "MAGI_STUDIO_KEY_TRACE": load_trace}).start()
        try:
            if tui.wait_for([NEWEST_MARK.encode()] + FRAME_MARKERS, 30) is None:
                raise RuntimeError("TUI did not show its first frame")
            tui.drain(quiet=0.3, limit=5)
            submit_jobs(tui, 50)
            time.sleep(1.0)  # every job submitted and streaming
            before = len(trace_latencies(load_trace))
            echo = type_keys(tui, keys, keys=b"klmnopqrst")
            typing = trace_latencies(load_trace, skip=before)
            os.write(tui.fd, b"\x1b")  # Esc leaves the prompt editor…
            time.sleep(0.3)
            os.write(tui.fd, b"3")  # …and 3 focuses the history
            tui.drain(quiet=0.05, limit=1)
            before = len(trace_latencies(load_trace))
            for index in range(keys):
                os.write(tui.fd, b"\x1b[B" if index % 4 != 3 else b"\x1b[A")  # down, with some ups
                time.sleep(0.015)
                tui.drain(quiet=0.005, limit=0.2)
            moving = trace_latencies(load_trace, skip=before)
            tui.check_alive()
            with open(home.history, "rb") as history:
                submitted = {json.loads(line)["id"] for line in history if b'"prompt":"fox"' in line}
            results["while_50_jobs_stream"] = {
                "jobs_submitted": len(submitted),
                "typing_in_process": latency_summary(typing), "history_moves_in_process": latency_summary(moving),
                "typing_echo": echo,
                "note": "echo latency and bytes include log and progress redraws that land in the same read"}
            log(f"keys (50 jobs running): {results['while_50_jobs_stream']}")
        finally:
            tui.stop()
        loaded = results["while_50_jobs_stream"]
        p99s = [entry["ms_p99"] for entry in (loaded["typing_in_process"], loaded["history_moves_in_process"]) if entry]
        results["targets"] = {"p99_under_5ms_with_50_jobs": bool(p99s) and max(p99s) < 5}
        return results
    finally:
        home.remove()


def thread_sample(pid):
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as handle:
                stat = handle.read()
            with open(f"/proc/{pid}/task/{tid}/status") as handle:
                status = handle.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        ticks = int(fields[11]) + int(fields[12])  # utime + stime
        voluntary = int(re.search(r"voluntary_ctxt_switches:\s+(\d+)", status).group(1))
        involuntary = int(re.search(r"nonvoluntary_ctxt_switches:\s+(\d+)", status).group(1))
        threads[tid] = (name, ticks, voluntary + involuntary)
    return threads


def thread_deltas(before, after, seconds):
    """Per thread between two `thread_sample`s: CPU milliseconds and context switches per second."""
    deltas = []
    for tid, (name, ticks, switches) in after.items():
        old = before.get(tid, (name, 0, 0))
        deltas.append({"tid": int(tid), "name": name, "cpu_ms": (ticks - old[1]) * 1000 / CLK_TCK,
                       "switches_per_s": (switches - old[2]) / seconds})
    return deltas


def bench_idle(seconds):
    home = Home("idle")
    try:
        write_history(home.history, 10_000)
        tui = Tui(home).start()
        try:
            if tui.wait_for([NEWEST_MARK.encode()] + FRAME_MARKERS, 30) is None:
                raise RuntimeError("TUI did not show its first frame")
            settle = time.monotonic() + 3  # let start-up work settle, reading all the while
            while time.monotonic() < settle:
                tui.read(max(0.0, settle - time.monotonic()))
            before = thread_sample(tui.pid)
            bytes_before = len(tui.output)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                tui.read(max(0.0, deadline - time.monotonic()))
            after = thread_sample(tui.pid)
            tui.check_alive()
            per_thread = thread_deltas(before, after, seconds)
            per_thread.sort(key=lambda entry: -entry["switches_per_s"])
            total = sum(entry["switches_per_s"] for entry in per_thread)
            result = {"seconds": seconds, "threads": per_thread, "switches_per_s_total": total,
                      "cpu_ms_total": sum(entry["cpu_ms"] for entry in per_thread),
                      "bytes_written_to_terminal": len(tui.output) - bytes_before,
                      "bytes_written_sample": bytes(tui.output[bytes_before:bytes_before + 120]).decode(
                          "utf-8", "replace"),
                      "waking_threads": [entry["name"] for entry in per_thread if entry["switches_per_s"] > 0]}
            result["targets"] = {"zero_wakeups": total == 0,
                                 "ui_and_network_threads_asleep": all(
                                     entry["switches_per_s"] == 0 for entry in per_thread
                                     if entry["name"] in ("magi-ui", "magi-curl"))}
            log(f"idle: {total:.2f} switches/s, waking {result['waking_threads']}")
            return result
        finally:
            tui.stop()
    finally:
        home.remove()


def bench_busy(seconds):
    """Wake-ups of the studio's threads while 50 jobs are in flight, at two event rates.

    The studio talks to a standalone emulator (MAGI_FAL_URL), so the process measured holds only the
    client side. Each job sends one status event (with a log line) per step: 50 jobs at 200 ms steps
    are ~250 events/s, at 800 ms ~62/s, at 5 s ~10/s (plus a keep-alive comment per stream every
    15 s). Bounded by events means a small, fixed number of wake-ups per event on each thread at
    every rate (what arrives together is coalesced, so fewer per event at the higher rates), and
    none from timers beyond the 1/s clock of the elapsed times on screen: per-transfer timers (curl's
    once-a-second speed check, which this section caught) show up at the low rate as many wake-ups
    per event.
    """
    results = {}
    for step_ms in (200, 800, 5000):
        emulator = Emulator(workers=50, step_ms=step_ms)
        home = Home(f"busy{step_ms}")
        try:
            tui = Tui(home, {"MAGI_FAL_URL": emulator.url}).start()
            try:
                if tui.wait_for(FIRST_PAINT_MARKERS, 30) is None:
                    raise RuntimeError("TUI did not show its first frame")
                tui.drain(quiet=0.3, limit=5)
                submit_jobs(tui, 50)
                settle = time.monotonic() + 1.5  # every job submitted and streaming
                while time.monotonic() < settle:
                    tui.read(max(0.0, settle - time.monotonic()))
                before = thread_sample(tui.pid)
                deadline = time.monotonic() + seconds
                while time.monotonic() < deadline:
                    tui.read(max(0.0, deadline - time.monotonic()))
                after = thread_sample(tui.pid)
                tui.check_alive()
                threads = {}
                for delta in thread_deltas(before, after, seconds):
                    entry = threads.setdefault(delta["name"], {"switches_per_s": 0.0, "cpu_ms": 0.0})
                    entry["switches_per_s"] += delta["switches_per_s"]
                    entry["cpu_ms"] += delta["cpu_ms"]
                events_per_s = 50 * 1000 / step_ms
                results[f"step_{step_ms}ms"] = {
                    "jobs": 50, "events_per_s_expected": events_per_s, "threads": threads,
                    "ui_wakeups_per_event": threads.get("magi-ui", {}).get("switches_per_s", 0) / events_per_s,
                    "network_wakeups_per_event": threads.get("magi-curl", {}).get("switches_per_s", 0) / events_per_s}
                log(f"busy, {step_ms} ms steps: {results[f'step_{step_ms}ms']}")
            finally:
                tui.stop()
        finally:
            home.remove()
            emulator.stop()
    per_event = [entry[key] for entry in results.values() for key in ("ui_wakeups_per_event", "network_wakeups_per_event")]
    results["targets"] = {"at_most_3_wakeups_per_event_per_thread": max(per_event) <= 3}
    return results


# MARK: - Standalone emulator

class Emulator:
    def __init__(self, workers, step_ms):
        self.home = Home("emulator")
        self.data = os.path.join(self.home.root, "emulator-data")
        self.process = subprocess.Popen(
            [STUDIO, "emulator", "--port", "0", "--workers", str(workers), "--step-ms", str(step_ms),
             "--data-dir", self.data],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=self.home.env(), text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 20)
        if not ready:
            self.stop()
            raise RuntimeError("emulator did not print its URL")
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http://127.0.0.1:"):
            self.stop()
            raise RuntimeError(f"unexpected emulator URL {self.url!r}")

    def metrics(self):
        with urllib.request.urlopen(self.url + "/_emulator/metrics", timeout=10) as response:
            return json.load(response)

    def post_json(self, path, body):
        request = urllib.request.Request(self.url + path, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json", "Authorization": "Key bench:x"})
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.load(response)

    def forget_file(self, file_url):
        """Deletes the bytes behind a stored file's URL (`/files/<key>/<name>` under our --data-dir).

        For uploads that are timed and never read again. Kept, each 500 MB upload grew the page
        cache by 500 MB, so the next large write had to use memory the kernel had not handed out
        before, which on the benchmark VM costs ~8× the kernel time (see bench_transfers).
        """
        key_and_name = urllib.parse.urlsplit(file_url).path.split("/files/", 1)[1]
        os.remove(os.path.join(self.data, "files", *map(urllib.parse.unquote, key_and_name.split("/"))))

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.home.remove()


def diff_requests(before, after):
    return {key: after["requests"].get(key, 0) - before["requests"].get(key, 0) for key in after["requests"]}


QUEUE_ROUTES = ("submit", "status", "stream", "result", "cancel")


def run_ours(emulator, home):
    """`magi-studio generate --wait --json`; returns (request id, epoch when stderr said completed, stderr)."""
    command = [STUDIO, "generate", "--prompt", JOB_INPUT["prompt"], "--resolution", JOB_INPUT["resolution"],
               "--num-frames", str(JOB_INPUT["num_frames"]), "--steps", str(JOB_INPUT["num_inference_steps"]),
               "--aspect-ratio", JOB_INPUT["aspect_ratio"], "--wait", "--json"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
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


# MARK: - Transfers

def time_v(command, env=None, timeout=600):
    """Runs `command` under /usr/bin/time -v: (wall seconds, max RSS kB, stdout)."""
    started = time.monotonic()
    output = subprocess.run(["/usr/bin/time", "-v"] + command, capture_output=True, text=True, env=env,
                            timeout=timeout)
    wall = time.monotonic() - started
    if output.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {output.stderr[-600:]}")
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", output.stderr).group(1))
    return wall, rss, output.stdout


def transfer_round(emulator, env, path, size, url, scratch, ours_first):
    """One upload and one download each by us and by curl; returns wall seconds and peak RSS."""
    destination = os.path.join(scratch, "out.bin")
    out = {}

    def ours_up():
        wall, rss, stdout = time_v([STUDIO, "upload", path, "--json", "--content-type", "application/octet-stream"],
                                   env=env)
        emulator.forget_file(json.loads(stdout)["url"])
        out["ours_up"] = (wall, rss)

    def curl_up():
        # The same two steps as ours: the initiate call, then a PUT of the file to the signed URL.
        started = time.monotonic()
        target = emulator.post_json("/storage/upload/initiate?storage_type=fal-cdn-v3",
                                    {"content_type": "application/octet-stream", "file_name": "c.bin"})
        initiated = time.monotonic() - started
        _, rss, stdout = time_v(["curl", "-sS", "--fail", "-o", "/dev/null", "-H", "Content-Type: application/octet-stream",
                                 "-H", "Expect:", "-w", "%{time_total}", "-T", path, target["upload_url"]])
        out["curl_up"] = (time.monotonic() - started, rss, initiated + float(stdout))
        emulator.forget_file(target["file_url"])

    def lean_up():
        # The transfer alone: FalQueueClient.upload timed inside bench-follow (initiate + PUT).
        _, _, stdout = time_v([FOLLOW, "upload", emulator.url, path])
        report = json.loads(stdout)
        emulator.forget_file(report["url"])
        out["ours_up_transfer"] = report["wall_seconds"]

    # Both ways also report the transfer alone (from the first request to the last byte), as each
    # client times it itself: at 10 MB a download is ~7 ms, and process start-up and exit (the Swift
    # runtime's ~5 ms against curl's ~1 ms; `magi-studio upload` also opens its history and config)
    # would otherwise be most of what is compared. Ours is `FalQueueClient` in bench-follow; curl's
    # upload is the initiate call as Python times it plus curl's own time for the PUT.
    def ours_down():
        wall, rss, stdout = time_v([FOLLOW, "download", url, destination])
        if os.path.getsize(destination) != size:
            raise RuntimeError("downloaded size differs")
        os.remove(destination)
        out["ours_down"] = (wall, rss, json.loads(stdout)["wall_seconds"])

    def curl_down():
        wall, rss, stdout = time_v(["curl", "-sS", "--fail", "-o", destination, "-w", "%{time_total}", url])
        if os.path.getsize(destination) != size:
            raise RuntimeError("curl downloaded size differs")
        os.remove(destination)
        out["curl_down"] = (wall, rss, float(stdout))

    order = ([ours_up, lean_up, curl_up, ours_down, curl_down] if ours_first
             else [curl_up, ours_up, lean_up, curl_down, ours_down])
    for step in order:
        step()
    return out


def bench_transfers(sizes_mb, rounds):
    """Upload with `magi-studio upload`, download with `bench-follow download`, each against curl.

    Whole processes (start-up included) under /usr/bin/time -v; files and downloads on tmpfs when
    there is room, so the disk's writeback does not decide who wins; rounds alternate who goes first.

    Each timed upload's stored copy is deleted once it is timed. While they were kept, the page
    cache grew by 2 × size per round, and the first download after a round's uploads had to write
    into memory the kernel had not handed out before: on the benchmark VM (Firecracker) `dd` of
    500 MB to tmpfs then took 1.3–1.6 s, nearly all kernel time, instead of 0.17 s, with no HTTP
    client involved. Either client in that slot ran at ~300 MB/s; with three rounds ours had it
    twice, so the 500 MB median compared that penalty with curl's steady state (280 vs 1142 MB/s).
    """
    emulator = Emulator(workers=1, step_ms=20)
    home = Home("transfer")
    shm = "/dev/shm" if os.path.isdir("/dev/shm") and shutil.disk_usage("/dev/shm").free > 3 * max(sizes_mb) << 20 else None
    scratch = tempfile.mkdtemp(prefix="magi-bench-files-", dir=shm)
    results = {"files_on": scratch.rsplit("/", 1)[0], "rounds": rounds, "rounds_10mb_and_under": rounds * 3}
    try:
        for size_mb in sizes_mb:
            path = os.path.join(scratch, f"in-{size_mb}.bin")
            chunk = os.urandom(1 << 20)
            with open(path, "wb") as out:
                for _ in range(size_mb):
                    out.write(chunk)
            size = os.path.getsize(path)
            env = home.env(MAGI_FAL_URL=emulator.url)
            _, _, stdout = time_v([STUDIO, "upload", path, "--json", "--content-type", "application/octet-stream"],
                                  env=env)
            url = json.loads(stdout)["url"]
            # A 10 MB transfer takes ~7 ms: three rounds left its median at the mercy of one slow
            # run (0.71–0.93 of curl across runs), so small files get three times the rounds.
            size_rounds = rounds * 3 if size_mb <= 10 else rounds
            samples = [transfer_round(emulator, env, path, size, url, scratch, index % 2 == 0)
                       for index in range(size_rounds)]

            def summary(key):
                walls = [sample[key][0] for sample in samples]
                return statistics.median(walls), max(sample[key][1] for sample in samples)

            entry = {"bytes": size}
            for way, ours_key, curl_key in (("upload", "ours_up", "curl_up"), ("download", "ours_down", "curl_down")):
                ours_wall, ours_rss = summary(ours_key)
                curl_wall, curl_rss = summary(curl_key)
                entry[way] = {"ours_wall_s": ours_wall, "ours_mb_per_s": size_mb / ours_wall, "ours_max_rss_kb": ours_rss,
                              "curl_wall_s": curl_wall, "curl_mb_per_s": size_mb / curl_wall,
                              "curl_max_rss_kb": curl_rss, "ratio_vs_curl": curl_wall / ours_wall}
            for way, ours_alone, curl_key in (("upload", lambda sample: sample["ours_up_transfer"], "curl_up"),
                                              ("download", lambda sample: sample["ours_down"][2], "curl_down")):
                ours_transfer = statistics.median(ours_alone(sample) for sample in samples)
                curl_transfer = statistics.median(sample[curl_key][2] for sample in samples)
                entry[way].update({
                    "ours_transfer_mb_per_s": size_mb / ours_transfer, "curl_transfer_mb_per_s": size_mb / curl_transfer,
                    "transfer_ratio_vs_curl": curl_transfer / ours_transfer})
            results[f"{size_mb}MB"] = entry
            os.remove(path)
            log(f"transfer {size_mb} MB: {entry}")
        sized = [value for value in results.values() if isinstance(value, dict)]
        rss_up = [entry["upload"]["ours_max_rss_kb"] for entry in sized]
        rss_down = [entry["download"]["ours_max_rss_kb"] for entry in sized]
        big = [entry[way]["ratio_vs_curl"] for entry in sized if entry["bytes"] >= 100 << 20
               for way in ("upload", "download")]
        results["targets"] = {
            "flat_rss_upload": max(rss_up) <= min(rss_up) * 1.25,
            "flat_rss_download": max(rss_down) <= min(rss_down) * 1.25,
            "throughput_within_80pct_of_curl_100MB_up": bool(big) and min(big) >= 0.8}
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        home.remove()
        emulator.stop()


def bench_history():
    output = subprocess.run([HISTORY_BENCH], capture_output=True, text=True, timeout=600)
    if output.returncode != 0:
        raise RuntimeError(f"history-benchmark failed: {output.stderr[-500:]}")
    return {"table": output.stdout.rstrip("\n").split("\n")}


# MARK: - Main

def summary_rows(results):
    rows = []

    def add(name, value, target=""):
        rows.append((name, value, target))

    def fmt(value, unit="", digits=1):
        return "—" if value is None else f"{value:.{digits}f}{unit}"

    start = results.get("startup", {})
    for count in ("0", "10000", "100000"):
        if count in start:
            entry = start[count]
            cold = entry["cold"]["complete_frame_ms_median"]
            warm = entry.get("warm", {}).get("complete_frame_ms_median")
            add(f"start-up, {int(count):,} records, median (saved index / full parse)",
                f"{fmt(warm, ' ms')} / {fmt(cold, ' ms')}" if warm is not None else fmt(cold, " ms"),
                "< 100 ms" if count == "100000" else "")
            if "rss_mb_median" in entry:
                add(f"TUI memory, {int(count):,} records (RSS / peak)",
                    f"{fmt(entry['rss_mb_median'], '')} / {fmt(entry['peak_rss_mb_median'], ' MB')}")
    if "ratio_100000_vs_empty_warm" in start:
        add("start-up 100,000 / empty (saved index / full parse)",
            f"{fmt(start['ratio_100000_vs_empty_warm'], '×', 2)} / {fmt(start['ratio_100000_vs_empty_cold'], '×', 2)}",
            "≤ 2×")
    keys = results.get("keystrokes", {})
    idle_keys = keys.get("idle_100000_records")
    if idle_keys:
        add("key → echo at the pty p50/p99 (idle)",
            f"{fmt(idle_keys['latency_ms_p50'], '', 2)} / {fmt(idle_keys['latency_ms_p99'], ' ms', 2)}")
        add("bytes per key, median (idle)", fmt(idle_keys["bytes_per_key_median"], " B", 0))
        if idle_keys.get("in_process"):
            add("key read → frame written p50/p99 (idle)",
                f"{fmt(idle_keys['in_process']['ms_p50'], '', 2)} / {fmt(idle_keys['in_process']['ms_p99'], ' ms', 2)}")
    loaded = keys.get("while_50_jobs_stream", {})
    for label, key in (("typing", "typing_in_process"), ("history moves", "history_moves_in_process")):
        if loaded.get(key):
            add(f"key read → frame written p50/p99 ({label}, 50 jobs)",
                f"{fmt(loaded[key]['ms_p50'], '', 2)} / {fmt(loaded[key]['ms_p99'], ' ms', 2)}", "p99 < 5 ms")
    idle = results.get("idle", {})
    if "switches_per_s_total" in idle:
        add("idle wake-ups (all threads)", fmt(idle["switches_per_s_total"], "/s", 2), "0")
        add("idle CPU over the window", fmt(idle["cpu_ms_total"], " ms", 0))
        add("idle waking threads", ", ".join(idle["waking_threads"]) or "none")
    busy = results.get("busy", {})
    for step in ("200", "800", "5000"):
        entry = busy.get(f"step_{step}ms")
        if entry:
            ui = entry["threads"].get("magi-ui", {}).get("switches_per_s", 0)
            network = entry["threads"].get("magi-curl", {}).get("switches_per_s", 0)
            add(f"50 jobs, {entry['events_per_s_expected']:.0f} events/s: wake-ups/s ui / network",
                f"{ui:.0f} / {network:.0f}", "follow events")
    follow = results.get("follow", {})
    if "ours" in follow:
        add("queue requests per job ours/official",
            f"{follow['ours']['queue_requests_per_job_median']:.0f} / "
            f"{follow['official']['queue_requests_per_job_median']:.0f}", "ours ≤ official")
        add("completion notice delay ours/official",
            f"{fmt(follow['ours']['notice_delay_ms_median'])} / {fmt(follow['official']['notice_delay_ms_median'], ' ms')}",
            "ours lower")
    many = results.get("many_jobs", {})
    if "max_rss_kb" in many:
        add(f"{many['jobs']} jobs: CPU / peak RSS", f"{many['cpu_seconds']:.2f} s / {many['max_rss_kb'] / 1024:.1f} MB",
            "RSS < 64 MB")
        add(f"{many['jobs']} jobs: threads (network)", f"{many['threads']} ({many['thread_names'].get('magi-curl', 0)})",
            "1 network")
    for size, entry in results.get("transfers", {}).items():
        if not isinstance(entry, dict) or "upload" not in entry:
            continue
        for way in ("upload", "download"):
            data = entry[way]
            add(f"{way} {size}: RSS / MB/s (curl)",
                f"{data['ours_max_rss_kb'] / 1024:.1f} MB / {data['ours_mb_per_s']:.0f} ({data['curl_mb_per_s']:.0f})",
                "flat, ≥ 80% curl")
            if "transfer_ratio_vs_curl" in data:
                add(f"{way} {size}: transfer alone MB/s (curl)",
                    f"{data['ours_transfer_mb_per_s']:.0f} ({data['curl_transfer_mb_per_s']:.0f})", "≥ 80% curl")
    for line in results.get("history", {}).get("table", []):
        add("history", line.strip())
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", default="startup,keystrokes,idle,busy,follow,many,transfers,history",
                        help="comma-separated sections")
    parser.add_argument("--quick", action="store_true", help="fewer runs and smaller files (a smoke run)")
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
