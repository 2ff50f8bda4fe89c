"""Start-up: exec to the first complete frame in a pty, at 0, 10,000 and 100,000 records."""
import os
import statistics

from common import Home, log, process_memory_kb
from history import NEWEST_MARK, write_history
from tui import FIRST_PAINT_MARKERS, FRAME_MARKERS, Tui


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
