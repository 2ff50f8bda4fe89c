import FalProtocol

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

#if canImport(Glibc)
  import Glibc
#endif

/// The in-memory index: one compact entry per live record, in creation order.
///
/// It holds what a list shows and filters on, plus where the record's latest line is, so that a
/// query never decodes a record and a `record(id:)` reads exactly one line.
///
/// Entries are plain values: ids and prompts live as byte runs in one shared buffer, and ids are
/// found through an open-addressing table over those bytes. Indexing 100,000 lines therefore
/// allocates no string per line and retains nothing; a `String` is made only for what a page shows.
struct HistoryIndex {
  /// A run of bytes in one of the index's buffers (32-bit: the buffers hold ids and prompts only).
  struct Span: Hashable {
    var start: UInt32
    var count: UInt32

    init(start: Int, count: Int) {
      self.start = UInt32(start)
      self.count = UInt32(count)
    }

    var range: Range<Int> { Int(start)..<(Int(start) + Int(count)) }
  }

  /// 64 bytes, fields ordered to pack: at 100,000 entries every byte is memory the kernel must
  /// hand over (and zero) while the history opens.
  struct Entry {
    var fields: HistoryLine.Fields
    private var lineLength: UInt32
    var id: Span
    var prompt: Span
    /// Where the latest line is; meaningless while `pending` (the change exists only in memory).
    var offset: Int64
    /// The prompt lowercased in `foldedBytes`, for case-insensitive search; made by the first text
    /// query (most opens never search, and folding 100,000 prompts is a sizeable part of an open).
    var folded: Span?
    var pending: Bool
    var removed = false

    /// The line's length without its newline.
    var length: Int {
      get { Int(lineLength) }
      set { lineLength = UInt32(newValue) }
    }

    init(fields: HistoryLine.Fields, id: Span, prompt: Span, offset: Int64, length: Int, pending: Bool) {
      self.fields = fields
      lineLength = UInt32(length)
      self.id = id
      self.prompt = prompt
      self.offset = offset
      self.pending = pending
    }
  }

  private(set) var entries: [Entry] = []
  /// Ids and prompts of the entries.
  private var bytes: [UInt8] = []
  private var foldedBytes: [UInt8] = []
  /// Open addressing with linear probing: an entry's slot, or -1. At most half full.
  private var table: [Int32] = []
  /// Slots in creation order (oldest first); nil when it must be rebuilt.
  private var order: [Int]? = []
  private var removedCount = 0
  private(set) var count = 0
  /// Bytes (newline included) of the lines that hold the latest snapshot of a live record.
  private(set) var liveBytes: Int64 = 0

  // MARK: Lookup

  func entry(_ id: String) -> Entry? {
    var id = id
    return id.withUTF8 { entry(UnsafeRawBufferPointer($0)) }
  }

  func entry(_ id: UnsafeRawBufferPointer) -> Entry? {
    guard case (_, let slot?) = find(id), !entries[slot].removed else { return nil }
    return entries[slot]
  }

  func id(of entry: Entry) -> String { string(entry.id) }

  /// The entry as a head with strings: for compaction, which rewrites every line.
  func head(of entry: Entry) -> HistoryLine.Head {
    HistoryLine.Head(fields: entry.fields, id: string(entry.id), prompt: string(entry.prompt))
  }

  func summary(_ entry: Entry) -> HistorySummary {
    let fields = entry.fields
    return HistorySummary(
      id: string(entry.id), createdAt: Timestamp.date(milliseconds: fields.created),
      updatedAt: Timestamp.date(milliseconds: fields.updated), status: fields.status, mode: fields.mode,
      model: fields.model, prompt: string(entry.prompt), isSaved: !entry.pending, awaitsVideo: fields.awaitsVideo)
  }

  private func string(_ span: Span) -> String {
    bytes.withUnsafeBytes { String(decoding: UnsafeRawBufferPointer(rebasing: $0[span.range]), as: UTF8.self) }
  }

  // MARK: Changes

  /// Makes room for `count` records, so that indexing a large file does not grow (and rehash) the
  /// table a dozen times.
  mutating func reserveCapacity(_ count: Int, bytesPerRecord: Int = 128) {
    entries.reserveCapacity(count)
    order?.reserveCapacity(count)
    bytes.reserveCapacity(count * bytesPerRecord)
    if table.count < count * 2 { rehash(capacity: count * 2) }
  }

  /// Records a line (or an in-memory change when `pending`) as the latest of its id.
  mutating func upsert(_ head: HistoryLine.Head, offset: Int64, length: Int, pending: Bool) {
    var id = head.id
    var prompt = head.prompt
    id.withUTF8 { id in
      prompt.withUTF8 { prompt in
        upsert(
          head.fields, id: UnsafeRawBufferPointer(id), prompt: UnsafeRawBufferPointer(prompt), offset: offset,
          length: length, pending: pending)
      }
    }
  }

