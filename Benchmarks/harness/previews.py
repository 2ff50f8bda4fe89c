"""Previews on the 720p, 96-frame, 24 fps H.264 clip the issue's anchors were measured on (the twin
renders it for a 720p text-to-video job): the contact sheet uncached and cached, and playback's CPU
and memory at 120×40 in symbols mode, beside `timg` (half blocks, same size) and the
`ffmpeg select+tile | chafa` sheet pipeline."""
import fcntl
import json
import os
import re
import select
import shutil
import statistics
import struct
import subprocess
import termios
import time

from common import STUDIO, Home, log
from tui import FRAME_MARKERS, Tui

COLS, ROWS = 120, 40


def run_in_pty(argv, env, timeout=60, pixels=(0, 0), count=None):
    """Runs `argv` on a 120×40 pseudo-terminal (size set before exec, `pixels` its width and height
    in pixels), draining its output while sampling the process tree's RSS every 20 ms. Returns wall
    seconds, CPU seconds of the tree (the child's and its reaped children's, from wait4), peak
    summed RSS in MB, bytes written, and how often the regex `count` matched the output."""
    pid, fd = os.forkpty()
    if pid == 0:
        try:
            fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, pixels[0], pixels[1]))
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    started = time.monotonic()
    written = 0
    output = bytearray() if count else None
    peak_kb = 0
    next_sample = started
    status, usage = None, None
    while True:
        ready, _, _ = select.select([fd], [], [], 0.02)
        if ready:
            try:
                data = os.read(fd, 65536)
                written += len(data)
                if output is not None:
                    output += data
            except OSError:
                pass
        if time.monotonic() >= next_sample:
            peak_kb = max(peak_kb, tree_rss_kb(pid))
            next_sample = time.monotonic() + 0.02
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > timeout:
            os.kill(pid, 9)
    wall = time.monotonic() - started
    try:
        while select.select([fd], [], [], 0)[0]:
            written += len(os.read(fd, 65536))
    except OSError:
        pass
    os.close(fd)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{argv[0]} exited {os.waitstatus_to_exitcode(status)}")
    matches = len(re.findall(count, bytes(output))) if count else None
    return wall, usage.ru_utime + usage.ru_stime, peak_kb / 1024, written, matches


def tree_rss_kb(pid):
    """VmRSS of `pid` and its descendants, summed (magi-decode decodes in a child of ours)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            with open(f"/proc/{current}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as children:
                    pending += [int(child) for child in children.read().split()]
        except (OSError, ValueError):
            continue
    return total


BLOCK = re.compile(rb"\xe2\x96[\x80-\x9f]")  # U+2580–U+259F: half blocks, quadrants, shades


def studio_sheet_ms(binary, home, env_extra):
    """The studio (TUI) on the history holding the clip: focuses the history (3), then times from
    writing Enter (open the details) to reading the output that completes the contact sheet (40 or
    more block symbols since the key). In-process: no start-up or history open in the figure."""
    tui = Tui(home, env_extra, binary).start()
    try:
        if tui.wait_for(FRAME_MARKERS, 30) is None:
            raise RuntimeError("the studio did not start")
        tui.drain(quiet=0.2, limit=3)
        os.write(tui.fd, b"3")
        tui.drain(quiet=0.2, limit=3)
        mark = len(tui.output)
        started = time.monotonic()
        os.write(tui.fd, b"\r")
        deadline = started + 30
        while time.monotonic() < deadline:
            tui.read(0.05)
            if len(BLOCK.findall(bytes(tui.output[mark:]))) >= 40:
                return (time.monotonic() - started) * 1000
            tui.check_alive()
        raise RuntimeError("no contact sheet in the studio's details")
    finally:
        tui.stop()


def measure(binary, record_id, env, env_extra, home, cache):
    """One run of every figure for `binary`: the CLI sheet uncached then cached, the studio's sheet
    uncached then cached (key to frame), and one playback."""
    sheet = [binary, "preview", record_id, "--graphics", "symbols", "--width", str(COLS)]
    play = [binary, "preview", record_id, "--play", "--graphics", "symbols", "--width", str(COLS)]
    shutil.rmtree(cache, ignore_errors=True)
    figures = {"uncached": run_in_pty(sheet, env)[0] * 1000, "cached": run_in_pty(sheet, env)[0] * 1000}
    shutil.rmtree(cache, ignore_errors=True)
    figures["studio_uncached"] = studio_sheet_ms(binary, home, env_extra)
    figures["studio_cached"] = studio_sheet_ms(binary, home, env_extra)
    figures["play"] = run_in_pty(play, env)
    return figures


# Where each protocol's picture starts in the output: one per frame drawn.
PICTURE_STARTS = {"sixel": rb"\x1bP[0-9;]*q", "kitty": rb"\x1b_Ga=T", "iterm": rb"\x1b\]1337;File="}


def pixel_playback(record_id, env):
    """`preview --play` in each pixel protocol at 640×360 pixels (64 columns of 10×20-pixel cells):
    frames drawn per second of the clip's playback, and CPU of the tree."""
    result = {}
    for mode, start in PICTURE_STARTS.items():
        argv = [STUDIO, "preview", record_id, "--play", "--graphics", mode, "--width", "64"]
        wall, cpu, _, written, frames = run_in_pty(argv, env, pixels=(COLS * 10, ROWS * 20), count=start)
        result[mode] = {"frames": frames, "wall_s": wall, "fps": frames / wall, "cpu_s": cpu, "bytes_written": written}
    return result


