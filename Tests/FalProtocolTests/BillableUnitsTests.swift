import FalProtocol
import Testing

/// `x-fal-billable-units` is read strictly: only a finite count in 0…1,000,000 is a bill.
@Suite struct BillableUnitsTests {
  @Test(arguments: [
    "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "1e19", "-1e19", "-5", "-0.5", "", "abc", "0x10", "1,5",
    "1000001",
  ])
  func unusableHeadersAreUnknown(_ header: String) {
    #expect(BillableUnits.parse(header) == nil)
  }

  @Test func countsAreRead() {
    #expect(BillableUnits.parse("2.5") == 2.5)
    #expect(BillableUnits.parse(" 12 ") == 12)
    #expect(BillableUnits.parse("0") == 0)
    #expect(BillableUnits.parse("1e3") == 1000)
    #expect(BillableUnits.parse("1000000") == 1_000_000)
  }
}
