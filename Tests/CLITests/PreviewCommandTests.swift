import Foundation
import TestSupport
import Testing

/// `magi-studio preview` against the embedded twin: the sheet in a terminal (tmux), the PNG with
/// `-o`, and the one-line errors with their exit codes.
@Suite(.serialized) struct PreviewCommandTests {
  /// A finished generation's history id.
  static func generate(_ runner: CommandRunner) async throws -> String {
    let made = try await runner.run(["generate", "--prompt", "golden wheat field", "--wait", "--json"])
    #expect(made.status == 0, "\(made.stderr)")
    let line = try #require(made.stdout.split(separator: "\n").last)
    let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    return try #require(record["id"] as? String)
  }

  @Test func writesAContactSheetPNGThatFFprobeReads() async throws {
    let runner = try CommandRunner()
    let id = try await Self.generate(runner)
    let sheet = runner.home + "/sheet.png"
    let written = try await runner.run(["preview", id, "--sheet", "4", "-o", sheet])
    #expect(written.status == 0, "\(written.stderr)")
    let probe = try await ChildProcess.run([
      "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", sheet,
    ])
    // Four 16:9 frames fitted in 320×320 (320×180), 4 pixels around and between.
    #expect(probe.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "png,\(4 * 320 + 5 * 4),\(180 + 2 * 4)")
    // One frame with --frame: the video's own size.
    let frame = try await runner.run(["preview", id, "--frame", "1", "-o", runner.home + "/frame.png"])
    #expect(frame.status == 0, "\(frame.stderr)")
    let video = try await ChildProcess.run([
      "ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", runner.home + "/frame.png",
    ])
    #expect(video.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1280,720")
  }

  @Test func printsASheetOfColouredBlocksInATerminal() async throws {
    let runner = try CommandRunner()
    let id = try await Self.generate(runner)
    var environment = runner.environment
    environment["COLORTERM"] = "truecolor"
    environment["NO_COLOR"] = nil
    environment["TERM"] = "xterm-256color"
    // The exit status through the shell, which then stays: when the pane's last process exits, Linux
    // may drop what tmux had not yet read from the pty (a busy machine lost the sheet's last rows).
    let tmux = try await TmuxSession(
      command: [
        "/bin/sh", "-c", "\"$0\" \"$@\"; echo \"exit=$?\"; exec cat", CommandRunner.binary, "preview", id,
        "--graphics", "symbols",
      ],
      environment: environment, width: 120,
      height: 40)
    defer { Task { await tmux.close() } }
    let screen = try await tmux.waitFor("exit=", timeout: .seconds(60))
    #expect(screen.contains("exit=0"), "\(screen)")
    #expect(screen.contains("0.0s"), "\(screen)")
    let coloured = try await tmux.screen(escapes: true)
    #expect(
      coloured.contains("\u{1B}[38;2;") || coloured.contains("\u{1B}[48;2;"),
      "no truecolor cells: \(coloured.prefix(400).debugDescription)")
    #expect(screen.contains(where: { "▀▄▌▐▖▗▘▝▙▚▛▜▞▟█".contains($0) }), "no block symbols")
  }

  @Test func playsToTheEndAndGivesTheCursorBack() async throws {
    let runner = try CommandRunner()
    let id = try await Self.generate(runner)
    var environment = runner.environment
    environment["COLORTERM"] = "truecolor"
    environment["TERM"] = "xterm-256color"
    let tmux = try await TmuxSession(
      command: [
        "sh", "-c", "\"$0\" preview \"$1\" --play --graphics symbols --width 40; echo rc=$?; exec cat",
        CommandRunner.binary, id,
      ], environment: environment, width: 80, height: 30)
    defer { Task { await tmux.close() } }
    // Waited for with a deadline: the shell prints the exit code once playback has ended.
    let deadline = ContinuousClock.now + .seconds(60)
    var screen = ""
    while !screen.contains("rc="), ContinuousClock.now < deadline {
      try await Task.sleep(for: .milliseconds(50))
      screen = try await tmux.screen()
    }
    #expect(screen.contains("rc=0"), "\(screen)")
    #expect(try await tmux.format("#{cursor_flag}") == "1", "the cursor is shown again")
    // 40 columns of a 16:9 video: 40 × 12 half-block cells (the last frame), the exit code below.
    let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
    let rows = lines.filter { $0.contains("▀") }
    #expect(rows.count == 12, "\(screen)")
    #expect(rows.allSatisfy { $0.count(where: { $0 == "▀" }) == 40 })
    #expect(lines.firstIndex { $0.hasPrefix("rc=") } == 12)
  }

  @Test func badInputIsOneLineWithItsExitCode() async throws {
    let runner = try CommandRunner()
    let unknown = try await runner.run(["preview", "nosuchid", "-o", runner.home + "/x.png"])
    #expect(unknown.status == 64)
    #expect(unknown.stderr.split(separator: "\n").count == 1, "\(unknown.stderr)")
    let id = try await Self.generate(runner)
    // Not a terminal (the runner's stdout is a file) and no -o.
    let noTerminal = try await runner.run(["preview", id])
    #expect(noTerminal.status == 64)
    #expect(noTerminal.stderr.contains("-o sheet.png"))
    // The video file gone.
    let show = try await runner.run(["history", "show", id, "--json"])
    let record = try #require(try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any])
    let path = try #require((record["local_file"] as? [String: Any])?["path"] as? String)
    try FileManager.default.removeItem(atPath: path)
    let missing = try await runner.run(["preview", id, "-o", runner.home + "/x.png"])
    #expect(missing.status == 66)
    #expect(missing.stderr == "magi-studio: no preview: video file is missing: \(path)\n")
    // A corrupt file in its place.
    try Data("not a video at all".utf8).write(to: URL(fileURLWithPath: path))
    let corrupt = try await runner.run(["preview", id, "-o", runner.home + "/x.png"])
    #expect(corrupt.status == 66)
    #expect(corrupt.stderr.hasPrefix("magi-studio: no preview: cannot read video \(path): "))
    #expect(corrupt.stderr.split(separator: "\n").count == 1)
    #expect(!FileManager.default.fileExists(atPath: runner.home + "/x.png"))
  }
}
