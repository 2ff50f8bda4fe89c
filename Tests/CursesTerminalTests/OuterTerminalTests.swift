import DedicatedThreads
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import CursesTerminal

/// A private tmux server with default options (``TmuxSession``: no config file), one pane running
/// `sleep`, and the environment a program in that pane would have (`TMUX`, `TMUX_PANE`).
private struct PrivateTmux {
  let session: TmuxSession
  let environment: [String: String]

  init() async throws {
    session = try await TmuxSession(shellCommand: "sleep 300", socketPrefix: "outer-test")
    let path = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
    environment = path.merging(try await session.paneEnvironment()) { $1 }
  }

  /// Runs a tmux command on this server from outside the pane.
  @discardableResult
  func command(_ arguments: [String]) async throws -> String { try await session.run(arguments) }
}

/// What a write closure received: the escape sequences the outer terminal was sent.
private final class Written: Sendable {
  private let sequences = Mutex<[EscapeSequence]>([])
  var all: [EscapeSequence] { sequences.withLock { $0 } }
  func append(_ sequence: EscapeSequence) { sequences.withLock { $0.append(sequence) } }
}

/// Copies and notices reach the user's terminal or say they did not: directly with OSC 52/777/9,
/// inside tmux (a real server with default options) through tmux itself. The tmux client's
/// blocking calls run on threads of their own here too (``DedicatedThread``), as in the studio.
// Serialized: each test drives a real terminal (a tmux server and a program in its pane), with
// deadlines on what the screen shows; one at a time keeps those about the program, not about
// several servers competing for two cores.
@Suite(.serialized, .timeLimit(.minutes(1))) struct OuterTerminalTests {
  static let tmuxInstalled = TmuxSession.tmuxPath != nil

  @Test func outsideTmuxACopyIsAnOSC52RequestAndNotCalledCopied() async {
    let written = Written()
    let outer = OuterTerminal(environment: ["PATH": "/usr/bin:/bin"], write: written.append)
    #expect(outer.tmux == nil)
    let outcome = await outer.copy("https://x/a.mp4")
    #expect(outcome == .askedTerminal)
    #expect(written.all == [TerminalEscapes.copyToClipboard("https://x/a.mp4")])
    #expect(!outcome.describe("the URL").hasPrefix("copied"))
    let tooLong = await outer.copy(String(repeating: "x", count: 100_000))
    #expect(tooLong == .tooLong)
    #expect(written.all.count == 1, "nothing is sent for a copy the terminal would refuse")
    #expect(tooLong.describe("it").hasPrefix("did not copy"))
    #expect(outcome.note(aboutURL: "https://x/a.mp4") == "asked your terminal to copy the URL (OSC 52)")
    #expect(
      tooLong.note(aboutURL: "https://x/a.mp4").hasPrefix("URL: https://x/a.mp4 (did not copy it: "),
      "the URL is given when not copied")
  }

  @Test func outsideTmuxANoticeIsOSC777AndOSC9() async {
    let written = Written()
    let outer = OuterTerminal(environment: [:], write: written.append)
    await outer.notify(title: "done", body: "a fox")
    outer.bell()
    #expect(written.all == [TerminalEscapes.notification(title: "done", body: "a fox"), .bell])
  }

  /// tmux 3.3 drops passthrough by default and ignores a plain OSC 52 under `set-clipboard
  /// external`: the copy goes into a tmux buffer instead, and only then is it called copied.
  @Test(.enabled(if: tmuxInstalled)) func insideTmuxACopyCreatesATmuxBuffer() async throws {
    let server = try await PrivateTmux()
    #expect(try await server.session.bufferNames() == [])
    let written = Written()
    let outer = OuterTerminal(environment: server.environment, write: written.append)
    let outcome = await outer.copy("https://cdn/fox video.mp4")
    #expect(outcome == .copiedByTmux)
    #expect(outcome.describe("the URL").hasPrefix("copied the URL"))
    #expect(try await server.session.bufferNames().count == 1)
    #expect(try await server.session.newestBuffer() == "https://cdn/fox video.mp4")
    #expect(written.all == [], "no escape sequence is sent for tmux to drop")
  }

  @Test func insideATmuxThatCannotBeReachedTheCopySaysItFailed() async {
    let outer = OuterTerminal(
      environment: ["TMUX": "/nonexistent/socket,1,0", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? ""],
      write: { _ in })
    let outcome = await outer.copy("text")
    guard case .failed(let reason) = outcome else {
      Issue.record("\(outcome)")
      return
    }
    #expect(outcome.describe("it").hasPrefix("did not copy it: "), "\(reason)")
    let noTmux = await OuterTerminal(environment: ["TMUX": "/x,1,0", "PATH": "/nonexistent"], write: { _ in }).copy("t")
    #expect(noTmux == .failed("tmux is not on PATH"))
  }

  /// With tmux's default `allow-passthrough off` a wrapped notice would vanish: tmux shows it in its
  /// status line and the bell rings instead; once passthrough is on, the notice is passed through.
  @Test(.enabled(if: tmuxInstalled)) func insideTmuxNoticesUsePassthroughOnlyWhenTmuxAllowsIt() async throws {
    let server = try await PrivateTmux()
    let tmux = try #require(Tmux(environment: server.environment))
    #expect(await !DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { tmux.allowsPassthrough() })
    let written = Written()
    let outer = OuterTerminal(environment: server.environment, write: written.append)
    await outer.notify(title: "MAGI Studio: job completed", body: "50% #{pane_id} fox")
    #expect(written.all == [.bell])
    await outer.notify(title: "t", body: "b", ring: false)
    #expect(written.all == [.bell], "no second bell when the caller rings it itself")

    // The pane's own option counts as well as the global one.
    try await server.command(["set-option", "-p", "-t", server.environment["TMUX_PANE"]!, "allow-passthrough", "on"])
    #expect(await DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { tmux.allowsPassthrough() })
    try await server.command(["set-option", "-p", "-u", "-t", server.environment["TMUX_PANE"]!, "allow-passthrough"])
    #expect(await !DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { tmux.allowsPassthrough() })
    try await server.command(["set-option", "-g", "allow-passthrough", "on"])
    #expect(await DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { tmux.allowsPassthrough() })
    await outer.notify(title: "done", body: "fox")
    #expect(written.all.last == TerminalEscapes.notification(title: "done", body: "fox").passedThroughTmux())
  }

  /// A message tmux shows is text: its `#` formats and strftime's `%` are made literal.
  @Test(.enabled(if: tmuxInstalled)) func tmuxMessagesShowTheirTextLiterally() async throws {
    let server = try await PrivateTmux()
    let text = "100% done: #{pane_id} at %Y"
    #expect(try await server.command(["display-message", "-p", Tmux.literal(text)]) == text + "\n")
    #expect(Tmux.literal("a\u{1B}]52;c;x\u{07}b").unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F })
    let tmux = try #require(Tmux(environment: server.environment))
    let shown = await DedicatedThread.complete(named: "magi-tmux", blocking: .pipe) { () -> Tmux.Failure? in
      do throws(Tmux.Failure) {
        try tmux.displayMessage(text)
        return nil
      } catch {
        return error
      }
    }
    #expect(shown == nil)
  }

  @Test func passthroughSettingsOfEveryTmuxVersionAreUnderstood() {
    #expect(Tmux.isOn("1\n") && Tmux.isOn("on") && Tmux.isOn("2") && Tmux.isOn("all"))
    #expect(!Tmux.isOn("0\n") && !Tmux.isOn("off") && !Tmux.isOn(""))
  }
}
