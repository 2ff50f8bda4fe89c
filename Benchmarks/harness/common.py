"""Shared by every section: paths of the release build, logging, machine info, throw-away homes,
and the process measurements (/proc, /usr/bin/time -v)."""
import datetime
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
RELEASE = os.path.join(ROOT, ".build", "release")
STUDIO = os.path.join(RELEASE, "magi-studio")
FOLLOW = os.path.join(RELEASE, "bench-follow")
HISTORY_BENCH = os.path.join(RELEASE, "history-benchmark")
PEER_PYTHON = os.path.join(ROOT, ".build", "peers-venv", "bin", "python")
PEER_SCRIPT = os.path.join(os.path.dirname(__file__), "fal_peer.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The job every client runs: 16 steps at the emulator's step time, a small 480p render.
JOB_INPUT = {"prompt": "a red fox in the snow", "resolution": "480p", "num_frames": 96,
             "num_inference_steps": 16, "aspect_ratio": "1:1"}


def generate_command():
    """`magi-studio generate --wait --json` for JOB_INPUT: one job, followed to its end, as a script runs it."""
    return [STUDIO, "generate", "--prompt", JOB_INPUT["prompt"], "--resolution", JOB_INPUT["resolution"],
            "--num-frames", str(JOB_INPUT["num_frames"]), "--steps", str(JOB_INPUT["num_inference_steps"]),
            "--aspect-ratio", JOB_INPUT["aspect_ratio"], "--wait", "--json"]


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


# MARK: - Process measurements

def process_memory_kb(pid):
    """VmRSS and VmHWM (peak) of a live process, in kB; None if it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status if line.startswith("Vm"))
        return {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM")}
    except (OSError, KeyError, ValueError):
        return None


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
