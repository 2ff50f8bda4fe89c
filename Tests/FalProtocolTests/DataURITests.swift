import FalProtocol
import Testing

/// `data:` URIs as a request's source: media type and size read without decoding, and the checks
/// the CLI and the form make before a submit.
@Suite struct DataURITests {
  @Test func theMediaTypeAndTheDecodedSizeAreReadFromTheHeaderAndTheLength() throws {
    let uri = try #require(DataURI("data:image/PNG;base64,iVBORw0KGgo="))
    #expect(uri.mediaType == "image/png")
    #expect(uri.isBase64)
    #expect(uri.decodedSize == 8)
    #expect(DataURI("data:;base64,QUJD")?.mediaType == "text/plain", "RFC 2397's default")
    #expect(DataURI("data:image/png;charset=x;base64,QUJDRA==")?.decodedSize == 4)
    #expect(DataURI("https://example.com/a.png") == nil)
    #expect(DataURI("data:image/png") == nil, "no comma: not a data URI")
  }

  @Test func anImageFieldRefusesEveryOtherMediaType() {
    #expect(DataURI.problem(with: "data:image/jpeg;base64,/9j/4AAQ", asSourceOf: .imageToVideo) == nil)
    #expect(
      DataURI.problem(with: "data:video/mp4;base64,AAAA", asSourceOf: .imageToVideo)
        == "the data URI holds video/mp4, not an image")
    #expect(
      DataURI.problem(with: "data:text/plain;base64,aGk=", asSourceOf: .imageToVideo)
        == "the data URI holds text/plain, not an image")
    #expect(
      DataURI.problem(with: "data:image/png;base64,AAAA", asSourceOf: .extendVideo)
        == "the data URI holds image/png, not a video")
    #expect(DataURI.problem(with: "data:video/webm;base64,GkXf", asSourceOf: .extendVideo) == nil)
    #expect(DataURI.problem(with: "https://example.com/x.txt", asSourceOf: .imageToVideo) == nil, "URLs are not read")
  }

  @Test func emptyPlainTextAndOversizedPayloadsAreRefused() {
    #expect(DataURI.problem(with: "data:image/png;base64,", asSourceOf: .imageToVideo) == "the data URI holds no data")
    #expect(
      DataURI.problem(with: "data:image/png,%89PNG", asSourceOf: .imageToVideo)?.contains("must be base64") == true)
    let big = "data:image/png;base64," + String(repeating: "A", count: (DataURI.maxBytes / 3 + 1) * 4)
    #expect(DataURI(big)?.decodedSize ?? 0 > DataURI.maxBytes)
    #expect(DataURI.problem(with: big, asSourceOf: .imageToVideo)?.contains("inline data is limited to") == true)
  }
}

/// fal's `error_type` values in words, and the kind of failure each is.
@Suite struct FalErrorTypeTests {
  @Test(arguments: [
    ("validation_error", FalErrorType.Kind.invalidInput), ("path_not_found", .invalidInput),
    ("content_policy_violation", .contentPolicy), ("start_timeout", .startTimeout),
    ("request_timeout", .infrastructure), ("startup_timeout", .infrastructure),
    ("runner_scheduling_failure", .infrastructure), ("runner_connection_timeout", .infrastructure),
    ("runner_disconnected", .infrastructure), ("runner_connection_refused", .infrastructure),
    ("internal_error", .appError), ("request_cancelled", .cancelled), ("client_cancelled", .cancelled),
  ])
  func everyDocumentedTypeHasAKindAndAMeaning(_ type: String, _ kind: FalErrorType.Kind) throws {
    let explained = try #require(FalErrorType.explain(type))
    #expect(explained.kind == kind)
    #expect(!explained.meaning.isEmpty)
  }

  @Test func aMessageExplainsTheTypeAdvisesOnInfrastructureAndKeepsTheServersWords() {
    #expect(
      FalErrorType.message(type: "runner_disconnected", serverText: "Runner disconnected")
        == "the runner was lost while running the job (on fal's side, not the request's: try again): Runner disconnected"
    )
    #expect(
      FalErrorType.message(type: "content_policy_violation", serverText: "prompt: flagged")
        == "refused by the model's content policy (change the prompt or the image): prompt: flagged")
    #expect(FalErrorType.message(type: "brand_new_type", serverText: "odd") == "odd", "unknown types keep fal's words")
    #expect(FalErrorType.message(type: nil, serverText: "odd") == "odd")
    #expect(FalErrorType.kind(of: "brand_new_type") == .infrastructure)
  }
}

/// The webhook check shared by `--webhook`, the form and config.toml.
@Suite struct WebhookURLTests {
  @Test(arguments: ["https://example.com/hook", "http://127.0.0.1:8080/h?x=1", "https://user@[::1]:9/p"])
  func absoluteWebURLsPass(_ url: String) {
    #expect(WebhookURL.problem(with: url) == nil)
  }

  @Test(arguments: [
    "example.com/hook", "ftp://example.com/x", "https://", "https:///path", "https://a b/c", "file:///x",
    // An IPv6 literal left open, or empty: no host fal (or the twin's poster) could reach.
    "http://[::1", "http://[::1/hook", "https://[]/hook", "http://:8080/hook",
  ])
  func anythingElseIsRefused(_ url: String) {
    #expect(WebhookURL.problem(with: url) != nil)
  }
}
