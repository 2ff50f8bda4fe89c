#if canImport(Glibc)
  import Glibc
#endif

/// `history.index`: saving the index beside the history, and starting an open from it.
extension HistoryStore {
  /// Saves the index as `history.index`, so that the next open parses only the lines written after
  /// now: at 100,000 records the full parse is most of the time to the studio's first complete frame.
  ///
  /// Does nothing for a small history (it opens fast anyway), while changes wait in memory (a
  /// snapshot describes the file, not memory), or when the snapshot on disk is up to date. A failure
  /// is not reported: the next open then scans the whole file, as it would without a snapshot.
  public func saveIndexSnapshot() async {
    guard pending.isEmpty else { return }
    do throws(HistoryStoreError) {
      // Exclusive: no compaction can replace the file between the checksum and the rename, and no
      // other process writes `history.index.tmp` at the same time.
      try lock(LOCK_EX)
      defer { unlock() }
      try refreshLocked()
      try saveSnapshotLocked()
    } catch {
      return
    }
  }

  /// ``saveIndexSnapshot()`` with the exclusive lock already held and the index caught up.
  func saveSnapshotLocked() throws(HistoryStoreError) {
    // Lines not yet kept aside would never be reported again by an open that starts past them.
    guard file != nil, pending.isEmpty, corruptFound.isEmpty, scannedOffset >= snapshotMinimumBytes else { return }
    let coverage = HistoryIndexSnapshot.Coverage(
      device: device, inode: inode, scannedOffset: scannedOffset, scannedLines: scannedLines, futureLines: futureLines)
    guard HistoryIndexSnapshot.coverage(at: snapshotPath) != coverage else { return }
    switch file {
    case .some(let history):
      try HistoryIndexSnapshot.save(
        index.storage, coverage: coverage, history: history, to: snapshotPath, racySeconds: racySeconds)
    case .none:
      return
    }
  }

  /// Starts the index from `history.index` when it describes the file just opened; the caller
  /// holds the shared lock and then scans whatever follows the snapshot. An unusable snapshot
  /// (damaged, stale, or in an older format) is deleted; the open then scans the whole file.
  func loadSnapshot() {
    let outcome: HistoryIndexSnapshot.Outcome
    switch file {
    case .some(let history):
      outcome = HistoryIndexSnapshot.load(from: snapshotPath, history: history, device: device, inode: inode)
      if case .loaded(_, let coverage, rehashed: true) = outcome {
        HistoryIndexSnapshot.restamp(at: snapshotPath, history: history, verified: coverage, racySeconds: racySeconds)
      }
    case .none:
      return
    }
    switch outcome {
    case .loaded(let loaded, let coverage, let rehashed):
      snapshotPrefixRehashed = rehashed
      index = loaded
      scannedOffset = coverage.scannedOffset
      scannedLines = coverage.scannedLines
      futureLines = coverage.futureLines
      indexFromSnapshot = true
      openedFromSnapshot = true
    case .unusable:
      unlink(snapshotPath)
    case .missing, .foreign:
      break
    }
  }
}
