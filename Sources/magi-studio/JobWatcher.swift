import FalClient
import FalProtocol

/// Follows a job on stderr: queue position as it changes, the start, every log line once.
enum JobWatcher {
  static func follow(_ client: FalQueueClient, endpoint: EndpointID, requestID: String) async throws -> QueueStatus {
    var lastState: RequestState?
    var lastPosition: Int?
    var announcedPolling = false
    for try await update in client.follow(endpoint, requestID: requestID) {
      let status = update.status
      if update.channel == .polling, !announcedPolling {
        announcedPolling = true
        Console.line("status stream unavailable; polling instead")
      }
      switch status.state {
      case .inQueue where status.queuePosition != lastPosition || lastState != .inQueue:
        Console.line("queued: position \(status.queuePosition ?? 0)")
        lastPosition = status.queuePosition
      case .inProgress where lastState != .inProgress:
        Console.line("running")
      default: break
      }
      lastState = status.state
      for entry in update.newLogs { Console.log(entry) }
      if status.isFinal {
        Console.line(status.error == nil ? "completed" : "failed: \(status.error ?? "")")
        return status
      }
    }
    throw FalClientError.malformedResponse("the status stream ended before the request completed")
  }
}
