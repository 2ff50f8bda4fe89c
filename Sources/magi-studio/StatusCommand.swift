import ArgumentParser
import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore

extension Session {
  /// The history record a user names (id, unique prefix, or fal request id), or nil for a request
  /// the history does not know (submitted elsewhere).
  func record(named id: String) async throws -> GenerationRecord? {
    do {
      return try await jobs.resolve(id: id)
    } catch {
      if case .unknownRecord = error { return nil }
      return try await studio { throw error }
    }
  }
}

struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show a request's state and logs, or follow it with --wait.",
    discussion:
      "Takes a history id (or a unique prefix) or a fal request id. The state comes from the server and is recorded in the history (`history show` prints what the history last knew). Following a job the history knows also records its end and downloads its video."
  )

  @OptionGroup var request: RequestOptions
  @Flag(help: "Follow the request until it completes, streaming its logs.") var wait = false
  @Flag(help: "Print the status as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, store: store, quiet: json) { session in
        if let record = try await session.record(named: request.requestID) {
          let current =
            wait
            ? try await studio { try await FollowGiveUp.follow(session, recordID: record.id) }
            : try await studio { try await session.jobs.refresh(recordID: record.id) }
          if !wait, !json { for entry in current.logs { Console.log(entry) } }
          Console.stdout(json ? GenerateCommand.jsonString(RecordJSON.object(current)) : Self.describe(current))
          return
        }
        let endpoint = try request.endpointID()
        let status: QueueStatus
        if wait {
          do {
            status = try await QueueStatusPrinter.follow(
              session.client, endpoint: endpoint, requestID: request.requestID)
          } catch let error as FalClientError where error.isTransient {
            throw FollowGiveUp.failure(error, resume: "magi-studio status \(request.requestID) --wait", recorded: false)
          }
        } else {
          status = try await session.client.status(endpoint, requestID: request.requestID, logs: true)
          if !json { for entry in status.logs ?? [] { Console.log(entry) } }
        }
        if json {
          Console.stdout(String(decoding: try JSONEncoder().encode(status), as: UTF8.self))
        } else {
          var line = status.state.rawValue
          if let position = status.queuePosition, status.state == .inQueue { line += " (position \(position))" }
          if let error = status.error { line += ": \(error)" }
          Console.stdout(line)
        }
      }
    }
  }

  static func describe(_ record: GenerationRecord) -> String {
    var line = record.status.rawValue
    if record.status == .queued, let position = record.progress.queuePosition, position >= 0 {
      line += " (position \(position))"
    }
    if record.status == .running, let done = record.progress.stepsDone, let total = record.progress.stepsTotal {
      line += " (step \(done)/\(total))"
    }
    if record.cancelRequestedAt != nil, !record.status.isFinal { line += " (cancel requested)" }
    if let failure = record.failure { line += ": \(failure.message)" }
    if let local = record.localFile { line += "\nsaved: \(local.path)" }
    if record.awaitsVideo { line += " (video not downloaded yet: magi-studio result \(record.id))" }
    return line
  }
}

struct ResultCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "result", abstract: "Fetch a completed request's output (downloading its video).")

  @OptionGroup var request: RequestOptions
  @Option(help: ArgumentHelp("Also place a copy of the video in this directory.", valueName: "dir")) var download:
    String?
  @Flag(help: "Print the output as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      if let download { try OutputDirectory.prepare(download) }
      try await Session.using(connection, store: store, quiet: json) { session in
        if let record = try await session.record(named: request.requestID) {
          let final = try await studio { try await session.jobs.follow(recordID: record.id) }
          var copy: String?
          if let download, let video = final.localFile?.path {
            // A copy (when no hard link can be made) reads the whole video: not on the task pool.
            copy = try await IOThread.run { () throws(FalClientError) in try VideoCopy.place(video, into: download) }
          }
          Console.stdout(
            GenerateCommand.jsonString(RecordJSON.object(final, extra: copy.map { ["copy": .string($0)] } ?? [:])))
          return
        }
        let endpoint = try request.endpointID()
        let result = try await session.client.result(endpoint, requestID: request.requestID)
        var object: [String: JSONValue] = ["request_id": .string(result.requestID), "output": result.output]
        if let units = result.billableUnits { object["billable_units"] = .double(units) }
        if let download, let video = result.video {
          let path = download + "/" + VideoNaming.fileName(prompt: "magi", id: result.requestID, date: Date())
          try await session.client.download(
            video.video.url, to: path, expectedSize: video.video.fileSize.map(Int64.init)
          ) { progress in
            Console.progress("downloading", progress.downloaded, progress.downloadTotal)
          }
          object["file"] = .string(path)
        }
        Console.stdout(GenerateCommand.jsonString(json ? .object(object) : result.output))
      }
    }
  }
}

struct CancelCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cancel", abstract: "Cancel a queued or running request.")

  @OptionGroup var request: RequestOptions
  @Flag(help: "Print the outcome as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, store: store, quiet: json) { session in
        if let record = try await session.record(named: request.requestID) {
          let outcome = try await studio { try await session.jobs.cancel(recordID: record.id) }
          guard outcome == .requested else {
            throw CommandFailure(message: "\(record.id) had already completed; nothing was cancelled", code: 1)
          }
          let final = try await studio { try await session.jobs.resolve(id: record.id) }
          let state = final.status.isFinal ? final.status.rawValue : "\(final.status.rawValue), cancel requested"
          if json {
            Console.stdout(
              GenerateCommand.jsonString([
                "request_id": .string(final.requestID ?? ""), "id": .string(final.id),
                "status": .string("CANCELLATION_REQUESTED"), "state": .string(final.status.rawValue),
              ]))
          } else {
            Console.stdout("CANCELLATION_REQUESTED")
            Console.line("\(final.id): \(state)")
          }
          return
        }
        let outcome = try await session.client.cancel(try request.endpointID(), requestID: request.requestID)
        guard outcome == .requested else {
          throw CommandFailure(
            message: "request \(request.requestID) had already completed; nothing was cancelled", code: 1)
        }
        let text = "CANCELLATION_REQUESTED"
        Console.stdout(
          json ? GenerateCommand.jsonString(["request_id": .string(request.requestID), "status": .string(text)]) : text)
      }
    }
  }
}

struct UploadCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "upload", abstract: "Upload a local file to fal's storage and print its URL.")

  @Argument(help: "The file to upload.") var file: String
  @Option(help: "Content type (default: from the file's contents or name).") var contentType: String?
  @Flag(help: "Print the URL as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions
  @OptionGroup var store: StoreOptions

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, store: store, quiet: json) { session in
        let url = try await session.client.upload(file: file, contentType: contentType) { progress in
          Console.progress("uploading", progress.uploaded, progress.uploadTotal)
        }
        Console.stdout(json ? GenerateCommand.jsonString(["file": .string(file), "url": .string(url)]) : url)
      }
    }
  }
}
