/// A question that must be answered before anything else happens: cancelling a job that costs
/// money, deleting a record, quitting with jobs running.
public struct Dialog: Sendable, Hashable {
  public enum Purpose: Sendable, Hashable {
    case cancelJob(String)
    case deleteRecord(String)
    case quit
  }

  public var purpose: Purpose
  public var title: String
  public var message: String
  /// The answers offered, as "key label" pairs, shown on the last line.
  public var answers: [(key: String, label: String)] {
    switch purpose {
    case .deleteRecord: [("y", "delete record"), ("v", "record and video file"), ("n", "keep")]
    case .cancelJob: [("y", "cancel the job"), ("n", "keep it running")]
    case .quit: [("y", "quit"), ("n", "stay")]
    }
  }

  public init(purpose: Purpose, title: String, message: String) {
    self.purpose = purpose
    self.title = title
    self.message = message
  }

  public static func == (lhs: Dialog, rhs: Dialog) -> Bool {
    lhs.purpose == rhs.purpose && lhs.title == rhs.title && lhs.message == rhs.message
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(purpose)
    hasher.combine(title)
    hasher.combine(message)
  }
}
