import FalClient
import FalProtocol
import Foundation
import HistoryStore
import StudioCore

/// The JSON a script gets: a history record exactly as the history file holds it, dates included
/// (ISO 8601 UTC to the millisecond, as `history export` prints them), whichever command prints it.
enum RecordJSON {
  static func object(_ record: GenerationRecord, extra: [String: JSONValue] = [:]) -> JSONValue {
    guard let data = try? encoder.encode(record), case .object(var object)? = try? JSONValue.decode(data) else {
      return .object(extra)
    }
    for (key, value) in extra { object[key] = value }
    return .object(object)
  }

  /// Dates as the history file writes them; Foundation's default would print seconds since 2001.
  private static var encoder: JSONEncoder {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .custom { date, encoder in
      var container = encoder.singleValueContainer()
      try container.encode(Timestamp.format(date))
    }
    return encoder
  }
}

/// Maps the studio's errors to a one-line message and an exit code.
func studio<T>(_ body: () async throws -> T) async throws -> T {
  do {
    return try await body()
  } catch let error as StudioError {
    switch error {
    case .client(let client): throw CommandFailure(client)
    case .history(let history): throw CommandFailure(message: history.description, code: 1)
    case .unknownRecord, .ambiguousRecord:
      throw CommandFailure(message: error.description, code: ExitStatus.invalidInput)
    case .notResumable: throw CommandFailure(message: error.description, code: ExitStatus.serverFailure)
    case .busy: throw CommandFailure(message: error.description, code: ExitStatus.serverFailure)
    case .outcomeUnknown: throw CommandFailure(message: error.description, code: ExitStatus.outcomeUnknown)
    case .alreadyFinished: throw CommandFailure(message: error.description, code: 1)
    }
  }
}
