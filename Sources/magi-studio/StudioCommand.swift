import ArgumentParser
import CursesTerminal
import Foundation
import StudioCore
import StudioUI
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// `magi-studio` with no subcommand: the full-screen studio.
///
/// ncurses lives on one thread of its own (`magi-ui`), which sleeps in `poll()` between events;
/// network and history work runs in tasks that post actions back. The UI never blocks a thread of
/// Swift's cooperative pool (two threads on a 2-core machine).
struct StudioCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "studio",
    abstract: "Open the studio: the form, the live queue and the history in one screen (the default).")

  @Option(help: "Colour theme: dark, light, high-contrast, ansi16, or one of yours (default: from config.toml).")
  var theme: String?

  @Flag(help: "Do not capture the mouse (leaves the terminal's own text selection alone).")
  var noMouse = false

  @Option(
    help: ArgumentHelp(
      "Video previews: auto, kitty, iterm, sixel, symbols or none (default: from config.toml).", valueName: "mode"))
  var graphics: String?

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      guard isatty(0) == 1 || FileManager.default.isReadableFile(atPath: "/dev/tty") else {
        throw CommandFailure(
          message: "the studio needs a terminal; in scripts use the subcommands (magi-studio --help)", code: 1)
      }
      if let graphics, !StudioConfig.graphicsModes.contains(graphics.lowercased()) {
        throw ValidationError("--graphics must be one of \(StudioConfig.graphicsModes.joined(separator: ", "))")
      }
      let (connection, store, theme, mouse, graphics) = (
        connection, store, theme, noMouse ? false : nil as Bool?, graphics
      )
      let outcome: Result<Int32, any Error> = await withCheckedContinuation { continuation in
        let thread = Thread {
          // Named so that tools (top -H, /proc) show which thread is the UI; Foundation's
          // Thread.name does not reach the OS thread name on Linux.
          try? "magi-ui".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
          do {
            continuation.resume(
              returning: .success(
                try StudioStartup.launch(
                  connection: connection, store: store, themeName: theme, mouse: mouse, graphics: graphics)))
          } catch {
            continuation.resume(returning: .failure(error))
          }
        }
        thread.start()
      }
      let exitCode = try outcome.get()
      if exitCode != 0 { throw ExitCode(exitCode) }
    }
  }
}
