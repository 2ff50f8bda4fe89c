import TerminalScreen
import Testing

/// Every figure the CLI and the studio show comes through ``Figures``, and numbers from servers,
/// configs and old history records can be anything: none of them may trap.
@Suite struct FiguresTests {
  static let hostile: [Double] = [
    .nan, .infinity, -.infinity, 1e308, -1e308, 1e19, -1e19, 1e17, 9.3e18, -9.3e18, 1e15, 999_999_999_999_999.9,
    .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, -0.4, -40, 0, 0.05, 2.5,
  ]

  @Test(arguments: hostile) func everyFormatterIsTotal(_ value: Double) {
    #expect(!Figures.units(value).isEmpty)
    #expect(!Figures.tenths(value).isEmpty)
    #expect(Figures.dollars(value).contains("$"))
    #expect(!Figures.duration(value).isEmpty)
  }

  @Test func ordinaryFiguresReadAsBefore() {
    #expect(Figures.units(12) == "12")
    #expect(Figures.units(2.5) == "2.5")
    #expect(Figures.tenths(4) == "4.0")
    #expect(Figures.dollars(0.96) == "$0.96")
    #expect(Figures.dollars(0.05) == "$0.05")
    #expect(Figures.dollars(12.345) == "$12.35")
    #expect(Figures.duration(247) == "4:07")
    #expect(Figures.duration(3723) == "1:02:03")
    #expect(Figures.bytes(512) == "512 B")
    #expect(Figures.bytes(4_200_000) == "4.2 MB")
  }

  @Test func negativeAndNonFiniteFiguresAreHonest() {
    #expect(Figures.dollars(-0.4) == "-$0.40", "not \"$0.0-40\"")
    #expect(Figures.units(-40) == "-40")
    #expect(Figures.tenths(-0.04) == "0.0", "no minus on a figure that rounds to zero")
    #expect(Figures.units(.nan) == "?")
    #expect(Figures.dollars(.nan) == "$?")
    #expect(Figures.units(.infinity) == "∞")
    #expect(Figures.dollars(-.infinity) == "-$∞")
    #expect(Figures.units(1e19) == "1e+19")
    #expect(Figures.dollars(1e17) == "$1e+17")
    #expect(Figures.duration(-5) == "0:00")
    #expect(Figures.duration(.nan) == "?:??")
    #expect(Figures.duration(.infinity) == Figures.duration(1e300), "capped, not trapped")
  }

  @Test func bytesAndPercentagesOfAnyCount() {
    #expect(Figures.bytes(.max) == "9.2 EB")
    #expect(Figures.bytes(.min) == "\(Int64.min) B")
    #expect(Figures.bytes(-1) == "-1 B")
    #expect(Figures.percent(.max, of: 1) == 100, "a body past its announced size")
    #expect(Figures.percent(-5, of: 10) == 0)
    #expect(Figures.percent(5, of: 0) == nil)
    #expect(Figures.percent(1, of: .max) == 0)
  }
}
