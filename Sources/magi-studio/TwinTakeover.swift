import FalClient
import FalEmulator

/// The transport of a session on the offline twin another process runs: when that process ends
/// (its command done, while this one still follows a job), the twin's port refuses connections.
/// This process then starts the twin itself over the same state, which listens on the port the
/// twin had (it tries that one first, so the URLs it gave out stay valid) and carries on with the
/// queue it left; the refused request is sent again: it never reached a server, so even a submit may.
final class TwinTakeover: HTTPTransport {
  private let base: any HTTPTransport
  private let configuration: EmulatorConfiguration
  private let twin = Twin()

  init(base: any HTTPTransport, configuration: EmulatorConfiguration) {
    self.base = base
    self.configuration = configuration
  }

  func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError) -> HTTPResponse {
    do {
      return try await base.execute(request, sink: sink)
    } catch {
      guard error.kind == .cannotConnect, await twin.takeOver(configuration) else { throw error }
      return try await base.execute(request, sink: sink)
    }
  }

  /// Stops the twin if this process took it over.
  func stop() async { await twin.stop() }

  /// The twin this process started, if it had to.
  private actor Twin {
    private var running: FalEmulator?

    /// Whether a twin may now listen: this process's (started now or before) or another's that
    /// took it over first.
    func takeOver(_ configuration: EmulatorConfiguration) async -> Bool {
      if running != nil { return true }
      let emulator = FalEmulator(configuration: configuration)
      do {
        _ = try await emulator.start()
        running = emulator
        return true
      } catch {
        if case .stateDirectoryInUse = error { return true }
        return false
      }
    }

    func stop() async {
      await running?.stop()
      running = nil
    }
  }
}
