import FalProtocol
import FlyingFox
import FlyingSocks
import Foundation

/// The body of `GET …/requests/{id}/status/stream`: server-sent events, produced as the job changes.
///
/// Each change becomes `data: <status json>\n\n` carrying only the log lines not sent before on
/// this stream; `: ping` comments keep idle connections open; after the COMPLETED event the
/// sequence ends, so FlyingFox writes the closing chunk and the stream closes, as fal's does.
/// FlyingFox sends a body of unknown length with chunked encoding, one chunk per buffer we yield,
/// so each event reaches the client as soon as it exists.
struct StatusStream: AsyncBufferedSequence, Sendable {
  typealias Element = UInt8

  /// Raised to cut the connection mid-stream (the `dropStream` fault).
  struct Dropped: Error {}

  private let chunks: AsyncThrowingStream<[UInt8], any Error>
  private let producer: ProducerHandle

  /// Cancels the producer when the response body is dropped (client gone, server stopping).
  final class ProducerHandle: Sendable {
    let task: Task<Void, Never>
    init(_ task: Task<Void, Never>) { self.task = task }
    deinit { task.cancel() }
  }

  /// - Parameters:
  ///   - dropAfterEvents: when set, the stream fails after that many events (fault injection).
  ///   - malformed: send one event whose data is not JSON, then close (fault injection).
  init(
    queue: QueueModel, jobID: String, baseURL: String, includeLogs: Bool, keepAlive: Duration,
    clock: EmulatorClock, dropAfterEvents: Int? = nil, malformed: Bool = false, misbehaviour: Misbehaviour? = nil
  ) {
    // At most a few chunks wait for a slow reader: an endless fault must not grow the emulator.
    let (stream, continuation) = AsyncThrowingStream.makeStream(
      of: [UInt8].self, bufferingPolicy: misbehaviour == nil ? .unbounded : .bufferingOldest(4))
    chunks = stream
    let task = Task {
      if let misbehaviour {
        await Self.misbehave(misbehaviour, jobID: jobID, continuation: continuation)
        return
      }
      if malformed {
        continuation.yield(Array("data: {\"status\": \"IN_PROG\n\n".utf8))
        continuation.finish()
        return
      }
      guard let (current, updates) = await queue.watch(jobID) else {
        continuation.finish()
        return
      }
      await withTaskGroup(of: Void.self) { group in
        group.addTask {
          while !Task.isCancelled {
            do { try await clock.sleep(keepAlive) } catch { return }
            if case .terminated = continuation.yield(Array(": ping\n\n".utf8)) { return }
          }
        }
        var sentLogs = 0
        var sentEvents = 0
        var last: QueueStatus?
        func emit(_ job: Job) -> Bool {
          var newLogs: [LogEntry]? = nil
          if includeLogs {
            newLogs = Array(job.logs.dropFirst(sentLogs))
          }
          let status = job.status(baseURL: baseURL, logs: newLogs)
          // Skip events that would say nothing new (same state and position, no new lines).
          if let last, last.state == status.state, last.queuePosition == status.queuePosition,
            newLogs?.isEmpty ?? true
          {
            return false
          }
          if let dropAfterEvents, sentEvents >= dropAfterEvents {
            continuation.finish(throwing: Dropped())
            return true
          }
          sentLogs = job.logs.count
          last = status
          sentEvents += 1
          var bytes = Array("data: ".utf8)
          bytes += JSONCoding.encode(status)
          bytes += Array("\n\n".utf8)
          continuation.yield(bytes)
          if job.state == .completed {
            continuation.finish()
            return true
          }
          return false
        }
        var done = emit(current)
        if !done {
          for await job in updates {
            if emit(job) {
              done = true
              break
            }
          }
        }
        if !done {
          // The queue closed the updates (emulator stopping) without a COMPLETED event.
          continuation.finish()
        }
        group.cancelAll()
      }
    }
    producer = ProducerHandle(task)
    continuation.onTermination = { _ in task.cancel() }
  }

  /// Streams that break the protocol's limits, for fault injection.
  enum Misbehaviour: Sendable {
    case silent
    case endlessLine
    case endlessLogs
  }

  /// Produces a misbehaving stream until the client goes away.
  private static func misbehave(
    _ kind: Misbehaviour, jobID: String, continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
  ) async {
    var produced = 0
    var next: () -> [UInt8]
    switch kind {
    case .silent:
      // Headers only: wait until the client gives up (its cancellation ends this task).
      while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
      continuation.finish()
      return
    case .endlessLine:
      let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 64 << 10)
      next = {
        defer { produced += 1 }
        return produced == 0 ? Array("data: ".utf8) + filler : filler
      }
    case .endlessLogs:
      next = {
        var status = QueueStatus(state: .inProgress, requestID: jobID)
        status.logs = (0..<50).map { index in
          let number = produced * 50 + index
          return LogEntry(message: "endless line \(number)", timestamp: "2026-01-01T00:00:00.\(number)Z")
        }
        produced += 1
        return Array("data: ".utf8) + JSONCoding.encode(status) + Array("\n\n".utf8)
      }
    }
    while !Task.isCancelled {
      switch continuation.yield(next()) {
      case .terminated: return
      case .dropped:
        // The reader is behind: give it a moment instead of spinning.
        try? await Task.sleep(for: .milliseconds(1))
      default: await Task.yield()
      }
    }
    continuation.finish()
  }

  func makeAsyncIterator() -> Iterator {
    Iterator(base: chunks.makeAsyncIterator(), producer: producer)
  }

  struct Iterator: AsyncBufferedIteratorProtocol {
    var base: AsyncThrowingStream<[UInt8], any Error>.Iterator
    let producer: ProducerHandle
    var pending: ArraySlice<UInt8> = []

    mutating func next() async throws -> UInt8? {
      if pending.isEmpty {
        guard let chunk = try await base.next() else { return nil }
        pending = chunk[...]
      }
      return pending.popFirst()
    }

    mutating func nextBuffer(suggested count: Int) async throws -> ArraySlice<UInt8>? {
      if pending.isEmpty {
        guard let chunk = try await base.next() else { return nil }
        pending = chunk[...]
      }
      let size = Swift.max(1, Swift.min(count, pending.count))
      let buffer = pending.prefix(size)
      pending = pending.dropFirst(size)
      return buffer
    }
  }
}
