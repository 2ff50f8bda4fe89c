"""The studio's TUI in a pseudo-terminal, as the start-up, keystroke, idle and busy sections drive it."""
import fcntl
import os
import pty
import select
import signal
import struct
import termios
import time

from common import STUDIO

COLS, ROWS = 120, 40


class Tui:
    """`magi-studio` (no arguments: the TUI on its embedded emulator) in a pseudo-terminal."""

    def __init__(self, home, env_extra=None, binary=None):
        self.home = home
        self.binary = binary or STUDIO
        self.output = bytearray()
        self.pid = None
        self.fd = None
        self.env = home.env(**(env_extra or {}))

    def start(self):
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child: the studio, exec'd at once
            try:
                os.execve(self.binary, [self.binary], self.env)
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


def submit_batch(tui, count):
    """Types the prompt "fox" and `seeds=count` into the form's Vary field, submits (Ctrl-S) and
    answers the batch question: one batch of `count` jobs, at most 4 in flight."""
    edit_prompt(tui)
    for letter in b"fox":
        os.write(tui.fd, bytes([letter]))
        tui.drain(quiet=0.02)
    leave_edit(tui)  # back to NORMAL on the prompt
    for _ in range(6):  # prompt → Frames, Steps, Res., Aspect, Seed, Vary (↓ as xterm's keypad mode sends it)
        os.write(tui.fd, b"\x1bOB")
        tui.drain(quiet=0.02)
    os.write(tui.fd, b"\r")
    tui.drain(quiet=0.05, limit=1)
    for letter in f"seeds={count}".encode():
        os.write(tui.fd, bytes([letter]))
        tui.drain(quiet=0.02)
    leave_edit(tui)
    os.write(tui.fd, b"\x13")  # Ctrl-S asks once for the batch…
    if tui.wait_for([b"jobs?"], 5) is None:
        raise RuntimeError("the batch question did not come")
    os.write(tui.fd, b"y")  # …and y sends it
    tui.drain(quiet=0.05, limit=1)


def leave_edit(tui, timeout=5):
    """Esc, and waits until the studio says NORMAL: a lone Esc is only known as one once no byte
    follows it for the terminal's escape delay, so a key sent sooner would join it."""
    mark = len(tui.output)
    os.write(tui.fd, b"\x1b")
    deadline = time.monotonic() + timeout
    while b"NORMAL" not in tui.output[mark:]:
        if time.monotonic() > deadline:
            raise RuntimeError("Esc did not leave EDIT mode")
        tui.read(0.05)
    tui.drain(quiet=0.05, limit=1)
