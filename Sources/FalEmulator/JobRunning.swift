/// What a simulated runner does with a request it picked up. The queue owns scheduling; the
/// runner owns the app's behaviour (validation, steps, output), reporting back through the queue.
protocol JobRunning: Sendable {
  /// Runs `job` to the end and calls ``QueueModel/finish(_:with:)`` exactly once.
  func run(_ job: Job, worker: Int, on queue: QueueModel) async
}