  /// Records a line whose id and prompt are given as UTF-8 bytes (the scanner's form).
  mutating func upsert(
    _ fields: HistoryLine.Fields, id: UnsafeRawBufferPointer, prompt: UnsafeRawBufferPointer, offset: Int64,
    length: Int, pending: Bool
  ) {
    if (entries.count + 1) * 2 > table.count { rehash(capacity: max(64, table.count * 2)) }
    let (position, found) = find(id)
    guard let slot = found else {
      let slot = entries.count
      let entry = Entry(
        fields: fields, id: append(id), prompt: append(prompt), offset: offset, length: length, pending: pending)
      entries.append(entry)
      table[position] = Int32(slot)
      count += 1
      if !pending { liveBytes += Int64(length + 1) }
      if let last = order?.last, entries[last].fields.created > fields.created {
        order = nil
      } else {
        order?.append(slot)
      }
      return
    }
    var entry = entries[slot]
    if entry.removed {
      // The same id again after a delete: the entry comes back where it was.
      entry.removed = false
      removedCount -= 1
      count += 1
      order = nil
    } else if !entry.pending {
      liveBytes -= Int64(entry.length + 1)
    }
    if entry.fields.created != fields.created { order = nil }
    if !equal(entry.prompt, prompt) {
      entry.prompt = append(prompt)
      entry.folded = nil
    }
    entry.fields = fields
    entry.offset = offset
    entry.length = length
    entry.pending = pending
    entries[slot] = entry
    if !pending { liveBytes += Int64(length + 1) }
  }

  mutating func remove(_ id: String) {
    var id = id
    id.withUTF8 { remove(UnsafeRawBufferPointer($0)) }
  }

  mutating func remove(_ id: UnsafeRawBufferPointer) {
    guard case (_, let slot?) = find(id), !entries[slot].removed else { return }
    if !entries[slot].pending { liveBytes -= Int64(entries[slot].length + 1) }
    entries[slot].removed = true
    entries[slot].folded = nil
    removedCount += 1
    count -= 1
    if removedCount > 1024, removedCount > entries.count / 2 { squeeze() }
  }

  mutating func removeAll() {
    self = HistoryIndex()
  }

  // MARK: Queries

  /// The ids of every match, newest first (paging ignored): what an export streams.
  mutating func matchingIDs(_ query: HistoryQuery) -> [String] {
    let search = prepare(query)
    var ids: [String] = []
    forEachMatch(query, search) { entry in
      ids.append(string(entry.id))
      return true
    }
    return ids
  }

  mutating func query(_ query: HistoryQuery) -> HistoryPage {
    let search = prepare(query)
    let offset = max(0, query.offset)
    let limit = max(0, query.limit)
    var total = 0
    var page: [HistorySummary] = []
    forEachMatch(query, search) { entry in
      if total >= offset, page.count < limit { page.append(summary(entry)) }
      total += 1
      return true
    }
    return HistoryPage(summaries: page, totalMatches: total, offset: offset, limit: limit)
  }

  /// What a query walks: the creation order, and the folded text it searches for (every live
  /// prompt is folded first when there is one).
  private struct Search {
    var order: [Int]
    var needle: [UInt8]
  }

  private mutating func prepare(_ query: HistoryQuery) -> Search {
    let needle = Self.fold(Array((query.text?.trimmingWhitespace() ?? "").utf8))
    if !needle.isEmpty {
      for slot in entries.indices where entries[slot].folded == nil && !entries[slot].removed { fold(slot) }
    }
    return Search(order: creationOrder(), needle: needle)
  }

  /// Slots oldest first (removed ones included, to be skipped): sorted once, then kept sorted by appends.
  private mutating func creationOrder() -> [Int] {
    if order == nil {
      order = entries.indices.filter { !entries[$0].removed }.sorted {
        let (a, b) = (entries[$0].fields.created, entries[$1].fields.created)
        return a != b ? a < b : $0 < $1
      }
    }
    return order ?? []
  }

  /// Calls `body` with each live entry matching `query`'s filters, newest first, until it returns false.
  private func forEachMatch(_ query: HistoryQuery, _ search: Search, _ body: (Entry) -> Bool) {
    let statuses = query.statuses
    let modes = query.modes
    let models = query.models
    let from = query.createdFrom.map(Timestamp.milliseconds)
    let before = query.createdBefore.map(Timestamp.milliseconds)
    for slot in search.order.reversed() {
      let entry = entries[slot]
      if entry.removed { continue }
      let fields = entry.fields
      if let statuses, !statuses.contains(fields.status) { continue }
      if let modes, !modes.contains(fields.mode) { continue }
      if let models, !models.contains(fields.model) { continue }
      if let from, fields.created < from { continue }
      if let before, fields.created >= before { continue }
      if let awaiting = query.awaitingVideo, fields.awaitsVideo != awaiting { continue }
      if !search.needle.isEmpty, !contains(entry.folded ?? Span(start: 0, count: 0), search.needle) { continue }
      if !body(entry) { return }
    }
  }

