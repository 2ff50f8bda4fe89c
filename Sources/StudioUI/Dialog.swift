import FalProtocol
import HistoryModel

/// A question that must be answered before anything else happens: cancelling a job that costs
/// money, deleting a record, quitting with jobs running.
public struct Dialog: Sendable, Hashable {
  public enum Purpose: Sendable, Hashable {
    case cancelJob(String)
    /// Several jobs at once: `cancel all` from the palette, or the marked history rows (Space).
    case cancelJobs([String])
    case deleteRecord(String)
    /// Several marked rows at once (Space).
    case deleteRecords([String])
    case rerunRecords([String])
    /// A compare's other videos: files deleted, records kept.
    case discardVideos([String])
    case quit
    /// The form's request again, seconds after it was sent: more often a slip than a wish to pay twice.
    case submit(MagiRequest, source: MediaInput?, parentID: String?)
    /// A history record sent again as it was (one key, `r`, spends money).
    case rerun(String, MagiRequest, parentID: String?, webhook: String?)
    /// The form's variations: several jobs, one question.
    case submitBatch(BatchSubmission)
    /// `r` on a batch row: its failed jobs (y), or all of them (v), sent again as a new batch.
    case rerunBatch(failed: [String], all: [String])
  }

  public var purpose: Purpose
  public var title: String
  public var message: String
  /// The answers offered, as "key label" pairs, shown on the last line.
  public var answers: [(key: String, label: String)] {
    switch purpose {
    case .deleteRecord: [("y", "delete record"), ("v", "record and video file"), ("n", "keep")]
    case .cancelJob: [("y", "cancel the job"), ("n", "keep it running")]
    case .cancelJobs: [("y", "cancel them"), ("n", "keep them running")]
    case .submit, .rerun: [("y", "submit and pay"), ("n", "do not send")]
    case .deleteRecords: [("y", "delete records"), ("v", "records and video files"), ("n", "keep")]
    case .rerunRecords: [("y", "re-run them"), ("n", "no")]
    case .discardVideos: [("y", "delete the files"), ("n", "keep them")]
    case .submitBatch: [("y", "submit them"), ("n", "do not send")]
    case .rerunBatch(let failed, let all) where failed.isEmpty: [("y", "re-run all \(all.count)"), ("n", "no")]
    case .rerunBatch(let failed, let all):
      [("y", "re-run the \(failed.count) failed"), ("v", "all \(all.count)"), ("n", "no")]
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

extension Dialog {
  /// The question before quitting with jobs unfinished, saying what becomes of them, which
  /// depends on where they run.
  ///
  /// - Parameter online: the jobs run on fal (or another server), which keeps running them; else
  ///   they run in the offline twin, whose queue is kept in the data directory and whose clock
  ///   keeps counting while the studio is closed.
  /// - Returns: nil when nothing is unfinished.
  static func quit(jobs: [GenerationRecord], online: Bool, unsentBatchJobs unsent: Int = 0) -> Dialog? {
    let submitting = jobs.filter { $0.status == .submitting }.count
    let active = jobs.filter { !$0.status.isFinal && $0.status != .submitting }.count
    guard submitting + active + unsent > 0 else { return nil }
    func count(_ number: Int) -> String { "\(number) job\(number == 1 ? "" : "s")" }
    var sentences: [String] = []
    if active > 0 {
      let verb = active == 1 ? "is" : "are"
      if online {
        sentences.append(
          "\(count(active)) \(verb) still queued or running on the server, which keeps running them while the studio is closed. The studio follows them again and downloads their videos when it next starts."
        )
      } else {
        sentences.append(
          "\(count(active)) \(verb) still queued or running in the offline twin, which keeps its queue in the data directory and its clock running while the studio is closed: when the studio next starts offline, each job carries on from where that time has brought it, or finishes at once, and its video is downloaded."
        )
      }
    }
    if submitting > 0 {
      sentences.append(
        "\(count(submitting)) \(submitting == 1 ? "is" : "are") still being submitted; if you quit now, whether the server took \(submitting == 1 ? "it" : "them") stays unknown."
      )
    }
    if unsent > 0 {
      // Not recorded yet: the next start has nothing to pick them up from.
      sentences.append(
        "\(count(unsent)) of a batch \(unsent == 1 ? "is" : "are") not sent yet; if you quit now, \(unsent == 1 ? "it is" : "they are") dropped (nothing was recorded or paid for \(unsent == 1 ? "it" : "them")) and the next start does not send \(unsent == 1 ? "it" : "them")."
      )
    }
    return Dialog(purpose: .quit, title: "Quit?", message: sentences.joined(separator: " "))
  }
}
