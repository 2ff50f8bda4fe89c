import FalProtocol
import Foundation
import HistoryStore
import Testing

/// The history filter as typed in the studio (`status:failed mode:i2v model:full since:2d text`),
/// read with the rules the CLI's `--status/--mode/--model/--since/--until` share.
@Suite struct HistoryFilterTests {
  let now = Date(timeIntervalSince1970: 1_785_585_600)

  @Test func fieldsAndTextTogether() {
    let filter = HistoryFilter(parsing: "status:failed mode:i2v model:full since:2d red  fox", now: now)
    #expect(filter.statuses == [.failed])
    #expect(filter.modes == [.imageToVideo])
    #expect(filter.models == [.full])
    #expect(filter.createdFrom == now.addingTimeInterval(-2 * 86_400))
    #expect(filter.text == "red fox")
    #expect(filter.errors.isEmpty)
  }

  @Test func valuesListAndAbbreviate() {
    let filter = HistoryFilter(parsing: "status:fail,canc status:done mode:text-to-video,ext", now: now)
    #expect(filter.statuses == [.failed, .cancelled, .completed])
    #expect(filter.modes == [.textToVideo, .extendVideo])
  }

  @Test func daysAndAges() {
    #expect(HistoryFilter.date("2026-02-28", now: now) != nil)
    #expect(HistoryFilter.date("2026-02-31", now: now) == nil, "not March 3rd")
    #expect(HistoryFilter.date("10000-01-01", now: now) == nil)
    #expect(HistoryFilter.date("30m", now: now) == now.addingTimeInterval(-1800))
    #expect(HistoryFilter.date("1w", now: now) == now.addingTimeInterval(-7 * 86_400))
    #expect(HistoryFilter.date("2x", now: now) == nil)
    let until = HistoryFilter(parsing: "until:2026-08-01", now: now)
    #expect(until.createdBefore == HistoryFilter.day("2026-08-01"))
  }

  @Test func aBadValueIsNamedAndNotSearchedAsText() {
    let filter = HistoryFilter(parsing: "status:c mode:gif since:yesterday cat", now: now)
    #expect(filter.statuses == nil, "'c' is completed or cancelled: ambiguous")
    #expect(filter.errors.count == 3, "\(filter.errors)")
    #expect(filter.errors[0].hasPrefix("status:c — one of"))
    #expect(filter.text == "cat")
  }

  @Test func aTermNamingNoFieldIsText() {
    let filter = HistoryFilter(parsing: "ratio:16:9 http://x", now: now)
    #expect(filter.text == "ratio:16:9 http://x")
    #expect(filter.errors.isEmpty)
  }

  @Test func theStoreFiltersByModel() async throws {
    let directory = try TemporaryDirectory()
    let store = try await HistoryStore(directory: directory.path)
    var full = makeRecord("full", created: 1)
    full.model = .full
    try await store.save(contentsOf: [full, makeRecord("distilled", created: 2)])
    let query = HistoryFilter(parsing: "model:full", now: now).query()
    #expect(await store.query(query).summaries.map(\.id) == ["full"])
  }
}
