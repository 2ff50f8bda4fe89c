import Foundation
import StudioCore
import TestSupport
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
      try writeScript(script, to: bin + "/xdg-open")
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
    #expect(outcome == .openedFile(fixture.video), "\(outcome.message)")
    #expect(fixture.recordedArguments == [fixture.video])
  }

  /// The viewer must not inherit the spawning thread's blocked signals nor the studio's ignored ones:
  /// a player that cannot be stopped with SIGTERM, or a script whose `wait` never returns.
  @Test func theViewerStartsWithNoSignalBlockedOrIgnored() throws {
    let fixture = try Fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.root) }
    let script = "#!/bin/sh\ngrep -E '^Sig(Blk|Ign)' /proc/self/status > \(fixture.record)\n"
    try writeScript(script, to: fixture.bin + "/xdg-open")
    // As on the studio's threads: everything asynchronous blocked, SIGPIPE ignored. The
    // disposition is the whole process's: it is left ignored rather than restored, so that suites
    // running alongside never see it flip back (ignored is what every test writing to a socket or
    // pipe wants anyway; ChildProcess resets it for the children it starts).
    signal(SIGPIPE, SIG_IGN)
    var blocked = sigset_t()
    sigfillset(&blocked)
    var saved = sigset_t()
    pthread_sigmask(SIG_BLOCK, &blocked, &saved)
    defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(localPath: fixture.video, url: nil))
    #expect(outcome == .openedFile(fixture.video), "\(outcome.message)")
    let lines = try #require(fixture.recordedArguments)
    // `grep` runs with the shell's own mask and dispositions, which it had from its spawn.
    #expect(lines.contains { $0.hasPrefix("SigBlk:") && $0.hasSuffix("0000000000000000") }, "\(lines)")
    let ignored = lines.first { $0.hasPrefix("SigIgn:") }.flatMap {
      UInt64($0.split(separator: "\t").last ?? "", radix: 16)
    }
    #expect(ignored.map { $0 & (1 << (UInt64(SIGPIPE) - 1)) == 0 } == true, "SIGPIPE ignored: \(lines)")
  }

  @Test func fileNamesWithShellCharactersAreNeverInterpreted() throws {
    let fixture = try Fixture()
    let odd = fixture.data + "/videos/a; rm -rf $HOME `x` $(y).mp4"
    try Data().write(to: URL(fileURLWithPath: odd))
    _ = fixture.launcher(["WAYLAND_DISPLAY": "wayland-0"]).open(.init(localPath: odd))
    #expect(fixture.recordedArguments == [odd])
  }

  /// Over ssh nothing is spawned; the report gives the file, the URL to copy and the whole scp
  /// command, and holds no escape sequence (copying and links are the terminal side's).
  @Test func overSSHWithoutADisplayNothingIsSpawnedAndTheReportSaysHowToGetIt() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"]).open(
      .init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    guard case .notOpened(let report) = outcome else {
      Issue.record("opened: \(outcome)")
      return
    }
    #expect(fixture.recordedArguments == nil, "xdg-open must not run over ssh without a display")
    #expect(report.copyURL == "https://cdn/x.mp4")
    let scp = try #require(report.scpHint)
    #expect(scp.hasPrefix("scp ") && scp.hasSuffix(":\(fixture.video) ."))
    #expect(
      report.message().hasPrefix(
        "over ssh with no display: file: \(fixture.video); URL: https://cdn/x.mp4; fetch it with: \(scp)"))
    #expect(report.message(url: "copied the URL").contains("; copied the URL; "))
    #expect(!report.message().contains("\u{1B}"))
  }

  /// Without ssh, a missing display gives no scp command (the file is on this machine).
  @Test func withoutSSHThereIsNoScpHint() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher([:]).open(.init(localPath: fixture.video, url: "https://cdn/x.mp4"))
    #expect(
      outcome
        == .notOpened(
          Launcher.Report(reason: "no graphical display", file: fixture.video, copyURL: "https://cdn/x.mp4")))
  }

  /// xdg-open, and the viewer it starts, must not inherit the key.
  @Test func theViewerGetsNoKeyInItsEnvironment() throws {
    let fixture = try Fixture()
    defer { try? FileManager.default.removeItem(atPath: fixture.root) }
    try writeScript("#!/bin/sh\nenv > \(fixture.record)\n", to: fixture.bin + "/xdg-open")
    let outcome = fixture.launcher([
      "DISPLAY": ":0", "FAL_KEY": "id:secret-1", "FAL_KEY_ID": "id", "FAL_KEY_SECRET": "secret-1",
    ])
    .open(.init(localPath: fixture.video))
    #expect(outcome == .openedFile(fixture.video), "\(outcome.message)")
    let environment = try #require(fixture.recordedArguments)
    #expect(environment.contains("DISPLAY=:0"), "\(environment)")
    #expect(!environment.contains { $0.hasPrefix("FAL_KEY") }, "\(environment)")
  }

  @Test func filesOutsideTheStudiosDirectoriesAreNotOpened() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(localPath: "/etc/passwd"))
    #expect(outcome.message.hasPrefix("not opening /etc/passwd"), "\(outcome.message)")
    #expect(fixture.recordedArguments == nil)
  }

  @Test func onlyHttpURLsAreOpened() throws {
    let fixture = try Fixture()
    let outcome = fixture.launcher(["DISPLAY": ":0"]).open(.init(url: "file:///etc/shadow"))
    #expect(outcome == .notOpened(Launcher.Report(reason: "nothing to open: no local copy and no http(s) URL")))
    #expect(fixture.recordedArguments == nil)
    let web = fixture.launcher(["DISPLAY": ":0"]).open(.init(url: "https://cdn/v.mp4"))
    #expect(web == .openedURL("https://cdn/v.mp4"), "\(web.message)")
    #expect(fixture.recordedArguments == ["https://cdn/v.mp4"])
  }

  @Test func aMissingXdgOpenIsExplainedNotSilent() throws {
    let fixture = try Fixture()
    let launcher = Launcher(environment: ["PATH": "/nonexistent", "DISPLAY": ":0"], allowedDirectories: [fixture.data])
    let outcome = launcher.open(.init(localPath: fixture.video))
    #expect(outcome.message.hasPrefix("xdg-open is not installed"))
  }
}
