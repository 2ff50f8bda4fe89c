"""Wake-ups per thread: an idle TUI, and a TUI following 50 jobs at three event rates."""
import time

from common import Home, log, thread_deltas, thread_sample
from emulator import Emulator
from history import NEWEST_MARK, write_history
from tui import FIRST_PAINT_MARKERS, FRAME_MARKERS, Tui, submit_jobs


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
