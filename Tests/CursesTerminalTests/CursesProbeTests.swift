import Foundation
import Testing
import TerminalScreen

/// The real terminal, through tmux: what a user at a 60×12 xterm-256color would see and send.
@Suite(.serialized, .enabled(if: TmuxSession.available, "needs tmux and the curses-probe binary"))
struct CursesProbeTests {
  /// The frame and the wide glyphs land at the right columns: the line with 漢字 and 🎬 is exactly
  /// as wide as the frame and ends on its border.
  @Test(.timeLimit(.minutes(1))) func rendersFrameAndWideGlyphs() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady(), "screen: \(tmux.capture())")
    let rows = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    try #require(rows.count >= 12)
    #expect(rows[0].hasPrefix("┌─ probe ─") && rows[0].hasSuffix("┐") && TextWidth.of(rows[0]) == 60)
    let text = "漢字 é ✔ 🎬 end"
    #expect(TextWidth.of(text) == 15)
    #expect(rows[1] == "│ " + text + String(repeating: " ", count: 60 - 3 - 15) + "│")
    #expect(TextWidth.of(rows[1]) == 60)
    #expect(rows[11].hasPrefix("└") && rows[11].hasSuffix("┘"))
  }

  /// Typed keys arrive as the right ``Key``: UTF-8 text, arrows, Enter, Escape, Ctrl and Alt.
  @Test(.timeLimit(.minutes(1))) func keysArriveAsKeys() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    let steps: [([String], Bool, String)] = [
      (["é漢"], true, "char 漢"), (["Left"], false, "left"), (["Enter"], false, "enter"),
      (["Escape"], false, "escape"), (["C-p"], false, "ctrl p"), (["M-x"], false, "alt x"),
      (["BTab"], false, "backTab"), (["F5"], false, "f5"), (["BSpace"], false, "backspace"),
      (["C-Left"], false, "wordLeft"),
    ]
    for (keys, literal, expected) in steps {
      if literal { try tmux.sendLiteral(keys[0]) } else { try tmux.tmux(["send-keys", "-t", "p"] + keys) }
      #expect(tmux.wait { tmux.events.last == expected }, "after \(keys): \(tmux.events)")
    }
    #expect(
      tmux.events == [
        "char é", "char 漢", "left", "enter", "escape", "ctrl p", "alt x", "backTab", "f5", "backspace", "wordLeft",
      ])
    #expect(tmux.wait { tmux.capture().contains("last: wordLeft") })
  }

  /// A bracketed paste is ONE event with its text intact; a `Q` inside it does not quit the probe.
  @Test(.timeLimit(.minutes(1))) func bracketedPasteArrivesAsOneEvent() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    try tmux.tmux(["set-buffer", "-b", "clip", "first line\nQ second 漢"])
    try tmux.tmux(["paste-buffer", "-p", "-r", "-b", "clip", "-t", "p"])
    #expect(tmux.wait { tmux.events.count == 1 })
    try tmux.sendLiteral("z")
    #expect(tmux.wait { tmux.events.count == 2 })
    #expect(tmux.events == ["paste first line⏎Q second 漢", "char z"])
    #expect(tmux.format("#{pane_current_command}") != "sh" || !tmux.capture().contains("probe-exit"))
  }

  /// Frames after the first copy only the rows that changed: a row that gets shorter leaves
  /// nothing of its longer self behind, and the rows that did not change are still there.
  @Test(.timeLimit(.minutes(1))) func laterFramesRewriteChangedRowsWhole() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    try tmux.tmux(["set-buffer", "-b", "clip", "a long pasted line that fills the row"])
    try tmux.tmux(["paste-buffer", "-p", "-r", "-b", "clip", "-t", "p"])
    #expect(tmux.wait { tmux.capture().contains("last: paste a long pasted line that fills") })
    try tmux.sendLiteral("z")
    #expect(tmux.wait { tmux.capture().contains("events: 2") })
    let rows = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    try #require(rows.count >= 12)
    #expect(rows[2] == "│ last: char z" + String(repeating: " ", count: 60 - 3 - 12) + "│")
    #expect(rows[1] == "│ 漢字 é ✔ 🎬 end" + String(repeating: " ", count: 60 - 3 - 15) + "│")
    #expect(rows[0].hasPrefix("┌─ probe ─") && rows[11].hasPrefix("└"))
  }

  /// Resizing the window reports the new size and the app redraws at it.
  @Test(.timeLimit(.minutes(1))) func resizeReportsAndRedraws() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    try tmux.tmux(["resize-window", "-t", "p", "-x", "80", "-y", "20"])
    #expect(tmux.wait { tmux.events.contains("resize 80x20") }, "\(tmux.events)")
    #expect(tmux.wait { tmux.capture().contains("size: 80x20") })
    let rows = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(rows.count >= 20 && TextWidth.of(rows[0]) == 80 && rows[19].hasSuffix("┘"))
  }

  /// SIGTERM and Ctrl-C both end in a restored terminal: normal screen, cooked mode with echo,
  /// mouse reporting off, and a clean exit status.
  @Test(.timeLimit(.minutes(1)), arguments: ["SIGTERM", "C-c"])
  func quitSignalsRestoreTheTerminal(how: String) throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    #expect(tmux.format("#{alternate_on}") == "1")
    if how == "SIGTERM" {
      let pid = try #require(tmux.probePID)
      kill(pid, SIGTERM)
    } else {
      try tmux.sendKeys("C-c")
    }
    #expect(tmux.wait { tmux.capture().contains("probe-exit=0") }, "screen: \(tmux.capture())")
    let screen = tmux.capture()
    #expect(screen.contains("curses-probe: quit signal \(how == "SIGTERM" ? SIGTERM : SIGINT)"))
    #expect(!screen.contains("┌─ probe"))
    #expect(tmux.format("#{alternate_on} #{mouse_any_flag}") == "0 0")
    #expect(tmux.wait { FileManager.default.fileExists(atPath: tmux.sttyPath) })
    let stty = (try? String(contentsOfFile: tmux.sttyPath, encoding: .utf8)) ?? ""
    let words = Set(stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
    #expect(words.contains("icanon") && words.contains("echo") && words.contains("ixon"), "\(stty)")
  }

  /// A terminal that hangs up (ssh gone, window closed) ends the loop even when no SIGHUP arrives:
  /// poll() then reports POLLHUP with POLLIN for ever, and the loop used to spin at full CPU.
  @Test(.timeLimit(.minutes(1))) func hungUpTerminalEndsTheLoopWithoutSIGHUP() throws {
    let tmux = try TmuxSession(probeArguments: ["--ignore-sighup"])
    #expect(tmux.waitForReady())
    let pid = try #require(tmux.probePID)
    // Closing the pane closes the pty's master side (tmux also sends SIGHUP, which the probe ignores).
    try tmux.tmux(["kill-pane", "-t", "p"])
    #expect(tmux.wait { tmux.logLines.contains("quit 1") }, "log: \(tmux.logLines)")
    #expect(tmux.wait { kill(pid, 0) != 0 }, "the probe is still running")
  }

  /// Idle means idle: with nothing happening the probe's threads do not wake at all (a count of
  /// context switches over two seconds, not a speed measurement).
  @Test(.timeLimit(.minutes(1))) func idleProbeMakesNoWakeUps() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    let pid = try #require(tmux.probePID)
    func switches() -> Int {
      let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
      return tasks.reduce(0) { total, task in
        let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("voluntary_ctxt_switches") }
        return total + (line.flatMap { Int($0.split(separator: "\t").last ?? "") } ?? 0)
      }
    }
    let before = switches()
    sleep(2)  // the measurement window, not synchronisation
    let after = switches()
    #expect(after - before <= 2, "woke \(after - before) times while idle")
  }

  /// A task on another thread wakes the loop through WakeSignal, and the loop redraws.
  @Test(.timeLimit(.minutes(1))) func wakeFromAnotherTaskReachesTheLoop() throws {
    let tmux = try TmuxSession(probeArguments: ["--wake-after-ms", "200"])
    #expect(tmux.wait { tmux.logLines.contains("woken") })
    #expect(tmux.wait { tmux.capture().contains("woken: 1") })
  }

  /// An escape sequence sent from another thread reaches the terminal after the frame and leaves
  /// the frame as it was: tmux (`set-clipboard on`, so that it takes OSC 52 from the pane) makes a
  /// buffer of the copy, and every row but the two that report the key is unchanged.
  @Test(.timeLimit(.minutes(1))) func escapesSentFromAnotherThreadArriveAfterTheFrame() throws {
    let tmux = try TmuxSession()
    #expect(tmux.waitForReady())
    try tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
    let before = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
    try tmux.sendLiteral("C")
    #expect(tmux.wait { (try? tmux.tmux(["show-buffer"])) == "probe clipboard" }, "no buffer: \(tmux.capture())")
    #expect(tmux.wait { tmux.capture().contains("last: char C") })
    let after = tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
    #expect(after.count == before.count)
    for (index, (old, new)) in zip(before, after).enumerated() where index != 2 && index != 3 {
      #expect(old == new, "row \(index) changed: \(new)")
    }
  }

  /// With NO_COLOR the selection stays visible through reverse video; with colours it uses them.
  @Test(.timeLimit(.minutes(1))) func monochromeSelectionUsesReverse() throws {
    let mono = try TmuxSession(environment: ["NO_COLOR": "1"])
    #expect(mono.waitForReady())
    #expect(mono.logLines.contains("depth monochrome"))
    let monoRow = mono.capture(escapes: true).split(separator: "\n").first { $0.contains("selected") }.map(String.init) ?? ""
    #expect(monoRow.contains("\u{1B}[7m"), "\(monoRow.debugDescription)")
    let color = try TmuxSession()
    #expect(color.waitForReady())
    let colorRow = color.capture(escapes: true).split(separator: "\n").first { $0.contains("selected") }.map(String.init) ?? ""
    #expect(colorRow.contains("48;5;21m") && !colorRow.contains("\u{1B}[7m"), "\(colorRow.debugDescription)")
  }

  /// Ctrl-Z at a job-control shell gives the terminal back and really stops the process; `fg`
  /// takes it back and repaints, and keys work again.
  @Test(.timeLimit(.minutes(1))) func suspendAndResume() throws {
    let tmux = try TmuxSession(interactiveShell: true)
    #expect(tmux.waitForReady(), "screen: \(tmux.capture())")
    let pid = try #require(tmux.probePID)
    try tmux.sendKeys("C-z")
    #expect(tmux.wait { Self.processState(pid) == "T" }, "state \(Self.processState(pid) ?? "?")")
    #expect(tmux.wait { tmux.format("#{alternate_on}") == "0" })
    #expect(!tmux.capture().contains("┌─ probe"))
    try tmux.sendLiteral("fg")
    try tmux.sendKeys("Enter")
    #expect(tmux.wait { tmux.logLines.contains("resumed") }, "screen: \(tmux.capture())")
    #expect(tmux.wait { tmux.format("#{alternate_on}") == "1" && tmux.capture().contains("┌─ probe") })
    try tmux.sendLiteral("k")
    #expect(tmux.wait { tmux.events.last == "char k" })
  }

  private static func processState(_ pid: Int32) -> String? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return nil }
    return stat[stat.index(close, offsetBy: 2)...].split(separator: " ").first.map(String.init)
  }
}

/// CI sets STUDIO_E2E_REQUIRED=1 so that a missing tmux fails the run instead of silently
/// skipping every terminal test above.
@Test func terminalTestsRunWhenRequired() {
  guard ProcessInfo.processInfo.environment["STUDIO_E2E_REQUIRED"] == "1" else { return }
  #expect(TmuxSession.tmuxPath != nil, "tmux is not installed")
  #expect(TmuxSession.probePath != nil, "curses-probe was not built next to the tests")
}
