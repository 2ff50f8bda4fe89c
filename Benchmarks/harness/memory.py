"""Memory of a CLI run: peak RSS of `magi-studio --version` and of a `generate --wait` job against a
running twin, beside the official fal Python client's for the same job."""
import json
import os
import statistics

from common import JOB_INPUT, PEER_PYTHON, PEER_SCRIPT, STUDIO, Home, generate_command, log, time_v
from emulator import Emulator


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
        result["targets"] = {"version_under_10mb": result["version_peak_rss_mb_median"] < 10,
                             "job_under_20mb": result["job_peak_rss_mb_median"] < 20}
        log(f"memory: {result}")
        return result
    finally:
        home.remove()
        emulator.stop()
