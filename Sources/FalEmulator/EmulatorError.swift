/// Why the emulator could not start.
public enum EmulatorError: Error, Sendable, CustomStringConvertible {
  /// The data directory could not be created or written.
  case dataDirectory(String)
  /// The listener could not bind or did not come up.
  case listen(String)
  /// ``FalEmulator/start()`` was called on a running emulator.
  case alreadyRunning

  public var description: String {
    switch self {
    case .dataDirectory(let reason): "emulator data directory: \(reason)"
    case .listen(let reason): "emulator could not listen: \(reason)"
    case .alreadyRunning: "emulator is already running"
    }
  }
}
