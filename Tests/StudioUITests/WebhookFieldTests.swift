import FalProtocol
import HistoryModel
import TerminalScreen
import Testing

@testable import StudioUI

/// The form's Webhook field: typed like the source, checked like `--webhook`, sent with the
/// submit, taken from a record loaded into the form, and back to config.toml's default on reset.
@Suite struct WebhookFieldTests {
  func press(_ state: inout AppState, _ keys: Key...) -> [Effect] {
    keys.flatMap { StudioReducer.update(&state, .terminal(.key($0))) }
  }

  func type(_ text: String, into state: inout AppState) {
    for character in text { _ = press(&state, .character(character)) }
  }

  @Test func aTypedWebhookIsSentWithTheSubmit() {
    var state = Given.form(.webhook) { $0.prompt.setText("a cat") }
    _ = press(&state, .enter)
    #expect(state.form.editing)
    type("https://example.com/hook", into: &state)
    _ = press(&state, .enter)
    #expect(!state.form.editing)
    #expect(state.form.focus == .submit, "Enter leaves the line for the next field")
    let effects = press(&state, .ctrl("s"))
    guard case .submit(_, _, _, let webhook)? = effects.first else {
      Issue.record("no submit: \(effects)")
      return
    }
    #expect(webhook == "https://example.com/hook")
  }

  @Test func aWebhookThatIsNoWebURLIsMarkedAndNothingIsSent() {
    var state = Given.form(.webhook) {
      $0.prompt.setText("a cat")
      $0.webhook.setText("example.com/hook")
    }
    #expect(press(&state, .ctrl("s")) == [])
    #expect(state.form.focus == .webhook)
    #expect(state.form.message(for: .webhook)?.contains("must be an http(s) URL") == true)
  }

  @Test func anEmptyFieldSendsNoWebhookAndResetReturnsToTheDefault() {
    var state = Given.form(.mode) { $0.prompt.setText("a cat") }
    guard case .submit(_, _, _, nil)? = press(&state, .ctrl("s")).first else {
      Issue.record("a webhook was sent")
      return
    }
    state.settings.defaultWebhook = "https://example.com/default"
    state.form.submitting = false
    _ = StudioReducer.update(&state, .command(.resetForm))
    #expect(state.form.webhook.text == "https://example.com/default")
  }

  @Test func aRecordLoadedIntoTheFormBringsItsWebhook() {
    var record = Given.finished
    record.webhook = "https://example.com/from-record"
    var form = FormState()
    form.load(RecordParameters(record))
    #expect(form.webhookURL == "https://example.com/from-record")
  }
}
