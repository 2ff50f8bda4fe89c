import Foundation
import TerminalScreen
import Testing

/// The real terminal, through tmux: what a user at a 60×12 xterm-256color would see and send.
// Serialized: each test drives a real terminal (a tmux server and a program in its pane), with
// deadlines on what the screen shows; one at a time keeps those about the program, not about
// several servers competing for two cores.
@Suite(.serialized, .enabled(if: ProbeSession.available, "needs tmux and the curses-probe binary"))
struct CursesProbeTests {
  /// The frame and the wide glyphs land at the right columns: the line with 漢字 and 🎬 is exactly
  /// as wide as the frame and ends on its border.
  @Test(.timeLimit(.minutes(1))) func rendersFrameAndWideGlyphs() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady(), "screen: \(tmux.lastCapture)")
    let rows = await tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    try #require(rows.count >= 12)
    #expect(rows[0].hasPrefix("┌─ probe ─") && rows[0].hasSuffix("┐") && TextWidth.of(rows[0]) == 60)
    let text = "漢字 é ✔ 🎬 end"
    #expect(TextWidth.of(text) == 15)
    #expect(rows[1] == "│ " + text + String(repeating: " ", count: 60 - 3 - 15) + "│")
    #expect(TextWidth.of(rows[1]) == 60)
    #expect(rows[11].hasPrefix("└") && rows[11].hasSuffix("┘"))
  }

  /// Typed keys arrive as the right ``Key``: UTF-8 text, arrows, Enter, Escape, Ctrl and Alt.
  @Test(.timeLimit(.minutes(1))) func keysArriveAsKeys() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    let steps: [([String], Bool, String)] = [
      (["é漢"], true, "char 漢"), (["Left"], false, "left"), (["Enter"], false, "enter"),
      (["Escape"], false, "escape"), (["C-p"], false, "ctrl p"), (["M-x"], false, "alt x"),
      (["BTab"], false, "backTab"), (["F5"], false, "f5"), (["BSpace"], false, "backspace"),
      (["C-Left"], false, "wordLeft"),
    ]
    for (keys, literal, expected) in steps {
      if literal { try await tmux.sendLiteral(keys[0]) } else { try await tmux.tmux(["send-keys", "-t", "p"] + keys) }
      #expect(await tmux.wait { tmux.events.last == expected }, "after \(keys): \(tmux.events)")
    }
    #expect(
      tmux.events == [
        "char é", "char 漢", "left", "enter", "escape", "ctrl p", "alt x", "backTab", "f5", "backspace", "wordLeft",
      ])
    #expect(await tmux.wait { await tmux.capture().contains("last: wordLeft") })
  }

  /// A bracketed paste is ONE event with its text intact; a `Q` inside it does not quit the probe.
  @Test(.timeLimit(.minutes(1))) func bracketedPasteArrivesAsOneEvent() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    try await tmux.tmux(["set-buffer", "-b", "clip", "first line\nQ second 漢"])
    try await tmux.tmux(["paste-buffer", "-p", "-r", "-b", "clip", "-t", "p"])
    #expect(await tmux.wait { tmux.events.count == 1 })
    try await tmux.sendLiteral("z")
    #expect(await tmux.wait { tmux.events.count == 2 })
    #expect(tmux.events == ["paste first line⏎Q second 漢", "char z"])
    let command = await tmux.format("#{pane_current_command}")
    let screen = await tmux.capture()
    #expect(command != "sh" || !screen.contains("probe-exit"))
  }

  /// Frames after the first copy only the rows that changed: a row that gets shorter leaves
  /// nothing of its longer self behind, and the rows that did not change are still there.
  @Test(.timeLimit(.minutes(1))) func laterFramesRewriteChangedRowsWhole() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    try await tmux.tmux(["set-buffer", "-b", "clip", "a long pasted line that fills the row"])
    try await tmux.tmux(["paste-buffer", "-p", "-r", "-b", "clip", "-t", "p"])
    #expect(await tmux.wait { await tmux.capture().contains("last: paste a long pasted line that fills") })
    try await tmux.sendLiteral("z")
    #expect(await tmux.wait { await tmux.capture().contains("events: 2") })
    let rows = await tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    try #require(rows.count >= 12)
    #expect(rows[2] == "│ last: char z" + String(repeating: " ", count: 60 - 3 - 12) + "│")
    #expect(rows[1] == "│ 漢字 é ✔ 🎬 end" + String(repeating: " ", count: 60 - 3 - 15) + "│")
    #expect(rows[0].hasPrefix("┌─ probe ─") && rows[11].hasPrefix("└"))
  }

  /// Resizing the window reports the new size and the app redraws at it.
  @Test(.timeLimit(.minutes(1))) func resizeReportsAndRedraws() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    try await tmux.tmux(["resize-window", "-t", "p", "-x", "80", "-y", "20"])
    #expect(await tmux.wait { tmux.events.contains("resize 80x20") }, "\(tmux.events)")
    #expect(await tmux.wait { await tmux.capture().contains("size: 80x20") })
    let rows = await tmux.capture().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    #expect(rows.count >= 20 && TextWidth.of(rows[0]) == 80 && rows[19].hasSuffix("┘"))
  }

  /// SIGTERM and Ctrl-C both end in a restored terminal: normal screen, cooked mode with echo,
  /// mouse reporting off, and a clean exit status.
  @Test(.timeLimit(.minutes(1)), arguments: ["SIGTERM", "C-c"])
  func quitSignalsRestoreTheTerminal(how: String) async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    #expect(await tmux.format("#{alternate_on}") == "1")
    if how == "SIGTERM" {
      let pid = try #require(tmux.probePID)
      kill(pid, SIGTERM)
    } else {
      try await tmux.sendKeys("C-c")
    }
    #expect(await tmux.wait { await tmux.capture().contains("probe-exit=0") }, "screen: \(tmux.lastCapture)")
    let screen = await tmux.capture()
    #expect(screen.contains("curses-probe: quit signal \(how == "SIGTERM" ? SIGTERM : SIGINT)"))
    #expect(!screen.contains("┌─ probe"))
    #expect(await tmux.format("#{alternate_on} #{mouse_any_flag}") == "0 0")
    #expect(await tmux.wait { FileManager.default.fileExists(atPath: tmux.sttyPath) })
    let stty = (try? String(contentsOfFile: tmux.sttyPath, encoding: .utf8)) ?? ""
    let words = Set(stty.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == ";" }).map(String.init))
    #expect(words.contains("icanon") && words.contains("echo") && words.contains("ixon"), "\(stty)")
  }

  /// A terminal that hangs up (ssh gone, window closed) ends the loop even when no SIGHUP arrives:
  /// poll() then reports POLLHUP with POLLIN for ever, and the loop used to spin at full CPU.
  @Test(.timeLimit(.minutes(1))) func hungUpTerminalEndsTheLoopWithoutSIGHUP() async throws {
    let tmux = try await ProbeSession(probeArguments: ["--ignore-sighup"])
    #expect(await tmux.waitForReady())
    let pid = try #require(tmux.probePID)
    // Closing the pane closes the pty's master side (tmux also sends SIGHUP, which the probe ignores).
    try await tmux.tmux(["kill-pane", "-t", "p"])
    #expect(await tmux.wait { tmux.logLines.contains("quit 1") }, "log: \(tmux.logLines)")
    #expect(await tmux.wait { kill(pid, 0) != 0 }, "the probe is still running")
  }

  /// Idle means idle: with nothing happening the probe's threads do not wake at all (a count of
  /// context switches over two seconds, not a speed measurement).
  @Test(.timeLimit(.minutes(1))) func idleProbeMakesNoWakeUps() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
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
    try await Task.sleep(for: .seconds(2))  // the measurement window, not synchronisation
    let after = switches()
    #expect(after - before <= 2, "woke \(after - before) times while idle")
  }

  /// A task on another thread wakes the loop through WakeSignal, and the loop redraws.
  @Test(.timeLimit(.minutes(1))) func wakeFromAnotherTaskReachesTheLoop() async throws {
    let tmux = try await ProbeSession(probeArguments: ["--wake-after-ms", "200"])
    #expect(await tmux.wait { tmux.logLines.contains("woken") })
    #expect(await tmux.wait { await tmux.capture().contains("woken: 1") })
  }

  /// An escape sequence sent from another thread reaches the terminal after the frame and leaves
  /// the frame as it was: tmux (`set-clipboard on`, so that it takes OSC 52 from the pane) makes a
  /// buffer of the copy, and every row but the two that report the key is unchanged.
  @Test(.timeLimit(.minutes(1))) func escapesSentFromAnotherThreadArriveAfterTheFrame() async throws {
    let tmux = try await ProbeSession()
    #expect(await tmux.waitForReady())
    try await tmux.tmux(["set-option", "-s", "set-clipboard", "on"])
    let before = await tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
    try await tmux.sendLiteral("C")
    #expect(
      await tmux.wait { (try? await tmux.tmux(["show-buffer"])) == "probe clipboard" }, "no buffer: \(tmux.lastCapture)"
    )
    #expect(await tmux.wait { await tmux.capture().contains("last: char C") })
    let after = await tmux.capture().split(separator: "\n", omittingEmptySubsequences: false)
    #expect(after.count == before.count)
    for (index, (old, new)) in zip(before, after).enumerated() where index != 2 && index != 3 {
      #expect(old == new, "row \(index) changed: \(new)")
    }
  }

  /// With NO_COLOR the selection stays visible through reverse video; with colours it uses them.
  @Test(.timeLimit(.minutes(1))) func monochromeSelectionUsesReverse() async throws {
    let mono = try await ProbeSession(environment: ["NO_COLOR": "1"])
    #expect(await mono.waitForReady())
    #expect(mono.logLines.contains("depth monochrome"))
    let monoRow =
      await mono.capture(escapes: true).split(separator: "\n").first { $0.contains("selected") }.map(String.init) ?? ""
    #expect(monoRow.contains("\u{1B}[7m"), "\(monoRow.debugDescription)")
    let color = try await ProbeSession()
    #expect(await color.waitForReady())
    let colorRow =
      await color.capture(escapes: true).split(separator: "\n").first { $0.contains("selected") }.map(String.init) ?? ""
    #expect(colorRow.contains("48;5;21m") && !colorRow.contains("\u{1B}[7m"), "\(colorRow.debugDescription)")
  }

  /// Picture cells keep their own colours when the terminal's pairs run out: at TERM=xterm there
  /// are 64 pairs and 30 frames of the probe's picture row use every one of the 64 ink/paper
  /// mixes, so pairs of frames gone are reclaimed; the last frame must show exactly its colours.
  @Test(.timeLimit(.minutes(1))) func pictureColoursSurviveRunningOutOfPairs() async throws {
    let tmux = try await ProbeSession(environment: ["TERM": "xterm"])
    #expect(await tmux.waitForReady())
    let frames = 30
    for _ in 0..<frames { try await tmux.sendKeys("A") }
    #expect(await tmux.wait { tmux.logLines.contains("art \(frames)") })
    var row = ""
    let drawn = await tmux.wait {
      row = await tmux.capture(escapes: true).split(separator: "\n").first { $0.contains("▀") }.map(String.init) ?? ""
      return Self.pictureColors(row).count == 24 && Self.pictureColors(row) == Self.expectedColors(frame: frames)
    }
    #expect(drawn, "\(Self.pictureColors(row)) != \(Self.expectedColors(frame: frames))\n\(row.debugDescription)")
  }

  /// The probe's colours for frame `frame` (its `artColors`), as SGR numbers 30–37 / 40–47.
  static func expectedColors(frame: Int) -> [[Int]] {
    (0..<24).map { x in [30 + (x + frame) % 8, 40 + (x / 3 + 2 * frame) % 8] }
  }

  /// The ink and paper SGR numbers in force at each `▀` of a `capture-pane -e` row (tmux leaves
  /// out what does not change).
  static func pictureColors(_ row: String) -> [[Int]] {
    var (ink, paper) = (39, 49)
    var colors: [[Int]] = []
    var rest = Substring(row)
    while let index = rest.firstIndex(where: { $0 == "\u{1B}" || $0 == "▀" }) {
      if rest[index] == "▀" {
        colors.append([ink, paper])
        rest = rest[rest.index(after: index)...]
        continue
      }
      let body = rest[rest.index(after: index)...]
      guard body.first == "[", let end = body.firstIndex(where: { $0.isLetter }) else { break }
      for number in body.dropFirst()[..<end].split(separator: ";").compactMap({ Int($0) }) {
        if (30...39).contains(number) { ink = number }
        if (40...49).contains(number) { paper = number }
        if number == 0 { (ink, paper) = (39, 49) }
      }
      rest = body[body.index(after: end)...]
    }
    return colors
  }

  /// Ctrl-Z at a job-control shell gives the terminal back and really stops the process; `fg`
  /// takes it back and repaints, and keys work again.
  @Test(.timeLimit(.minutes(1))) func suspendAndResume() async throws {
    let tmux = try await ProbeSession(interactiveShell: true)
    #expect(await tmux.waitForReady(), "screen: \(tmux.lastCapture)")
    let pid = try #require(tmux.probePID)
    try await tmux.sendKeys("C-z")
    #expect(await tmux.wait { Self.processState(pid) == "T" }, "state \(Self.processState(pid) ?? "?")")
    #expect(await tmux.wait { await tmux.format("#{alternate_on}") == "0" })
    let stopped = await tmux.capture()
    #expect(!stopped.contains("┌─ probe"))
    try await tmux.sendLiteral("fg")
    try await tmux.sendKeys("Enter")
    #expect(await tmux.wait { tmux.logLines.contains("resumed") }, "screen: \(tmux.lastCapture)")
    #expect(
      await tmux.wait {
        let alternate = await tmux.format("#{alternate_on}")
        guard alternate == "1" else { return false }
        return await tmux.capture().contains("┌─ probe")
      })
    try await tmux.sendLiteral("k")
    #expect(await tmux.wait { tmux.events.last == "char k" })
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
  #expect(ProbeSession.tmuxPath != nil, "tmux is not installed")
  #expect(ProbeSession.probePath != nil, "curses-probe was not built next to the tests")
}