def bench_previews(runs, baseline=None):
    home = Home("previews")
    try:
        env_extra = {"MAGI_EMULATOR_STEP_MS": 5, "COLORTERM": "truecolor"}
        env = home.env(**env_extra)
        made = subprocess.run([STUDIO, "generate", "--prompt", "a red fox in the snow", "--resolution", "720p",
                               "--num-frames", "96", "--aspect-ratio", "16:9", "--wait", "--json"],
                              capture_output=True, text=True, env=env, timeout=300)
        if made.returncode != 0:
            raise RuntimeError(f"generate failed: {made.stderr[-400:]}")
        record = json.loads(made.stdout.strip().splitlines()[-1])
        record_id, clip = record["id"], record["local_file"]["path"]
        cache = os.path.join(home.root, "cache", "magi-studio", "previews")
        binaries = {"ours": STUDIO}
        if baseline:
            binaries["baseline"] = os.path.abspath(baseline)
        samples = {name: [] for name in binaries}
        anchor_sheet, timg_play = [], []
        timg = shutil.which("timg")
        # The anchor sheet: ffmpeg picks 6 frames and tiles them, chafa renders the tile.
        pipeline = (f"ffmpeg -v error -i {clip} -vf \"select='not(mod(n,16))',scale=320:-1,tile=6x1\" "
                    f"-frames:v 1 -f image2pipe -vcodec png - | chafa --size {COLS}x40 --symbols half -")
        # Interleaved run by run, so that every binary and anchor sees the same load on average.
        for _ in range(runs):
            for name, binary in binaries.items():
                samples[name].append(measure(binary, record_id, env, env_extra, home, cache))
            if shutil.which("chafa"):
                started = time.monotonic()
                subprocess.run(["sh", "-c", pipeline], capture_output=True, env=env, timeout=60)
                anchor_sheet.append((time.monotonic() - started) * 1000)
            if timg:
                timg_play.append(run_in_pty([timg, "-p", "half", f"-g{COLS}x{ROWS - 1}", clip], env))
        result = {"runs": runs, "clip": "1280x720, 96 frames, 24 fps, H.264 (the twin's 720p render)",
                  "sheet_note": "CLI: whole `magi-studio preview` process in a 120x40 pty (start-up, history open, "
                                "probe + decode or cache read, chafa, output); studio: Enter on the history "
                                "to the sheet's cells read from the pty, in the running TUI"}
        for name, runs_of in samples.items():
            prefix = "" if name == "ours" else f"{name}_"
            for key in ("uncached", "cached", "studio_uncached", "studio_cached"):
                result[f"{prefix}sheet_{key}_ms_median"] = statistics.median(run[key] for run in runs_of)
            result[f"{prefix}play"] = summarise([run["play"] for run in runs_of])
        if baseline:
            result["baseline_binary"] = binaries["baseline"]
        if anchor_sheet:
            result["anchor_ffmpeg_chafa_sheet_ms_median"] = statistics.median(anchor_sheet)
        result["pixel_play_640x360"] = pixel_playback(record_id, env)
        if timg_play:
            result["timg_play"] = summarise(timg_play)
            version = subprocess.run([timg, "--version"], capture_output=True, text=True)
            result["timg_version"] = (version.stdout or version.stderr).split("\n")[0]
        result["targets"] = {
            "studio_sheet_cached_under_20ms": result["sheet_studio_cached_ms_median"] < 20,
            "sheet_uncached_under_250ms": result["sheet_uncached_ms_median"] < 250,
        }
        result["targets"]["pixel_play_at_least_15fps"] = all(
            entry["fps"] >= 15 for entry in result["pixel_play_640x360"].values())
        if "timg_play" in result:
            result["targets"]["play_less_cpu_than_timg"] = result["play"]["cpu_s_median"] < result["timg_play"]["cpu_s_median"]
            result["targets"]["play_less_memory_than_timg"] = result["play"]["peak_rss_mb_median"] < result["timg_play"]["peak_rss_mb_median"]
        log(f"previews: {result}")
        return result
    finally:
        home.remove()


def summarise(samples):
    """Median wall, CPU as % of one core over the wall time, peak RSS and bytes to the terminal."""
    return {"wall_s_median": statistics.median(s[0] for s in samples),
            "cpu_s_median": statistics.median(s[1] for s in samples),
            "cpu_percent_median": statistics.median(100 * s[1] / s[0] for s in samples),
            "peak_rss_mb_median": statistics.median(s[2] for s in samples),
            "bytes_written_median": statistics.median(s[3] for s in samples)}
