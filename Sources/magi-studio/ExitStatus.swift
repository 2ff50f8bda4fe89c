import ArgumentParser
import FalClient
import FalProtocol

/// Exit codes that let a script tell why a command failed (sysexits-style numbers).
enum ExitStatus {
  static let invalidInput: Int32 = 64
  /// EX_DATAERR: the model's content policy refused the prompt or the image.
  static let contentPolicy: Int32 = 65
  /// EX_NOINPUT: nothing to preview: the record has no video, its file is missing, still
  /// downloading, or cannot be decoded.
  static let noVideo: Int32 = 66
  static let serverFailure: Int32 = 69
  /// EX_CANTCREAT: a local file or directory cannot be created (read-only, not a directory).
  static let cannotCreate: Int32 = 73
  /// EX_IOERR: writing a local file failed (disk full, I/O error).
  static let ioError: Int32 = 74
  /// A submit whose reply was lost: the job may exist on fal (and be billed). Never resent unasked.
  static let outcomeUnknown: Int32 = 75
  static let authFailure: Int32 = 77
  /// The job did not start within `--start-timeout` (the code `timeout(1)` uses): nothing ran.
  static let startTimeout: Int32 = 124
  static let cancelled: Int32 = 130

  static func code(for error: FalClientError) -> Int32 {
    switch error {
    case .invalidInput(let fields):
      fields.contains { $0.type == "content_policy_violation" } ? contentPolicy : invalidInput
    case .file, .invalidConfiguration: invalidInput
    case .unauthorized, .forbidden: authFailure
    case .startTimeout: startTimeout
    case .requestFailed(_, _, let type): code(forFailureType: type)
    case .server, .transport, .malformedResponse, .notFound: serverFailure
    case .outcomeUnknown: outcomeUnknown
    case .cancelled: cancelled
    case .local(let local): code(for: local)
    }
  }

  /// The code for a job that ended without a video, by the `error_type` it ended with.
  static func code(forFailureType type: String?) -> Int32 {
    switch FalErrorType.kind(of: type) {
    case .invalidInput: invalidInput
    case .contentPolicy: contentPolicy
    case .startTimeout: startTimeout
    case .cancelled: cancelled
    case .infrastructure, .appError: serverFailure
    }
  }

  static func code(for error: LocalFileError) -> Int32 {
    error.kind == .cannotCreate ? cannotCreate : ioError
  }
}

/// Fails a command with one clear line on stderr and the exit code for the error's kind.
struct CommandFailure: Error, CustomStringConvertible {
  var message: String
  var code: Int32
  var description: String { message }

  init(_ error: FalClientError) {
    message = error.description
    code = ExitStatus.code(for: error)
  }

  init(message: String, code: Int32) {
    self.message = message
    self.code = code
  }
}

extension AsyncParsableCommand {
  /// Runs `body`, turning failures into a message and an exit code instead of a stack of text.
  func reportingFailures(_ body: () async throws -> Void) async throws {
    do {
      try await body()
    } catch let failure as CommandFailure {
      Console.error(failure.message)
      throw ExitCode(failure.code)
    } catch let error as FalClientError {
      Console.error(error.description)
      throw ExitCode(ExitStatus.code(for: error))
    }
  }
}
