/// Why the emulator could not start.
public enum EmulatorError: Error, Sendable, CustomStringConvertible {
  /// The data directory could not be created or written.
  case dataDirectory(String)
  /// The listener could not bind or did not come up.
  case listen(String)
  /// ``FalEmulator/start()`` was called on a running emulator.
  case alreadyRunning
  /// Another running twin owns this state directory (see ``EmulatorConfiguration/stateDirectory``).
  case stateDirectoryInUse(String)

  public var description: String {
    switch self {
    case .dataDirectory(let reason): "emulator data directory: \(reason)"
    case .listen(let reason): "emulator could not listen: \(reason)"
    case .alreadyRunning: "emulator is already running"
    case .stateDirectoryInUse(let path): "another running emulator keeps its state in \(path)"
    }
  }
}
