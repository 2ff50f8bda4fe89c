import Foundation
import Testing

@testable import FalEmulator

@Suite struct StartTests {
  @Test("a port already in use fails start() at once with the bind error, not after a timeout")
  func portInUse() async throws {
    try await withEmulator { _, base in
      let port = try #require(base.split(separator: ":").last.flatMap { UInt16($0) })
      let second = FalEmulator(configuration: EmulatorConfiguration(port: port))
      let started = ContinuousClock.now
      do {
        let url = try await second.start()
        Issue.record("a second emulator started on the same port: \(url)")
      } catch let error as EmulatorError {
        if case .listen(let reason) = error {
          #expect(!reason.contains("timed out"))
        } else {
          Issue.record("unexpected error: \(error)")
        }
      }
      await second.stop()
      // Real time, as the user waits it: the bind error is the check that matters; the bound only
      // catches a start that waited out a timeout, and leaves seconds for a loaded machine.
      #expect(ContinuousClock.now - started < .seconds(5))
    }
  }
}
