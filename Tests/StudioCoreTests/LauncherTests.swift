import Foundation
import StudioCore
import Testing

@Suite struct LauncherTests {
  /// A directory with an `xdg-open` test double that records its argv, and a video inside the data dir.
  struct Fixture {
    let root: String
    let bin: String
    let data: String
    let video: String
    let record: String

    init() throws {
      root = NSTemporaryDirectory() + "magi-launch-\(UUID().uuidString)"
      bin = root + "/bin"
      data = root + "/data"
      record = root + "/argv.txt"
      video = data + "/videos/fox-run.mp4"
      try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: data + "/videos", withIntermediateDirectories: true)
      try Data("mp4".utf8).write(to: URL(fileURLWithPath: video))
      let script = "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \(record)\n"
      try script.write(toFile: bin + "/xdg-open", atomically: true, encoding: .utf8)
      chmod(bin + "/xdg-open", 0o755)
    }

    func launcher(_ extra: [String: String]) -> Launcher {
      Launcher(environment: ["PATH": bin + ":/usr/bin:/bin"].merging(extra) { $1 }, allowedDirectories: [data])
    }

    var recordedArguments: [String]? {
      (try? String(contentsOfFile: record, encoding: .utf8)).map { $0.split(separator: "\n").map(String.init) }
    }
  }

  @Test func withADisplayXdgOpenGetsExactlyTheFileAsOneArgument() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    #expect(outcome.action == .openedFile(fixture.video), "\(outcome.message)")
    #expect(fixture.recordedArguments == [fixture.video])
  }

  /// The viewer must not inherit the spawning thread's blocked signals nor the studio's ignored ones:
  /// a player that cannot be stopped with SIGTERM, or a script whose `wait` never returns.
  @Test func theViewerStartsWithNoSignalBlockedOrIgnored() throws {
    let fixture = try Fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.root) }
    let script = "#!/bin/sh\ngrep -E '^Sig(Blk|Ign)' /proc/self/status > \(fixture.record)\n"
    try script.write(toFile: fixture.bin + "/xdg-open", atomically: true, encoding: .utf8)
    chmod(fixture.bin + "/xdg-open", 0o755)
    // As on the studio's threads: everything asynchronous blocked, SIGPIPE ignored.
    let previous = signal(SIGPIPE, SIG_IGN)
    defer { signal(SIGPIPE, previous) }
    var blocked = sigset_t()
    sigfillset(&blocked)
    var saved = sigset_t()
    pthread_sigmask(SIG_BLOCK, &blocked, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(localPath: fixture.video, url: nil))
    #expect(outcome.action == .openedFile(fixture.video), "\(outcome.message)")
    let lines = try #require(fixture.recordedArguments)
    // `grep` runs with the shell's own mask and dispositions, which it had from its spawn.
    #expect(lines.contains { $0.hasPrefix("SigBlk:") && $0.hasSuffix("0000000000000000") }, "\(lines)")
    let ignored = lines.first { $0.hasPrefix("SigIgn:") }.flatMap { UInt64($0.split(separator: "\t").last ?? "", radix: 16) }
    #expect(ignored.map { $0 & (1 << (UInt64(SIGPIPE) - 1)) == 0 } == true, "SIGPIPE ignored: \(lines)")
  }

  @Test func fileNamesWithShellCharactersAreNeverInterpreted() throws {
    let fixture = try Fixture()
    let odd = fixture.data + "/videos/a; rm -rf $HOME `x` $(y).mp4"
    try Data().write(to: URL(fileURLWithPath: odd))
    _ = fixture.launcher(["WAYLAND_DISPLAY": "wayland-0"]).open(.init(localPath: odd))
    #expect(fixture.recordedArguments == [odd])
  }

  @Test func overSSHWithoutADisplayNothingIsSpawnedAndTheURLIsCopied() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"]).open(.init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    #expect(outcome.action == .reported)
    #expect(fixture.recordedArguments == nil, "xdg-open must not run over ssh without a display")
    #expect(outcome.message.hasPrefix("over ssh with no display: file: \(fixture.video)"))
    #expect(outcome.message.contains("scp "))
    #expect(outcome.escapes.contains("\u{1B}]52;c;aHR0cHM6Ly9jZG4veC5tcDQ=\u{07}"))
    #expect(outcome.link.contains("\u{1B}]8;;https://cdn/x.mp4"))
    #expect(outcome.message.contains("asked your terminal to copy the URL (OSC 52)"))
  }

  /// The studio writes `escapes` at wherever its cursor is, over a drawn screen: they must put no
  /// character on it (the OSC 8 link's label "link" overwrote the details view's border).
  @Test func theEscapesShowNoText() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"]).open(.init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    #expect(!outcome.escapes.isEmpty)
    let visible = outcome.escapes.replacing(/\x1B\][^\x07\x1B]*(\x07|\x1B\\)/, with: "")
    #expect(visible.isEmpty, "visible text in the escapes: \(visible.debugDescription)")
  }

  /// With no terminal to write escapes to (the CLI's output is a pipe), nothing is sent and
  /// nothing is claimed: the URL is given in words instead.
  @Test func withoutATerminalNoCopyIsClaimedAndTheURLIsGiven() throws {
    let fixture = try Fixture()
    var launcher = fixture.launcher(["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"])
    launcher.escapesReachTerminal = false
    let outcome = launcher.open(.init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    #expect(outcome.action == .reported)
    #expect(outcome.escapes.isEmpty)
    #expect(!outcome.message.contains("OSC 52"), "\(outcome.message)")
    #expect(!outcome.message.contains("copied"), "\(outcome.message)")
    #expect(outcome.message.contains("URL: https://cdn/x.mp4"))
  }

  /// xdg-open, and the viewer it starts, must not inherit the key.
  @Test func theViewerGetsNoKeyInItsEnvironment() throws {
    let fixture = try Fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.root) }
    try "#!/bin/sh\nenv > \(fixture.record)\n".write(toFile: fixture.bin + "/xdg-open", atomically: true, encoding: .utf8)
    chmod(fixture.bin + "/xdg-open", 0o755)
    let outcome = fixture.launcher(["DISPLAY": ":0", "FAL_KEY": "id:secret-1", "FAL_KEY_ID": "id", "FAL_KEY_SECRET": "secret-1"])
      .open(.init(localPath: fixture.video))
    #expect(outcome.action == .openedFile(fixture.video), "\(outcome.message)")
    let environment = try #require(fixture.recordedArguments)
    #expect(environment.contains("DISPLAY=:0"), "\(environment)")
    #expect(!environment.contains { $0.hasPrefix("FAL_KEY") }, "\(environment)")
  }

  @Test func filesOutsideTheStudiosDirectoriesAreNotOpened() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(localPath: "/etc/passwd"))
    #expect(outcome.action == .reported)
    #expect(fixture.recordedArguments == nil)
  }

  @Test func onlyHttpURLsAreOpened() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(url: "file:///etc/shadow"))
    #expect(outcome.action == .reported)
    #expect(fixture.recordedArguments == nil)
    let web = fixture.launcher(["DISPLAY": ":0"]).open(.init(url: "https://cdn/v.mp4"))
    #expect(web.action == .openedURL("https://cdn/v.mp4"), "\(web.message)")
    #expect(fixture.recordedArguments == ["https://cdn/v.mp4"])
  }

  @Test func aMissingXdgOpenIsExplainedNotSilent() throws {
    let fixture = try Fixture()
    let launcher = Launcher(environment: ["PATH": "/nonexistent", "DISPLAY": ":0"], allowedDirectories: [fixture.data])
    let outcome = launcher.open(.init(localPath: fixture.video))
    #expect(outcome.message.hasPrefix("xdg-open is not installed"))
  }
}
