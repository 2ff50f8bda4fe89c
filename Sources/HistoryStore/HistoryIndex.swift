#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import FalProtocol

#if canImport(Glibc)
  import Glibc
#endif

/// The in-memory index: one compact entry per live record, in creation order.
///
/// It holds what a list shows and filters on, plus where the record's latest line is, so that a
/// query never decodes a record and a `record(id:)` reads exactly one line.
struct HistoryIndex {
  struct Entry {
    var head: HistoryLine.Head
    /// The prompt lowercased, as UTF-8, for case-insensitive search; made by the first text query
    /// (most opens never search, and folding 100,000 prompts is a sizeable part of an open).
    var folded: [UInt8]?
    /// Where the latest line is; nil while the latest change exists only in memory.
    var offset: Int64
    var length: Int
    var pending: Bool
    var removed = false
  }

  private(set) var entries: [Entry] = []
  private var slots: [String: Int] = [:]
  /// Slots in creation order (oldest first); nil when it must be rebuilt.
  private var order: [Int]? = []
  private var removedCount = 0
  /// Bytes (newline included) of the lines that hold the latest snapshot of a live record.
  private(set) var liveBytes: Int64 = 0

  var count: Int { slots.count }

  func entry(_ id: String) -> Entry? {
    slots[id].map { entries[$0] }
  }

  /// Makes room for `count` records, so that indexing a large file does not grow (and rehash) the
  /// id table a dozen times.
  mutating func reserveCapacity(_ count: Int) {
    entries.reserveCapacity(count)
    slots.reserveCapacity(count)
    order?.reserveCapacity(count)
  }

  /// Records a line (or an in-memory change when `pending`) as the latest of its id.
  mutating func upsert(_ head: HistoryLine.Head, offset: Int64, length: Int, pending: Bool) {
    // One hash of the id for both the lookup and the insert: the table's slot is claimed in place.
    let newSlot = entries.count
    func claim(_ value: inout Int) -> Int {
      if value < 0 { value = newSlot }
      return value
    }
    let slot = claim(&slots[head.id, default: -1])
    if slot != newSlot {
      var entry = entries[slot]
      if !entry.pending { liveBytes -= Int64(entry.length + 1) }
      if entry.head.created != head.created { order = nil }
      if entry.head.prompt != head.prompt { entry.folded = nil }
      entry.head = head
      entry.offset = offset
      entry.length = length
      entry.pending = pending
      entries[slot] = entry
    } else {
      entries.append(
        Entry(head: head, folded: nil, offset: offset, length: length, pending: pending))
      if let last = order?.last, entries[last].head.created > head.created {
        order = nil
      } else {
        order?.append(slot)
      }
    }
    if !pending { liveBytes += Int64(length + 1) }
  }

  mutating func remove(_ id: String) {
    guard let slot = slots.removeValue(forKey: id) else { return }
    if !entries[slot].pending { liveBytes -= Int64(entries[slot].length + 1) }
    entries[slot].removed = true
    entries[slot].folded = nil
    removedCount += 1
    if removedCount > 1024, removedCount > entries.count / 2 { squeeze() }
  }

  mutating func removeAll() {
    self = HistoryIndex()
  }

  /// Slots oldest first (removed ones included, to be skipped): sorted once, then kept sorted by appends.
  private mutating func creationOrder() -> [Int] {
    if order == nil {
      order = entries.indices.filter { !entries[$0].removed }.sorted {
        let (a, b) = (entries[$0].head, entries[$1].head)
        return a.created != b.created ? a.created < b.created : $0 < $1
      }
    }
    return order ?? []
  }

  /// The ids of every match, newest first (paging ignored): what an export streams.
  mutating func matchingIDs(_ query: HistoryQuery) -> [String] {
    var ids: [String] = []
    forEachMatch(query) { entry in
      ids.append(entry.head.id)
      return true
    }
    return ids
  }

  mutating func query(_ query: HistoryQuery) -> HistoryPage {
    let offset = max(0, query.offset)
    let limit = max(0, query.limit)
    var total = 0
    var page: [HistorySummary] = []
    forEachMatch(query) { entry in
      if total >= offset, page.count < limit { page.append(Self.summary(entry)) }
      total += 1
      return true
    }
    return HistoryPage(summaries: page, totalMatches: total, offset: offset, limit: limit)
  }

  /// Calls `body` with each live entry matching `query`'s filters, newest first, until it returns false.
  private mutating func forEachMatch(_ query: HistoryQuery, _ body: (Entry) -> Bool) {
    let needle = Self.fold(query.text?.trimmingWhitespace() ?? "")
    let statuses = query.statuses
    let modes = query.modes
    let from = query.createdFrom.map(Timestamp.milliseconds)
    let before = query.createdBefore.map(Timestamp.milliseconds)
    for slot in creationOrder().reversed() {
      if !needle.isEmpty, entries[slot].folded == nil, !entries[slot].removed {
        entries[slot].folded = Self.fold(entries[slot].head.prompt)
      }
      let entry = entries[slot]
      if entry.removed { continue }
      if let statuses, !statuses.contains(entry.head.status) { continue }
      if let modes, !modes.contains(entry.head.mode) { continue }
      if let from, entry.head.created < from { continue }
      if let before, entry.head.created >= before { continue }
      if !needle.isEmpty, !Self.contains(entry.folded ?? [], needle) { continue }
      if !body(entry) { return }
    }
  }

  static func summary(_ entry: Entry) -> HistorySummary {
    HistorySummary(
      id: entry.head.id, createdAt: Timestamp.date(milliseconds: entry.head.created),
      updatedAt: Timestamp.date(milliseconds: entry.head.updated), status: entry.head.status,
      mode: entry.head.mode, model: entry.head.model, prompt: entry.head.prompt, isSaved: !entry.pending)
  }

  /// Drops removed entries so that a history with many deletes stays compact.
  private mutating func squeeze() {
    let live = entries.filter { !$0.removed }
    entries = live
    slots = Dictionary(uniqueKeysWithValues: live.enumerated().map { ($1.head.id, $0) })
    removedCount = 0
    order = nil
  }

  static func fold(_ text: String) -> [UInt8] {
    // ASCII-only text (the usual prompt) folds without the Unicode tables.
    if text.utf8.allSatisfy({ $0 < 0x80 }) {
      return text.utf8.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }
    return Array(text.lowercased().utf8)
  }

  /// Byte substring search: `memchr` for the first byte, then compare.
  static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
    guard needle.count <= haystack.count else { return false }
    return haystack.withUnsafeBytes { hay in
      needle.withUnsafeBytes { pin in
        guard let hayBase = hay.baseAddress, let pinBase = pin.baseAddress else { return needle.isEmpty }
        let first = Int32(pin[0])
        var start = 0
        let lastStart = hay.count - pin.count
        while start <= lastStart {
          guard let found = memchr(hayBase + start, first, lastStart - start + 1) else { return false }
          let position = hayBase.distance(to: UnsafeRawPointer(found))
          if memcmp(hayBase + position, pinBase, pin.count) == 0 { return true }
          start = position + 1
        }
        return false
      }
    }
  }
}
