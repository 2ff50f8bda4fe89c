/// Byte counts of a transfer in flight; totals are 0 while unknown.
///
/// A plain value every layer shares (the transport reports it, jobs forward it, the queue view draws
/// it), so it lives with the other wire models rather than in the client.
public struct TransferProgress: Sendable, Hashable {
  public var uploaded: Int64
  public var uploadTotal: Int64
  public var downloaded: Int64
  public var downloadTotal: Int64

  public init(uploaded: Int64 = 0, uploadTotal: Int64 = 0, downloaded: Int64 = 0, downloadTotal: Int64 = 0) {
    self.uploaded = uploaded
    self.uploadTotal = uploadTotal
    self.downloaded = downloaded
    self.downloadTotal = downloadTotal
  }
}
