import FalClient
import HistoryStore
import StudioCore

/// A command that follows a job gives up when the server stays out of reach; the job itself may
/// still run on fal. The failure then says how to pick it up again instead of leaving the user to
/// guess (the studio never gives up: it keeps retrying).
enum FollowGiveUp {
  /// Follows a recorded job; a lost connection ends with the commands that resume it.
  static func follow(_ session: Session, recordID: String) async throws -> GenerationRecord {
    do {
      return try await session.jobs.follow(recordID: recordID)
    } catch {
      if case .client(let client) = error, client.isTransient {
        throw failure(client, resume: "magi-studio resume` or `magi-studio status \(recordID) --wait", recorded: true)
      }
      throw error
    }
  }

  /// The failure for a follow that gave up on `error`.
  static func failure(_ error: FalClientError, resume: String, recorded: Bool) -> CommandFailure {
    let state =
      recorded ? "the job is in the history and may still be running on fal" : "the job may still be running on fal"
    return CommandFailure(
      message: "gave up following: \(error.description); \(state). When the connection is back, run `\(resume)`",
      code: ExitStatus.code(for: error))
  }
}
