"""Memory of a CLI run: peak RSS of `magi-studio --version` and of a `generate --wait` job against a
running twin, beside the official fal Python client's for the same job, and where each one's
resident memory lies when it exits (per mapping, when gdb is installed)."""
import json
import os
import shutil
import statistics
import subprocess
import tempfile

from common import JOB_INPUT, PEER_PYTHON, PEER_SCRIPT, STUDIO, Home, generate_command, log, time_v
from emulator import Emulator

# Stops the process at exit_group (everything it touched is still mapped) and copies its smaps.
GDB_SCRIPT = """set pagination off
set confirm off
catch syscall exit_group
run
python
import gdb, os, shutil
shutil.copy(f"/proc/{gdb.selected_inferior().pid}/smaps", os.environ["MAGI_BENCH_SMAPS"])
end
kill
quit
"""


def bench_memory(runs):
    """Each command `runs` times under /usr/bin/time -v (peak RSS, start-up and exit included).

    The job talks to a standalone emulator (MAGI_FAL_URL), so the process measured holds only the
    client side, as against fal; the official client runs the same job through fal_peer.py.
    """
    emulator = Emulator(workers=4, step_ms=20)
    home = Home("memory")
    try:
        version = [time_v([STUDIO, "--version"], env=home.env())[1] for _ in range(runs)]
        job = [time_v(generate_command(), env=home.env(MAGI_FAL_URL=emulator.url))[1] for _ in range(runs)]
        result = {"runs": runs, "version_peak_rss_mb_median": statistics.median(version) / 1024,
                  "job_peak_rss_mb_median": statistics.median(job) / 1024}
        if os.path.exists(PEER_PYTHON):
            official = [time_v([PEER_PYTHON, PEER_SCRIPT, emulator.url, json.dumps(JOB_INPUT)])[1]
                        for _ in range(runs)]
            result["official_job_peak_rss_mb_median"] = statistics.median(official) / 1024
        if shutil.which("gdb"):
            result["version_rss_at_exit_kb"] = rss_at_exit([STUDIO, "--version"], home.env())
            result["job_rss_at_exit_kb"] = rss_at_exit(generate_command(), home.env(MAGI_FAL_URL=emulator.url))
        result["targets"] = {"version_under_10mb": result["version_peak_rss_mb_median"] < 10,
                             "job_under_20mb": result["job_peak_rss_mb_median"] < 20}
        log(f"memory: {result}")
        return result
    finally:
        home.remove()
        emulator.stop()


def rss_at_exit(command, env):
    """Resident kB per mapping group when `command` exits: the executable by segment (code, read-only
    data and metadata, relocated read-only data, data), each library, and anonymous memory."""
    with tempfile.TemporaryDirectory() as scratch:
        script, smaps = os.path.join(scratch, "smaps.gdb"), os.path.join(scratch, "smaps")
        with open(script, "w") as handle:
            handle.write(GDB_SCRIPT)
        subprocess.run(["gdb", "-q", "-batch", "-x", script, "--args"] + command, env=dict(env, MAGI_BENCH_SMAPS=smaps),
                       capture_output=True, timeout=120, check=True)
        with open(smaps) as handle:
            return summarize_smaps(handle.read(), os.path.realpath(command[0]))


def summarize_smaps(text, executable):
    groups, name = {}, None
    segments = {"r--p": "read-only data", "r-xp": "code", "rw-p": "data"}
    seen_read_only = False
    for line in text.splitlines():
        fields = line.split()
        if "-" in fields[0] and len(fields) >= 5 and not fields[0].endswith(":"):
            path = fields[5] if len(fields) > 5 else ""
            if path == executable:
                segment = segments.get(fields[1], fields[1])
                # The second read-only mapping is the relocated one (RELRO): metadata with pointers.
                if fields[1] == "r--p":
                    segment = "relocated read-only data" if seen_read_only else segment
                    seen_read_only = True
                name = f"executable: {segment}"
            elif path.startswith("/"):
                name = os.path.basename(path)
            else:
                name = "anonymous (heap, stacks, malloc arenas)" if path != "[vdso]" and path != "[vvar]" else path
        elif fields[0] == "Rss:" and name is not None:
            groups[name] = groups.get(name, 0) + int(fields[1])
    groups = {key: value for key, value in groups.items() if value}
    groups["total"] = sum(groups.values())
    return dict(sorted(groups.items(), key=lambda item: -item[1]))
