import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// The form's variations (the Vary field and `{a|b}` prompts) sent as one batch, the budget's
/// questions and today's spend, and batch rows in the history.
@Suite struct BatchTests {
  func send(_ state: inout AppState, _ actions: Action...) -> [Effect] {
    actions.flatMap { StudioReducer.update(&state, $0) }
  }

  func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
    keys.flatMap { StudioReducer.update(&state, .terminal(.key($0))) }
  }

  /// A studio whose form holds `prompt` and `vary`, in NORMAL mode.
  /// Dollars at the distilled model's $0.08 a unit.
  func usd(_ dollars: Double) -> Spend { Spend(dollars: dollars, units: dollars / 0.08) }

  /// Online (the budget is about money; the offline twin bills nothing).
  func form(prompt: String, vary: String = "") -> AppState {
    var state = Fixtures.studio()
    state.online = true
    state.backendLabel = "fal.ai"
    state.form.prompt.setText(prompt)
    state.form.variations.setText(vary)
    return state
  }

  func render(_ state: AppState) -> ScreenGrid {
    StudioRenderer.render(state, width: state.width, height: state.height)
  }

  // MARK: - The Vary field

  @Test func theVaryFieldReadsAsTheCLIOptionsDo() throws {
    let endpoint = MagiEndpoint(mode: .textToVideo)
    let read = try FormVariations.parse("seeds=4  steps=8,16 resolution=480p,720p", for: endpoint).get()
    #expect(read.seeds == .random(4))
    #expect(read.axes.map(\.name) == ["num_inference_steps", "resolution"])
    #expect(read.jobCount(promptCount: 2) == 32)
    #expect(try FormVariations.parse("seed-list=1,2,3", for: endpoint).get().seeds == .list([1, 2, 3]))
    #expect(try FormVariations.parse("", for: endpoint).get() == FormVariations())
    for bad in [
      "seeds=0", "seeds=4 seed-list=1", "steps=7", "colour=red", "steps", "seed-list=1,x", "steps=8 steps=16",
    ] {
      #expect(throws: FormVariations.Problem.self, "\(bad)") { try FormVariations.parse(bad, for: endpoint).get() }
    }
  }

  @Test func theFormCountsJobsAndPricesThemAll() {
    var state = form(prompt: "a fox at {dawn|dusk}", vary: "seeds=2 steps=8,16")
    #expect(state.form.jobCount == 8)
    // 96 frames at 720p: 4 units a job whatever the steps, at $0.08.
    let estimate = state.form.estimate(pricePerUnit: 0.08)
    #expect(estimate.units == 32)
    #expect(abs(estimate.price - 2.56) < 1e-9)
    state.form.variations.setText("resolution=480p,720p")
    let mixed = state.form.estimate(pricePerUnit: 0.08)
    let one480 = MagiSchema.billingUnits(numFrames: 96, resolution: "480p", numInferenceSteps: 16)
    #expect(mixed.units == (one480 + 4) * 2)
  }

  @Test func aBadSpecIsMarkedOnItsFieldAndNothingIsSent() {
    var state = form(prompt: "a fox", vary: "steps=7")
    #expect(press(&state, .ctrl("s")) == [])
    #expect(state.form.focus == .variations)
    #expect(state.form.message(for: .variations)?.contains("num_inference_steps=7") == true)
    state = form(prompt: "a {fox", vary: "")
    #expect(press(&state, .ctrl("s")) == [])
    #expect(state.form.message(for: .prompt)?.contains("unbalanced brace") == true)
  }

  // MARK: - Submitting a batch

  @Test func ctrlSOnABatchAsksOnceWithBothFiguresThenSendsIt() throws {
    var state = form(prompt: "a fox at {dawn|dusk}", vary: "seeds=2")
    #expect(press(&state, .ctrl("s")) == [])
    let dialog = try #require(state.dialog)
    guard case .submitBatch(let batch) = dialog.purpose else {
      Issue.record("not a batch question: \(dialog.purpose)")
      return
    }
    #expect(batch.requests.map(\.prompt) == ["a fox at dawn", "a fox at dawn", "a fox at dusk", "a fox at dusk"])
    #expect(batch.drawsSeeds)
    // Two seeds, each at dawn and at dusk, as `generate --seeds 2` sends them: the runtime draws
    // the seed of each index.
    #expect(batch.requests.map(\.seed) == [0, 1, 0, 1])
    #expect(dialog.title == "Submit 4 jobs?")
    #expect(dialog.message.contains("4 jobs to fal-ai/magi-distilled, 16.0 units ≈ $1.28 in all"))
    #expect(press(&state, .character("y")) == [.submitBatch(batch)])
    #expect(state.form.submitting)
    #expect(state.dialog == nil)
  }

  @Test func aSeedListIsSentAsItsSeeds() throws {
    var state = form(prompt: "a fox", vary: "seed-list=5,6 steps=8,16")
    _ = press(&state, .ctrl("s"))
    guard case .submitBatch(let batch)? = state.dialog?.purpose else {
      Issue.record("no batch question")
      return
    }
    #expect(!batch.drawsSeeds)
    #expect(batch.requests.map(\.seed) == [5, 6, 5, 6])
    #expect(batch.requests.map(\.numInferenceSteps) == [8, 8, 16, 16])
  }

  @Test func variationsOfOneJobAreSentAsOneSubmit() {
    var state = form(prompt: "{dusk}", vary: "seed-list=7")
    let effects = press(&state, .ctrl("s"))
    guard case .submit(let request, _, _, _)? = effects.first else {
      Issue.record("no submit: \(effects)")
      return
    }
    #expect(request.prompt == "dusk")
    #expect(request.seed == 7)
    #expect(state.dialog == nil)
  }

  // MARK: - Budget

  @Test func aSubmitPastTheDailyBudgetAsksWithTheFigures() throws {
    var state = form(prompt: "a fox")
    state.settings.budget = Budget(perDay: 1.0)
    state.spentToday = usd(0.9)
    #expect(press(&state, .ctrl("s")) == [])
    let dialog = try #require(state.dialog)
    #expect(dialog.title == "Over budget: submit anyway?")
    #expect(dialog.message.contains("today's spend $0.90 + about $0.32 = $1.22 is over budget.per_day ($1.00)"))
    let effects = press(&state, .character("y"))
    #expect(effects.count == 1)
    guard case .submit? = effects.first else {
      Issue.record("answering y did not send: \(effects)")
      return
    }
    // Within the budget, nothing asks.
    state = form(prompt: "a fox")
    state.settings.budget = Budget(perDay: 1.0)
    state.spentToday = usd(0.5)
    #expect(press(&state, .ctrl("s")).count == 1)
    #expect(state.dialog == nil)
  }

  @Test func offlineTheBudgetAsksNothing() {
    var state = form(prompt: "a fox", vary: "seeds=4")
    state.online = false
    state.settings.budget = Budget(perBatch: 0.1, perDay: 0.1)
    _ = press(&state, .ctrl("s"))
    #expect(state.dialog?.title == "Submit 4 jobs?", "the batch question only, without the budget")
    #expect(state.dialog?.message.hasSuffix("Offline twin: nothing is billed.") == true)
    var single = form(prompt: "a fox")
    single.online = false
    single.settings.budget = Budget(perDay: 0.1)
    #expect(press(&single, .ctrl("s")).count == 1)
    #expect(single.dialog == nil)
  }

  /// A batch's jobs wait in the runtime until a slot frees (4 at once): none has a record yet, so
  /// quitting drops them. The quit question says so (it said nothing, and 596 of a 600-job batch
  /// were gone without a word), and asks even before the first job has reached the queue.
  @Test func quittingWhileABatchHasJobsUnsentSaysTheyAreDropped() throws {
    var state = form(prompt: "a fox", vary: "seeds=6")
    _ = press(&state, .ctrl("s"))
    guard case .submitBatch(let batch)? = state.dialog?.purpose else {
      Issue.record("no batch question: \(String(describing: state.dialog))")
      return
    }
    #expect(press(&state, .character("y")) == [.submitBatch(batch)])
    _ = send(&state, .command(.quit))
    var dialog = try #require(state.dialog, "quitting with six jobs unsent asks")
    #expect(dialog.purpose == .quit)
    #expect(dialog.message.contains("6 jobs of a batch are not sent yet"))
    _ = press(&state, .character("n"))
    // The runtime takes four, then the last two: nothing is left unsent.
    _ = send(&state, .batchJobsDequeued(Array(batch.requests.prefix(4))))
    _ = send(&state, .command(.quit))
    dialog = try #require(state.dialog)
    #expect(dialog.message.contains("2 jobs of a batch are not sent yet"))
    _ = press(&state, .character("n"))
    _ = send(&state, .batchJobsDequeued(Array(batch.requests.suffix(2))))
    #expect(state.unsentBatchJobs == 0)
    #expect(send(&state, .command(.quit)) == [.quit], "no job anywhere: quits at once")
  }

  /// A batch's unsent jobs count toward today's spend: a second submit while the first batch is
  /// still being sent must not pass `per_day` unasked (its jobs had no records, so the spend
  /// read from the history missed them).
  @Test func theDailyBudgetCountsABatchsJobsNotSentYet() throws {
    var state = form(prompt: "a fox", vary: "seeds=10")
    state.settings.budget = Budget(perDay: 3.5)
    state.spentToday = .zero
    _ = press(&state, .ctrl("s"))
    guard case .submitBatch(let batch)? = state.dialog?.purpose else {
      Issue.record("no batch question: \(String(describing: state.dialog))")
      return
    }
    #expect(state.dialog?.title == "Submit 10 jobs?", "$3.20 fits in $3.50")
    _ = press(&state, .character("y"))
    _ = send(&state, .batchJobsDequeued([batch.requests[0]]))
    // The first job's record, now in the history, and so in today's spend.
    _ = send(&state, .submitted(Fixtures.record("j1", .queued, prompt: "a fox")), .spentToday(usd(0.32)))
    state.form.variations.setText("")
    _ = press(&state, .ctrl("s"))
    let dialog = try #require(state.dialog, "$0.32 spent + $2.88 of the batch unsent + $0.32 passes $3.50")
    #expect(dialog.title == "Over budget: submit anyway?")
    #expect(dialog.message.contains("today's spend $3.20 + about $0.32 = $3.52"), "\(dialog.message)")
  }

  @Test func aBatchPastThePerBatchBudgetSaysSoInItsOneQuestion() throws {
    var state = form(prompt: "a fox", vary: "seeds=4")
    state.settings.budget = Budget(perBatch: 1.0)
    _ = press(&state, .ctrl("s"))
    let dialog = try #require(state.dialog)
    #expect(dialog.title == "Over budget: submit 4 jobs anyway?")
    #expect(dialog.message.contains("about $1.28 is over budget.per_batch ($1.00)"))
  }

  @Test func todaysSpendIsAskedForOneAtATimeAndShown() {
    var state = AppState(width: 120, height: 40, now: Fixtures.now)
    state.settings.budget = Budget(perDay: 5)
    let prices = state.settings.pricePerUnit
    #expect(send(&state, .launched).contains(.loadSpentToday(pricePerUnit: prices)))
    // A job ends while the figure is being worked out: asked once more when it comes.
    var ended = Fixtures.record("j1", .running)
    _ = send(&state, .jobUpdated(ended))
    ended.status = .completed
    #expect(!send(&state, .jobUpdated(ended)).contains(.loadSpentToday(pricePerUnit: prices)))
    #expect(send(&state, .spentToday(usd(1.2))) == [.loadSpentToday(pricePerUnit: prices)])
    #expect(send(&state, .spentToday(usd(1.5))) == [])
    #expect(state.spentToday == usd(1.5))
    let statusRow = render(state).textDump().split(separator: "\n")[39]
    #expect(statusRow.contains("$1.50/$5.00 today"))
    // A daily budget in units shows units.
    var inUnits = AppState(width: 120, height: 40, now: Fixtures.now)
    inUnits.settings.budget = Budget(perDayUnits: 50)
    #expect(send(&inUnits, .launched).contains(.loadSpentToday(pricePerUnit: prices)))
    _ = send(&inUnits, .spentToday(usd(1.0)))
    #expect(render(inUnits).textDump().split(separator: "\n")[39].contains("12.5/50.0 u today"))
    // No daily budget: nothing asked, nothing shown.
    var plain = AppState(width: 120, height: 40, now: Fixtures.now)
    #expect(!send(&plain, .launched).contains(.loadSpentToday(pricePerUnit: prices)))
    #expect(!render(plain).textDump().contains("today"))
  }

  // MARK: - Batch rows

  /// Six rows: h0 alone, h1…h4 one batch (`b1`; h3 failed), h5 alone.
  func batchHistory(expanded: Bool = false) -> AppState {
    var state = Fixtures.withHistory(total: 6)
    state.focus = .history
    if expanded { state.history.expandedBatches = ["b1"] }
    var details: [String: RowDetail] = [:]
    for index in 0..<6 {
      details["h\(index)"] = RowDetail(
        resolution: "720p", frames: 96, cost: index == 3 ? nil : 0.32, onDisk: index != 3,
        batchID: (1...4).contains(index) ? "b1" : nil)
    }
    _ = send(&state, .rowDetails(details))
    return state
  }

  @Test func aBatchIsOneRowThatOpensToItsJobs() throws {
    var state = batchHistory()
    let group = try #require(state.history.batchGroup(atRow: 2))
    #expect(group.rows == 1...4)
    #expect(state.history.lines(from: 0, limit: 10) == [.record(0), .batch(group), .record(5)])
    #expect(HistoryView.batchSummary(group, details: state.history.details) == "batch 4 jobs · 3 done 1 failed · $0.96")
    var starred = state.history.details
    starred["h2"]?.starred = true
    #expect(HistoryView.batchSummary(group, details: starred) == "batch 4 jobs · 3 done 1 failed · ★ · $0.96")
    _ = press(&state, .down)
    #expect(state.history.selected == 1)
    #expect(state.history.onBatchRow)
    _ = press(&state, .down)
    #expect(state.history.selected == 5)
    _ = press(&state, .up, .enter)
    #expect(state.history.expandedBatches == ["b1"])
    #expect(
      state.history.lines(from: 0, limit: 10)
        == [.record(0), .batch(group), .record(1), .record(2), .record(3), .record(4), .record(5)])
    _ = press(&state, .down, .down)
    #expect(state.history.selected == 2)
    #expect(!state.history.onBatchRow)
    _ = press(&state, .up, .up)
    #expect(state.history.selected == 1)
    #expect(state.history.onBatchRow)
    _ = press(&state, .down, .down, .left)
    #expect(state.history.expandedBatches.isEmpty)
    #expect(state.history.selected == 1)
    #expect(state.history.onBatchRow)
    // Sorted by cost there are no batch rows.
    _ = press(&state, .character("S"))
    #expect(state.history.batchGroup(atRow: 2) == nil)
  }

  @Test func theBatchRowActsOnAllItsJobs() {
    var state = batchHistory()
    _ = press(&state, .down)
    #expect(state.history.targets.map(\.id) == ["h4", "h3", "h2", "h1"])
    _ = press(&state, .character(" "))
    #expect(Set(state.history.marked.keys) == ["h1", "h2", "h3", "h4"])
  }

  @Test func reRunOnABatchRowSendsTheFailedOrAllAsANewBatch() throws {
    var state = batchHistory()
    _ = press(&state, .down, .character("r"))
    let dialog = try #require(state.dialog)
    #expect(dialog.purpose == .rerunBatch(failed: ["h3"], all: ["h4", "h3", "h2", "h1"]))
    #expect(dialog.answers.map(\.label) == ["re-run the 1 failed", "all 4", "no"])
    #expect(press(&state, .character("y")) == [.loadRecord("h3")])
    let failed = Fixtures.record("h3", .failed, prompt: "history item 3")
    let effects = send(&state, .recordLoaded(failed))
    #expect(effects == [.submitBatch(BatchSubmission(requests: [RecordParameters.request(of: failed)]))])
    #expect(state.batchRerun == nil)

    _ = press(&state, .character("r"))
    #expect(press(&state, .character("v")) == ["h4", "h3", "h2", "h1"].map { .loadRecord($0) })
    let records = ["h4", "h3", "h2", "h1"].map { Fixtures.record($0, .completed, prompt: "item \($0)") }
    // Nothing is sent until the last of them has loaded; then all, oldest first, as one batch.
    for record in records.dropLast() { #expect(send(&state, .recordLoaded(record)) == []) }
    #expect(
      send(&state, .recordLoaded(records[3]))
        == [.submitBatch(BatchSubmission(requests: records.map(RecordParameters.request(of:))))])
  }

  /// A re-run spends as a submit does: past `[budget]` it says so (it was sent with the price
  /// alone, the budget never weighed).
  @Test func aReRunPastTheBudgetSaysSo() throws {
    var state = batchHistory()
    state.online = true
    state.settings.budget = Budget(perBatch: 1.0)
    _ = press(&state, .down, .character("r"), .character("v"))
    let records = ["h4", "h3", "h2", "h1"].map { Fixtures.record($0, .completed, prompt: "item \($0)") }
    var effects: [Effect] = []
    for record in records { effects += send(&state, .recordLoaded(record)) }
    #expect(effects == [], "four jobs at $1.28 pass per_batch $1.00: nothing sent unasked")
    let dialog = try #require(state.dialog)
    #expect(dialog.title == "Over budget: re-run 4 jobs anyway?")
    #expect(dialog.message.contains("about $1.28 is over budget.per_batch ($1.00)"), "\(dialog.message)")
    let batch = BatchSubmission(requests: records.map(RecordParameters.request(of:)))
    #expect(press(&state, .character("y")) == [.submitBatch(batch)])

    // One record's re-run asks with the price already; past the day's budget it says so too.
    state.dialog = nil
    state.settings.budget = Budget(perDay: 1.0)
    state.spentToday = usd(0.9)
    _ = press(&state, .down, .character("r"))
    _ = send(&state, .recordLoaded(Fixtures.record("h5", .completed, prompt: "item h5")))
    let single = try #require(state.dialog)
    #expect(single.title == "Over budget: re-run h5 anyway?")
    #expect(single.message.contains("is over budget.per_day ($1.00)"), "\(single.message)")

    // Marked rows re-run together: what they cost last time is weighed.
    state.dialog = nil
    _ = press(&state, .character(" "), .up, .character(" "))
    _ = press(&state, .character("r"))
    let marked = try #require(state.dialog)
    #expect(marked.title.hasPrefix("Over budget: re-run "), "\(marked.title)")
    #expect(marked.message.contains("is over budget.per_day ($1.00)"), "\(marked.message)")
  }

  /// A closed batch row of 45 jobs puts the rows after it on screen, past the 50 rows loaded:
  /// they were drawn as "…" until the selection came near them (and a batch longer than what was
  /// loaded showed as fewer jobs). The next page is asked for once the batch ids arrive.
  @Test func rowsBelowAClosedBatchAreLoadedWhenTheyComeOnScreen() {
    var state = Fixtures.withHistory(total: 120, loaded: 50)
    state.focus = .history
    var details: [String: RowDetail] = [:]
    for index in 0..<50 {
      details["h\(index)"] = RowDetail(
        resolution: "720p", frames: 96, cost: 0.32, onDisk: true, batchID: (1...45).contains(index) ? "b1" : nil)
    }
    let effects = send(&state, .rowDetails(details))
    #expect(effects == [.loadHistory(state.history.query(offset: 50, now: state.now))], "\(effects)")
    let page = HistoryPage(summaries: Fixtures.summaries(50, from: 50), totalMatches: 120, offset: 50, limit: 50)
    _ = send(&state, .historyPage(page, for: state.history.query(offset: 50, now: state.now)))
    #expect(!render(state).textDump().contains("│…"), "\(render(state).textDump())")
    // A change to the history (a job of the batch moving on) asks for the whole window again.
    var whole = state.history.query(offset: 0, now: state.now)
    whole.limit = 100
    #expect(send(&state, .historyChanged) == [.loadHistory(whole)])
  }

  @Test func theSelectionStaysOnScreenPastBatchRows() {
    // 30 rows of which 10…19 are one batch: 21 lines while it is collapsed.
    var state = Fixtures.withHistory(total: 30, height: 24)
    state.focus = .history
    var details: [String: RowDetail] = [:]
    for index in 10..<20 {
      details["h\(index)"] = RowDetail(resolution: nil, frames: nil, cost: nil, onDisk: false, batchID: "b")
    }
    _ = send(&state, .rowDetails(details))
    let height = Layout(width: 80, height: 24).historyList.height
    for _ in 0..<25 {
      _ = press(&state, .down)
      let lines = state.history.lines(from: state.history.scrollTop, limit: height)
      #expect(lines.contains(state.history.selectedLine), "selection \(state.history.selected) off screen")
    }
    #expect(state.history.selected == 29)
  }

  // MARK: - Screens

  @Test func formWithVariationsAndBudget() {
    var state = form(prompt: "a fox at {dawn|dusk}", vary: "seeds=2 steps=8,16")
    state.settings.budget = Budget(perDay: 5)
    state.spentToday = usd(1.2)
    state.form.focus = .variations
    assertSnapshot(render(state), named: "form-variations-80x24")
    state.width = 120
    state.height = 40
    assertSnapshot(render(state), named: "form-variations-120x40")
    _ = press(&state, .ctrl("s"))
    assertSnapshot(render(state), named: "dialog-batch-120x40")
  }

  @Test func historyBatchRowCollapsedAndOpen() {
    var state = batchHistory()
    _ = press(&state, .down)
    assertSnapshot(render(state), named: "history-batch-collapsed-80x24")
    _ = press(&state, .right, .down)
    assertSnapshot(render(state), named: "history-batch-open-80x24")
  }
}
