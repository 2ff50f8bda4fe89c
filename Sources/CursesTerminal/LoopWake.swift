/// Which sources woke ``TerminalLoop/wait(timeout:)``.
public struct LoopWake: OptionSet, Sendable, Hashable {
  public let rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }

  /// The terminal has input: call ``CursesTerminal/readEvents()``.
  public static let input = LoopWake(rawValue: 1 << 0)
  /// ``WakeSignal/wake()`` was called: drain the app's inbox.
  public static let wake = LoopWake(rawValue: 1 << 1)
  /// A signal arrived: call ``TerminalLoop/handleSignals()``.
  public static let signal = LoopWake(rawValue: 1 << 2)
  /// The terminal hung up (window closed, ssh dropped): quit without drawing.
  public static let hangup = LoopWake(rawValue: 1 << 3)
  /// The requested timeout passed with nothing else happening.
  public static let timeout = LoopWake(rawValue: 1 << 4)
}
