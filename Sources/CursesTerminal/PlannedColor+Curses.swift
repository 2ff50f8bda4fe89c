import TerminalScreen

extension PlannedColor {
  /// The ncurses colour number: -1 for the default; on a direct-colour terminal (where numbers
  /// from 8 up are 0xRRGGBB) palette entries above 7 become their RGB value.
  func cursesNumber(direct: Bool) -> Int32 {
    switch self {
    case .default:
      return -1
    case .palette(let index):
      guard direct, index >= 8 else { return Int32(index) }
      let (r, g, b) = ColorPlanner.rgb(ofIndexed: index)
      return Self.directValue(r, g, b)
    case .rgb(let r, let g, let b):
      guard direct else {
        guard case .palette(let index) = ColorPlanner.reduce(.rgb(r, g, b), to: .indexed256) else { return -1 }
        return Int32(index)
      }
      return Self.directValue(r, g, b)
    }
  }

  /// Direct-colour value; values below 8 mean palette entries there, so near-black moves to 8.
  private static func directValue(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> Int32 {
    max(8, Int32(r) << 16 | Int32(g) << 8 | Int32(b))
  }
}
