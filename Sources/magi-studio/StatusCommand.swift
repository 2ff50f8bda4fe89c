import ArgumentParser
import FalClient
import FalProtocol
import Foundation

struct StatusCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status", abstract: "Show a request's state and logs, or follow it with --wait.")

  @OptionGroup var request: RequestOptions
  @Flag(help: "Follow the request until it completes, streaming its logs.") var wait = false
  @Flag(help: "Print the status as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await reportingFailures {
      let endpoint = try request.endpointID()
      try await Session.using(connection, quiet: json) { session in
        let status: QueueStatus
        if wait {
          status = try await JobWatcher.follow(session.client, endpoint: endpoint, requestID: request.requestID)
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
}

struct ResultCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "result", abstract: "Fetch a completed request's output (and download its video).")

  @OptionGroup var request: RequestOptions
  @Option(help: ArgumentHelp("Download the video into this directory.", valueName: "dir")) var download: String?
  @Flag(help: "Print the output as JSON on stdout (it is JSON anyway; this adds billing and file).") var json = false
  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await reportingFailures {
      let endpoint = try request.endpointID()
      if let download { try OutputDirectory.prepare(download) }
      try await Session.using(connection, quiet: json) { session in
        let result = try await session.client.result(endpoint, requestID: request.requestID)
        var object: [String: JSONValue] = ["request_id": .string(result.requestID), "output": result.output]
        if let units = result.billableUnits { object["billable_units"] = .double(units) }
        if let download, let video = result.video {
          object["file"] = .string(
            try await VideoDownload.save(video, from: session.client, into: download, prompt: "magi", requestID: result.requestID))
        }
        Console.stdout(GenerateCommand.jsonString(json ? .object(object) : result.output))
        if !json, let file = object["file"]?.stringValue { Console.line("saved: \(file)") }
      }
    }
  }
}

struct CancelCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a queued or running request.")

  @OptionGroup var request: RequestOptions
  @Flag(help: "Print the outcome as JSON on stdout.") var json = false
  @OptionGroup var connection: ConnectionOptions

  func run() async throws {
    try await reportingFailures {
      let endpoint = try request.endpointID()
      try await Session.using(connection, quiet: json) { session in
        let outcome = try await session.client.cancel(endpoint, requestID: request.requestID)
        let text = outcome == .requested ? "CANCELLATION_REQUESTED" : "ALREADY_COMPLETED"
        Console.stdout(json ? GenerateCommand.jsonString(["request_id": .string(request.requestID), "status": .string(text)]) : text)
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

  func run() async throws {
    try await reportingFailures {
      try await Session.using(connection, quiet: json) { session in
        let url = try await session.client.upload(file: file, contentType: contentType) { progress in
          Console.progress("uploading", progress.uploaded, progress.uploadTotal)
        }
        Console.stdout(json ? GenerateCommand.jsonString(["file": .string(file), "url": .string(url)]) : url)
      }
    }
  }
}
