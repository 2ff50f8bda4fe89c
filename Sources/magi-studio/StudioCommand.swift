#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import CursesTerminal
import Foundation
import StudioCore
import StudioUI
import TerminalScreen

/// `magi-studio` with no subcommand: the full-screen studio.
///
/// A plain (synchronous) command on purpose: ncurses lives on one thread, the main one, which
/// sleeps in `poll()` between events; network and history work runs in tasks that post actions back.
struct StudioCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "studio",
    abstract: "Open the studio: the form, the live queue and the history in one screen (the default).")

  @Option(help: "Colour theme: dark, light, high-contrast, ansi16, or one of yours (default: from config.toml).")
  var theme: String?

  @Flag(help: "Do not capture the mouse (leaves the terminal's own text selection alone).")
  var noMouse = false

  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() throws {
    guard isatty(0) == 1 || FileManager.default.isReadableFile(atPath: "/dev/tty") else {
      throw CommandFailure(
        message: "the studio needs a terminal; in scripts use the subcommands (magi-studio --help)", code: 1)
    }
    let exitCode = try StudioApp.launch(
      connection: connection, store: store, themeName: theme, mouse: noMouse ? false : nil)
    if exitCode != 0 { throw ExitCode(exitCode) }
  }
}
