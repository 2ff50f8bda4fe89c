/// First in, first out, with amortised O(1) pops: popped slots are dropped in batches rather than
/// shifting the array on every pop.
struct FIFO<Element> {
  private var storage: [Element] = []
  private var head = 0

  var isEmpty: Bool { head == storage.count }
  var count: Int { storage.count - head }

  mutating func append(_ element: Element) {
    storage.append(element)
  }

  mutating func popFirst() -> Element? {
    guard head < storage.count else { return nil }
    let element = storage[head]
    head += 1
    if head == storage.count {
      storage.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 64, head * 2 >= storage.count {
      storage.removeFirst(head)
      head = 0
    }
    return element
  }
}

/// A binary min-heap of elements keyed by a deadline in nanoseconds; equal deadlines come out in
/// the order they went in.
struct DeadlineHeap<Element> {
  private struct Entry {
    var deadline: UInt64
    var order: UInt64
    var element: Element

    func precedes(_ other: Entry) -> Bool {
      deadline != other.deadline ? deadline < other.deadline : order < other.order
    }
  }

  private var entries: [Entry] = []
  private var nextOrder: UInt64 = 0

  var isEmpty: Bool { entries.isEmpty }
  var count: Int { entries.count }
  /// The earliest deadline, if any.
  var earliest: UInt64? { entries.first?.deadline }

  mutating func insert(_ element: Element, deadline: UInt64) {
    entries.append(Entry(deadline: deadline, order: nextOrder, element: element))
    nextOrder &+= 1
    var child = entries.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard entries[child].precedes(entries[parent]) else { break }
      entries.swapAt(child, parent)
      child = parent
    }
  }

  /// Removes and returns the earliest element if its deadline is at or before `now`.
  mutating func popDue(now: UInt64) -> Element? {
    guard let first = entries.first, first.deadline <= now else { return nil }
    let last = entries.removeLast()
    guard !entries.isEmpty else { return first.element }
    entries[0] = last
    var parent = 0
    while true {
      let left = 2 * parent + 1
      let right = left + 1
      var smallest = parent
      if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
      if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
      if smallest == parent { break }
      entries.swapAt(parent, smallest)
      parent = smallest
    }
    return first.element
  }
}
