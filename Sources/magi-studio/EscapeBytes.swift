/// Terminal output built byte by byte, its room checked once per cell instead of once per byte:
/// a playback frame is ~90 kB, most of it the decimal colour components of an SGR per cell, and
/// `Array.append`'s uniqueness and capacity checks on each of those bytes were the CLI's largest
/// cost after the terminal itself (docs/PERFORMANCE.md, "Previews").
struct EscapeBytes: ~Copyable {
  private var base: UnsafeMutablePointer<UInt8>
  private var capacity: Int
  private(set) var count = 0

  init(capacity: Int) {
    self.capacity = max(64, capacity)
    base = .allocate(capacity: self.capacity)
  }

  deinit { base.deallocate() }

  /// Makes room for `extra` more bytes, growing the buffer if needed.
  mutating func reserve(_ extra: Int) {
    guard count + extra > capacity else { return }
    let grown = max(capacity * 2, count + extra)
    let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
    moved.moveInitialize(from: base, count: count)
    base.deallocate()
    base = moved
    capacity = grown
  }

  /// Appends one byte within the room ``reserve(_:)`` made.
  mutating func append(_ byte: UInt8) {
    precondition(count < capacity, "EscapeBytes: no room reserved")
    base[count] = byte
    count += 1
  }

  mutating func append(_ bytes: some Collection<UInt8>) {
    reserve(bytes.count)
    for byte in bytes { append(byte) }
  }

  /// `value` (0 or more) in decimal digits.
  mutating func decimal(_ value: Int) {
    if value < 10 {
      append(UInt8(0x30 + value))
    } else if value < 100 {
      append(UInt8(0x30 + value / 10))
      append(UInt8(0x30 + value % 10))
    } else if value < 1000 {
      append(UInt8(0x30 + value / 100))
      append(UInt8(0x30 + value / 10 % 10))
      append(UInt8(0x30 + value % 10))
    } else {
      append(String(value).utf8)
    }
  }

  var isEmpty: Bool { count == 0 }

  /// The bytes as an array (the buffer is freed).
  consuming func array() -> [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }
}
