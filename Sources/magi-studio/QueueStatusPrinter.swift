import FalClient
import FalProtocol

/// Follows a job on stderr: queue position as it changes, the start, every log line once.
enum QueueStatusPrinter {
  /// - Parameter receipt: the submit answer, reported first so that a user always sees where the
  ///   request entered the queue, even when it starts before the first status arrives.
  static func follow(
    _ client: FalQueueClient, endpoint: EndpointID, requestID: String, receipt: QueueStatus? = nil
  ) async throws -> QueueStatus {
    var lastState: RequestState?
    var lastPosition: Int?
    if let receipt, receipt.state == .inQueue {
      Console.line("queued: position \(receipt.queuePosition ?? 0)")
      lastState = .inQueue
      lastPosition = receipt.queuePosition
    }
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
        // A failure is the caller's result to print, once.
        if status.error == nil { Console.line("completed") }
        return status
      }
    }
    throw FalClientError.malformedResponse("the status stream ended before the request completed")
  }
}