  // MARK: Storage

  private mutating func append(_ text: UnsafeRawBufferPointer) -> Span {
    let span = Span(start: bytes.count, count: text.count)
    bytes.append(contentsOf: text)
    return span
  }

  private func equal(_ span: Span, _ other: UnsafeRawBufferPointer) -> Bool {
    guard Int(span.count) == other.count else { return false }
    guard span.count > 0 else { return true }
    return bytes.withUnsafeBytes { memcmp($0.baseAddress! + Int(span.start), other.baseAddress!, Int(span.count)) == 0 }
  }

  private static func hash(_ id: UnsafeRawBufferPointer) -> Int {
    var hasher = Hasher()
    hasher.combine(bytes: id)
    return hasher.finalize()
  }

  /// Where `id` is in the table (or would go), and its entry's slot if it has one.
  private func find(_ id: UnsafeRawBufferPointer) -> (position: Int, slot: Int?) {
    guard !table.isEmpty else { return (0, nil) }
    let mask = table.count - 1
    var position = Self.hash(id) & mask
    while true {
      let slot = Int(table[position])
      if slot < 0 { return (position, nil) }
      if equal(entries[slot].id, id) { return (position, slot) }
      position = (position + 1) & mask
    }
  }

  /// A table of at least `capacity` positions (a power of two) holding every entry.
  private mutating func rehash(capacity: Int) {
    var size = 64
    while size < capacity { size *= 2 }
    table = [Int32](repeating: -1, count: size)
    let mask = size - 1
    bytes.withUnsafeBytes { raw in
      for (slot, entry) in entries.enumerated() {
        var position = Self.hash(UnsafeRawBufferPointer(rebasing: raw[entry.id.range])) & mask
        while table[position] >= 0 { position = (position + 1) & mask }
        table[position] = Int32(slot)
      }
    }
  }

  /// Drops removed entries (and their bytes) so that a history with many deletes stays compact.
  private mutating func squeeze() {
    var kept: [Entry] = []
    var keptBytes: [UInt8] = []
    kept.reserveCapacity(count)
    for var entry in entries where !entry.removed {
      for span in [\Entry.id, \Entry.prompt] {
        let old = entry[keyPath: span]
        entry[keyPath: span] = Span(start: keptBytes.count, count: Int(old.count))
        keptBytes.append(contentsOf: bytes[old.range])
      }
      entry.folded = nil
      kept.append(entry)
    }
    entries = kept
    bytes = keptBytes
    foldedBytes = []
    removedCount = 0
    order = nil
    rehash(capacity: max(64, entries.count * 2))
  }

  // MARK: Snapshots

  /// The index's plain-value storage, as ``HistoryIndexSnapshot`` writes and reads it. The hash table
  /// is left out (its `Hasher` seed differs in every process) and so is the folded-prompt cache.
  struct Storage {
    var entries: [Entry]
    var bytes: [UInt8]
    var order: [Int]?
    var removedCount: Int
    var count: Int
    var liveBytes: Int64
  }

  /// The storage with every folded span cleared: the folded bytes are not part of a snapshot.
  var storage: Storage {
    var entries = entries
    for slot in entries.indices { entries[slot].folded = nil }
    return Storage(
      entries: entries, bytes: bytes, order: order, removedCount: removedCount, count: count, liveBytes: liveBytes)
  }

  init() {}

  /// An index over `storage`, which the caller has checked (spans inside `bytes`, order slots inside
  /// `entries`); only the table is rebuilt.
  init(restoring storage: Storage) {
    entries = storage.entries
    bytes = storage.bytes
    order = storage.order
    removedCount = storage.removedCount
    count = storage.count
    liveBytes = storage.liveBytes
    rehash(capacity: max(64, entries.count * 2))
  }

  // MARK: Text search

  private mutating func fold(_ slot: Int) {
    let prompt = entries[slot].prompt
    let folded = Self.fold(Array(bytes[prompt.range]))
    entries[slot].folded = Span(start: foldedBytes.count, count: folded.count)
    foldedBytes.append(contentsOf: folded)
  }

  static func fold(_ text: [UInt8]) -> [UInt8] {
    // ASCII-only text (the usual prompt) folds without the Unicode tables.
    if text.allSatisfy({ $0 < 0x80 }) {
      return text.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
    }
    return Array(String(decoding: text, as: UTF8.self).lowercased().utf8)
  }

  /// Byte substring search in a folded prompt: `memchr` for the first byte, then compare.
  private func contains(_ span: Span, _ needle: [UInt8]) -> Bool {
    foldedBytes.withUnsafeBytes { folded in
      Self.contains(UnsafeRawBufferPointer(rebasing: folded[span.range]), needle)
    }
  }

  static func contains(_ hay: UnsafeRawBufferPointer, _ needle: [UInt8]) -> Bool {
    guard needle.count <= hay.count else { return false }
    return needle.withUnsafeBytes { pin in
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
