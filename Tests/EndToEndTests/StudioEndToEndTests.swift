import Foundation
import TestSupport
import Testing

/// The studio as a person uses it: the real binary in a real terminal (tmux), against the emulator.
// Serialized: each test drives a real terminal (a tmux server and a program in its pane), with
// deadlines on what the screen shows; one at a time keeps those about the program, not about
// several servers competing for two cores.
@Suite(.serialized, .timeLimit(.minutes(5))) struct StudioEndToEndTests {
  /// An isolated home with an xdg-open test double on PATH and a real PNG to start from.
  struct Home {
    let root = NSTemporaryDirectory() + "magi-e2e-\(UUID().uuidString.prefix(8))"
    var image: String { root + "/first.png" }
    var argvFile: String { root + "/xdg-open.argv" }
    var videos: String { root + "/data/magi-studio/videos" }

    init() async throws {
      try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
      try writeScript("#!/bin/sh\nprintf '%s\\n' \"$@\" > \(argvFile)\n", to: root + "/bin/xdg-open")
      let ffmpeg = try await ChildProcess.run(
        ["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", image])
      guard ffmpeg.status == 0 else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSLocalizedDescriptionKey: ffmpeg.stderr])
      }
    }

    func environment(_ extra: [String: String] = [:]) -> [String: String] {
      [
        "HOME": root, "XDG_DATA_HOME": root + "/data", "XDG_CONFIG_HOME": root + "/config",
        "XDG_CACHE_HOME": root + "/cache", "LANG": "C.UTF-8", "TERM": "xterm-256color",
        "PATH": root + "/bin:/usr/local/bin:/usr/bin:/bin", "DISPLAY": ":99", "MAGI_EMULATOR_STEP_MS": "60",
        "MAGI_EMULATOR_WORKERS": "1",
      ].merging(extra) { $1 }
    }
  }

  static var binary: String {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("magi-studio").path),
      directory.path != "/"
    {
      directory.deleteLastPathComponent()
    }
    return directory.appendingPathComponent("magi-studio").path
  }

  /// Fills the form for image-to-video with a local image and submits it.
  func submitImageToVideo(_ tmux: TmuxSession, prompt: String, image: String) async throws {
    try await tmux.waitFor("Describe the video")
    try await tmux.press("Up", "Up")  // prompt → model → mode
    try await tmux.press("Right")
    try await tmux.waitFor("Image to video")
    try await tmux.press("Down", "Down", "Enter")
    try await tmux.type(prompt)
    try await tmux.press("Down", "Enter")
    try await tmux.type(String(image.dropLast(5)))  // the last characters come from Tab completion
    try await tmux.press("Tab")
    try await tmux.waitFor(image)
    try await tmux.press("C-s")
  }

  @Test func aUserFillsTheFormWatchesTheJobFindsItInTheHistoryRerunsOpensResizesAndQuits() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(command: [Self.binary], environment: home.environment(), width: 100, height: 30)
    try await tmux.waitFor("OFFLINE")
    try await submitImageToVideo(tmux, prompt: "waves crash on rocks", image: home.image)
    // A second submit while the only worker is busy waits in the queue.
    try await tmux.waitFor("running")
    // The same request again seconds later asks first, with the price.
    try await tmux.press("C-s")
    try await tmux.waitFor("Send the same request again?")
    try await tmux.press("y")
    try await tmux.waitFor("queued")
    try await tmux.waitFor("Step 3/16")
    try await tmux.waitFor("two jobs completed") { screen in screen.components(separatedBy: "completed").count - 1 >= 2
    }
    // The history has both; re-run the newest. (Escape alone first: Escape followed at once by a
    // key is how terminals send Alt+key.)
    try await tmux.press("Escape")
    try await tmux.waitFor("the form to stop editing") { !$0.contains("Esc done") }
    try await tmux.press("3")
    try await tmux.waitFor("2 items")
    try await tmux.press("r")
    try await tmux.waitFor("Re-run ")
    try await tmux.press("y")
    try await tmux.waitFor("3 items", timeout: .seconds(60))
    // "saved": finished and downloaded (a job is "completed" a moment before its video is on disk).
    try await tmux.waitFor("the re-run to be saved", timeout: .seconds(60)) {
      $0.components(separatedBy: "saved").count - 1 >= 3
    }
    // Open: the xdg-open double gets the downloaded file as its one argument.
    try await tmux.press("o")
    try await tmux.waitFor("opened ")
    let argv = try String(contentsOfFile: home.argvFile, encoding: .utf8).split(separator: "\n")
    #expect(argv.count == 1)
    #expect(argv.first?.hasPrefix(home.videos + "/") == true)
    #expect(FileManager.default.fileExists(atPath: String(argv.first ?? "")))
    // Resize: too small shows a notice, and the studio comes back when there is room again.
    try await tmux.resize(width: 50, height: 14)
    try await tmux.waitFor("too small")
    try await tmux.resize(width: 130, height: 40)
    try await tmux.waitFor("the wide layout") {
      $0.contains("History") && $0.contains("Queue") && !$0.contains("too small")
    }
    // Quit leaves the terminal as it was.
    try await tmux.waitFor("no job running") { !$0.contains("running ") }
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
    #expect(try await tmux.alternateScreenOn() == false)
  }

  /// Frames takes digits in EDIT mode: `150` typed is what is sent and recorded. Ctrl-C while the
  /// job runs asks (as Ctrl-Q does); "n" keeps the studio and the job going.
  @Test func framesTyped150AreSentAndRecordedAndCtrlCAsksWhileTheJobRuns() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(
      command: [Self.binary], environment: home.environment(["MAGI_EMULATOR_STEP_MS": "250"]), width: 100, height: 30)
    try await tmux.waitFor("NORMAL")
    try await tmux.waitFor("Describe the video")
    try await tmux.press("Enter")
    try await tmux.waitFor("EDIT")
    try await tmux.type("a heron lands on a post")
    try await tmux.press("Escape")
    try await tmux.waitFor("NORMAL")
    try await tmux.press("Down", "Enter")  // prompt → Frames (text-to-video has no source), EDIT
    try await tmux.waitFor("EDIT")
    try await tmux.type("150")
    try await tmux.waitFor("Frames  150  6.3 s")
    try await tmux.press("C-s")
    try await tmux.waitFor("running")
    try await tmux.press("C-c")
    try await tmux.waitFor("the quit question") { $0.contains("Quit?") && $0.contains("offline twin") }
    try await tmux.press("n")
    try await tmux.waitFor("the question gone") { !$0.contains("Quit?") }
    try await tmux.waitFor("the video saved", timeout: .seconds(60)) { $0.contains("saved") }
    #expect(try await tmux.hasExited() == false)

    let lines = try String(contentsOfFile: home.root + "/data/magi-studio/history.jsonl", encoding: .utf8)
      .split(separator: "\n")
    let frames = lines.compactMap { line -> Int? in
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return (object?["input"] as? [String: Any])?["num_frames"] as? Int
    }
    #expect(!frames.isEmpty)
    #expect(frames.allSatisfy { $0 == 150 }, "\(frames)")
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }

  /// Ctrl-L repaints every cell: what another program wrote over the screen is gone.
  @Test func ctrlLRedrawsTheWholeScreen() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(command: [Self.binary], environment: home.environment(), width: 80, height: 24)
    try await tmux.waitFor("Nothing generated yet")
    let clean = try await tmux.screen()
    try "\u{1B}[2J\u{1B}[HSCRIBBLED OVER".write(
      toFile: try await tmux.format("#{pane_tty}"), atomically: false, encoding: .utf8)
    try await tmux.waitFor("SCRIBBLED OVER")
    try await tmux.press("C-l")
    try await tmux.waitFor("the screen repainted") { $0 == clean }
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }

  @Test func aJobRunningWhenTheStudioQuitsIsResumedAndFinishedByTheNextStart() async throws {
    let home = try await Home()
    let emulator = try RunningChild([Self.binary, "emulator", "--port", "0", "--workers", "1", "--step-ms", "150"])
    // Interrupted without waiting (a `defer` cannot await): a thread of its own reaps it.
    defer { emulator.interrupt() }
    let base = await emulator.stdout.lines(reaching: 1).first ?? ""
    try #require(base.hasPrefix("http://"), "\(emulator.stderr.text)")
    let environment = home.environment(["MAGI_FAL_URL": base])

    // Ctrl-C asks, as Ctrl-Q does (it used to quit at once).
    try await quitWithAJobRunningAndFinishItOnTheNextStart(
      home, environment, prompt: "the lid was closed", quitKey: "C-c",
      question: { $0.lowercased().contains("quit") && $0.contains("y") })
  }

  @Test func anOfflineJobRunningWhenTheStudioQuitsIsFinishedByTheTwinOnTheNextStart() async throws {
    let home = try await Home()
    try await quitWithAJobRunningAndFinishItOnTheNextStart(
      home, home.environment(["MAGI_EMULATOR_STEP_MS": "150"]), prompt: "the twin kept it", quitKey: "C-q",
      question: { $0.contains("offline twin") })
  }

  /// Submits a job, quits with `quitKey` while it runs (answering the question `question` knows),
  /// starts the studio again and sees the job resumed and its video on disk.
  func quitWithAJobRunningAndFinishItOnTheNextStart(
    _ home: Home, _ environment: [String: String], prompt: String, quitKey: String,
    question: (String) -> Bool
  ) async throws {
    let first = try await TmuxSession(command: [Self.binary], environment: environment, width: 100, height: 30)
    try await submitImageToVideo(first, prompt: prompt, image: home.image)
    try await first.waitFor("Step 2/16")
    try await first.press(quitKey)
    try await first.waitFor("the quit question", question)
    try await first.press("y")
    try await first.waitUntilExited()

    let second = try await TmuxSession(command: [Self.binary], environment: environment, width: 100, height: 30)
    try await second.waitFor("resuming 1 job")
    // "saved", not "completed": a job is completed a moment before its video is on disk.
    try await second.waitFor("the resumed job's video saved", timeout: .seconds(60)) { $0.contains("saved") }
    try await waitForVideo(in: home.videos, named: prompt.replacingOccurrences(of: " ", with: "-"))
    try await second.press("C-q")
    try await second.waitUntilExited()
  }

  /// Waits (bounded) until an `.mp4` whose name contains `slug` is in `directory`.
  func waitForVideo(
    in directory: String, named slug: String, sourceLocation: SourceLocation = #_sourceLocation
  ) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    var videos: [String] = []
    while ContinuousClock.now < deadline {
      videos = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
      if videos.contains(where: { $0.contains(slug) && $0.hasSuffix(".mp4") }) { return }
      try await Task.sleep(for: .milliseconds(50))
    }
    Issue.record("no video named like \(slug) in \(directory): \(videos)", sourceLocation: sourceLocation)
  }

  /// Runs `magi-studio` with `arguments` as a second shell would, in the same home; its exit status.
  func runElsewhere(_ home: Home, _ arguments: [String]) async throws -> Int32 {
    try await ChildProcess.run([Self.binary] + arguments, environment: home.environment(), directory: home.root).status
  }

  @Test func aGenerateFromAnotherShellAppearsInTheStudiosHistoryWithinASecondAndFollowsItsJob() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(command: [Self.binary], environment: home.environment(), width: 100, height: 30)
    try await tmux.waitFor("Nothing generated yet")
    // Submitted by another process (which quits at once): the studio shows it without a keystroke.
    #expect(try await runElsewhere(home, ["generate", "--prompt", "written by another shell"]) == 0)
    let submitted = Date()
    try await tmux.waitFor("the other shell's record", timeout: .seconds(5)) { $0.contains("written by another shell") }
    let seenAfter = Date().timeIntervalSince(submitted)
    #expect(seenAfter < 1.0, "seen after \(seenAfter) s")
    #expect(try await tmux.screen().contains("1 item"))
    // Nobody follows that job (its process has quit): the studio takes it up, so what it shows
    // comes from the server, and sees it through to its video: ✓ says completed, ■ that the
    // video is on disk (✓ alone comes before the download ends).
    try await tmux.waitFor("the other shell's job taken up, completed and its video saved", timeout: .seconds(30)) {
      screen in
      screen.split(separator: "\n").contains { $0.contains("written by another shell") && $0.contains("✓ ■") }
    }
    try await waitForVideo(in: home.videos, named: "written-by-another-shell")

    // A `generate --wait` elsewhere: its row moves on to completed as that process updates it.
    #expect(try await runElsewhere(home, ["generate", "--prompt", "followed by another shell", "--wait"]) == 0)
    try await tmux.waitFor("the followed job completed", timeout: .seconds(5)) { screen in
      screen.split(separator: "\n").contains { $0.contains("followed by another shell") && $0.contains("✓") }
    }
    #expect(try await tmux.screen().contains("2 items"))
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }

  /// Over ssh (no display) inside tmux with its default options, where tmux drops passthrough and
  /// ignores a plain OSC 52: `y` copies into a tmux buffer and only then says "copied" (for an
  /// offline record, its file: the twin's URL does not outlive it); `o` gives the whole scp hint and
  /// leaves the status bar as it was (no escape sequence or link label is written over the screen).
  @Test func overSSHInsideTmuxCopyMakesATmuxBufferAndOpenLeavesTheStatusBarIntact() async throws {
    let home = try await Home()
    #expect(try await runElsewhere(home, ["generate", "--prompt", "fetched over ssh", "--wait"]) == 0)
    let environment = home.environment(["SSH_CONNECTION": "10.0.0.1 50000 10.0.0.2 22", "DISPLAY": ""])
    // Wide enough for the whole hint: the file's path twice, the copy's outcome and the scp command.
    let tmux = try await TmuxSession(command: [Self.binary], environment: environment, width: 400, height: 30)
    try await tmux.waitFor("fetched over ssh")
    #expect(try await tmux.bufferNames() == [])
    try await tmux.waitFor("NORMAL mode") { $0.contains("NORMAL") }  // the studio starts in it
    try await tmux.press("3")
    try await tmux.waitFor("/ filter")
    func statusBar(_ screen: String) -> String {
      String(screen.split(separator: "\n", omittingEmptySubsequences: false).dropLast().last ?? "")
    }

    // The record ran on the offline twin, whose URL dies with it: `y` copies the video's file.
    try await tmux.press("y")
    try await tmux.waitFor("copied \(home.videos)")
    #expect(try await tmux.bufferNames().count == 1)
    let path = try await tmux.newestBuffer()
    #expect(path.hasPrefix(home.videos + "/") && path.hasSuffix(".mp4"), "\(path)")

    let before = statusBar(try await tmux.screen())
    #expect(before.contains("/ filter"), "\(before)")
    try await tmux.press("o")
    let after = try await tmux.waitFor("over ssh with no display")
    let notice = try #require(after.split(separator: "\n").first { $0.contains("over ssh with no display") })
    #expect(notice.contains("; fetch it with: scp ") && notice.contains(".mp4 ."), "the whole scp command: \(notice)")
    #expect(!notice.contains("copied the URL"), "no dead offline URL is copied: \(notice)")
    #expect(statusBar(after) == before)
    #expect(!after.contains("link") && !after.contains("52;c;") && !after.contains("Ptmux"))
    #expect(try await tmux.bufferNames().count == 1)
    try await tmux.press("C-q")
    try await tmux.waitUntilExited()
  }

  @Test func anIdleStudioUsesNoCPUOfItsOwn() async throws {
    let home = try await Home()
    let tmux = try await TmuxSession(command: [Self.binary], environment: home.environment(), width: 100, height: 30)
    try await tmux.waitFor("OFFLINE")
    try await tmux.waitFor("Nothing generated yet")
    let pid = try await tmux.panePID()
    func cpuTicks() throws -> Int {
      let fields =
        try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8).split(separator: ")").last?.split(
          separator: " ") ?? []
      // utime and stime are fields 14 and 15 of stat; after the ')' they are at 11 and 12 (0-based).
      return (Int(fields[11]) ?? 0) + (Int(fields[12]) ?? 0)
    }
    func threadWakeups(named prefix: String) throws -> Int {
      var total = 0
      for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
        let name = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8)) ?? ""
        guard name.hasPrefix(prefix) else { continue }
        let status = try String(contentsOfFile: "/proc/\(pid)/task/\(task)/status", encoding: .utf8)
        for line in status.split(separator: "\n") where line.hasPrefix("voluntary_ctxt_switches") {
          total += Int(line.split(separator: "\t").last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        }
      }
      return total
    }
    #expect(
      try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task").contains { task in
        (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/comm", encoding: .utf8))?.hasPrefix("magi-ui") == true
      }, "the UI runs on its own thread, not on one of the cooperative pool's")
    // Start-up work (history, emulator, resume) settles: wait until a 200 ms window passes with no
    // wake-up at all (or give up after 15 s and let the measurement below report what it sees).
    var settled = false
    for _ in 0..<75 where !settled {
      let before = try threadWakeups(named: "")
      try await Task.sleep(for: .milliseconds(200))
      settled = try threadWakeups(named: "") == before
    }
    let ticksBefore = try cpuTicks()
    let uiBefore = try threadWakeups(named: "magi-ui")
    let curlBefore = try threadWakeups(named: "magi-curl")
    let allBefore = try threadWakeups(named: "")
    try await Task.sleep(for: .seconds(3))  // the measurement window, not synchronisation
    // Counts, not speed: nothing in the process wakes while nothing happens, the UI and network
    // threads included (no timers: QuietExecutor keeps libdispatch's 1 s monitor from starting).
    #expect(try threadWakeups(named: "magi-ui") - uiBefore == 0)
    #expect(try threadWakeups(named: "magi-curl") - curlBefore == 0)
    #expect(try threadWakeups(named: "") - allBefore == 0, "wake-ups of all threads while idle")
    #expect(try cpuTicks() - ticksBefore <= 1, "CPU ticks (1/100 s) used while idle")
    try await tmux.press("C-q")
  }
}
