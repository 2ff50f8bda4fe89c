import FalClient
import Foundation
import Testing

@Suite struct CredentialsTests {
  func tempDir() throws -> String {
    let path = NSTemporaryDirectory() + "magi-cred-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func falKeyWinsThenIdAndSecret() throws {
    let a = try Credentials.resolve(
      environment: ["FAL_KEY": "k1", "FAL_KEY_ID": "i", "FAL_KEY_SECRET": "s"], configDirectory: "/nonexistent")
    #expect(a?.authorizationHeader == "Key k1")
    #expect(a?.source == .environment("FAL_KEY"))
    let b = try Credentials.resolve(
      environment: ["FAL_KEY_ID": "i", "FAL_KEY_SECRET": "s"], configDirectory: "/nonexistent")
    #expect(b?.authorizationHeader == "Key i:s")
    #expect(try Credentials.resolve(environment: [:], configDirectory: "/nonexistent") == nil)
  }

  @Test func aPrivateCredentialsFileIsRead() throws {
    let dir = try tempDir()
    let path = dir + "/credentials"
    try "# my key\nFAL_KEY=\"abc:def\"\n".write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o600)
    let found = try Credentials.resolve(environment: [:], configDirectory: dir)
    #expect(found?.authorizationHeader == "Key abc:def")
    #expect(found?.source == .file(path))
  }

  @Test func aCredentialsFileOthersCanReadIsRefusedWithTheReason() throws {
    let dir = try tempDir()
    let path = dir + "/credentials"
    try "abc:def\n".write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o644)
    do {
      _ = try Credentials.resolve(environment: [:], configDirectory: dir)
      Issue.record("a world-readable key file must be refused")
    } catch {
      #expect(error.description.contains("chmod 600"))
      #expect(!error.description.contains("abc:def"))
    }
  }

  /// A directory where the file should be is not "a file that holds an API key".
  @Test func aCredentialsPathThatIsADirectoryIsCalledADirectory() throws {
    let dir = try tempDir()
    try FileManager.default.createDirectory(atPath: dir + "/credentials", withIntermediateDirectories: false)
    do {
      _ = try Credentials.resolve(environment: [:], configDirectory: dir)
      Issue.record("a directory is not a credentials file")
    } catch {
      #expect(
        error.description
          == "\(dir)/credentials is a directory; the credentials file must be a file holding one line, the API key")
      #expect(!error.description.contains("holds an API key"))
    }
  }

  /// The advice after a refusal names where the key came from, not always FAL_KEY.
  @Test func aRefusalNamesTheSourceOfTheKey() throws {
    let dir = try tempDir()
    let path = dir + "/credentials"
    try "abc:defghi\n".write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o600)
    let fromFile = try #require(try Credentials.resolve(environment: [:], configDirectory: dir))
    let refusal = FalClientError.unauthorized("No user found", hint: fromFile.source.refusalHint)
    #expect(refusal.description == "not authorised by fal (No user found); check the key in \(path)")
    let fromPair = try #require(
      try Credentials.resolve(environment: ["FAL_KEY_ID": "i", "FAL_KEY_SECRET": "s"], configDirectory: dir))
    #expect(fromPair.source.refusalHint == "check FAL_KEY_ID/FAL_KEY_SECRET")
    #expect(Credentials.placeholder.source.refusalHint == "this server wants a key: set FAL_KEY")
  }

  @Test func childEnvironmentsLoseEveryKeyVariable() {
    let scrubbed = Credentials.scrubbed([
      "FAL_KEY": "a", "FAL_KEY_ID": "b", "FAL_KEY_SECRET": "c", "PATH": "/bin", "FAL_URL": "x",
    ])
    #expect(scrubbed == ["PATH": "/bin", "FAL_URL": "x"])
  }

  @Test func descriptionsNeverShowTheKey() {
    let credentials = Credentials(key: "id:supersecret")
    #expect("\(credentials)" == "Key <redacted>")
    #expect(String(reflecting: credentials) == "Key <redacted>")
    #expect(credentials.redact("x id:supersecret y supersecret") == "x <redacted> y <redacted>")
  }
}

@Suite struct RetryPolicyTests {
  @Test func backoffDoublesUpToTheCapWithBoundedJitter() {
    let policy = RetryPolicy(maxAttempts: 10, baseDelay: .seconds(1), maxDelay: .seconds(8), jitter: 0.25)
    let failure = RetryPolicy.Failure.status(503, retryAfter: nil)
    #expect(policy.delay(after: failure, attempt: 1, safety: .idempotent, random: 0.5) == .seconds(1))
    #expect(policy.delay(after: failure, attempt: 3, safety: .idempotent, random: 0.5) == .seconds(4))
    #expect(policy.delay(after: failure, attempt: 6, safety: .idempotent, random: 0.5) == .seconds(8))
    #expect(policy.delay(after: failure, attempt: 1, safety: .idempotent, random: 0) == .milliseconds(750))
    #expect(policy.delay(after: failure, attempt: 1, safety: .idempotent, random: 1) == .milliseconds(1250))
    #expect(policy.delay(after: failure, attempt: 10, safety: .idempotent) == nil)
  }

  @Test func retryAfterIsCappedAndParsedAsSeconds() {
    let policy = RetryPolicy(maxRetryAfter: .seconds(10))
    #expect(RetryPolicy.parseRetryAfter("2.5") == .milliseconds(2500))
    #expect(RetryPolicy.parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT") == nil)
    #expect(policy.delay(after: .status(429, retryAfter: .seconds(600)), attempt: 1, safety: .creates) == .seconds(10))
  }

  @Test func aRetryAfterOfAnySizeIsParsedWithoutATrap() {
    // From the network: a huge or infinite value must not crash the conversion to a duration.
    for text in ["1e20", "9223372036854775807", "1e308"] {
      #expect(RetryPolicy.parseRetryAfter(text) == .seconds(86_400), "\(text)")
    }
    for text in ["inf", "Infinity", "nan", "-1"] { #expect(RetryPolicy.parseRetryAfter(text) == nil, "\(text)") }
  }

  @Test func aBatchWaitsOutALong429StormButNotOtherFailures() {
    let refused = RetryPolicy.Failure.status(429, retryAfter: .seconds(2))
    let unavailable = RetryPolicy.Failure.status(503, retryAfter: .seconds(2))
    // By default a refusal counts as any failure: the fifth attempt is the last.
    #expect(RetryPolicy.default.delay(after: refused, attempt: 4, safety: .creates) == .seconds(2))
    #expect(RetryPolicy.default.delay(after: refused, attempt: 5, safety: .creates) == nil)
    // A batch's submits go on through 30 refusals, and only refusals.
    #expect(RetryPolicy.batch.delay(after: refused, attempt: 5, safety: .creates) == .seconds(2))
    #expect(RetryPolicy.batch.delay(after: refused, attempt: 29, safety: .creates) == .seconds(2))
    #expect(RetryPolicy.batch.delay(after: refused, attempt: 30, safety: .creates) == nil)
    #expect(RetryPolicy.batch.delay(after: unavailable, attempt: 5, safety: .creates) == nil)
  }

  @Test func validationErrorsAreNeverRetried() {
    for code in [400, 401, 403, 404, 422] {
      #expect(RetryPolicy.default.delay(after: .status(code, retryAfter: nil), attempt: 1, safety: .idempotent) == nil)
    }
  }
}

@Suite struct RedactorTests {
  let redactor = Credentials(key: "key-id-123456:secret-abc/def").redactor

  @Test func theKeyAndEachHalfAreRemovedFromTextAndBytes() {
    #expect(
      redactor.redact("echo: Key key-id-123456:secret-abc/def and key-id-123456 and secret-abc/def")
        == "echo: Key <redacted> and <redacted> and <redacted>")
    let json = Data(#"{"detail":"Authorization: Key key-id-123456:secret-abc\/def"}"#.utf8)
    #expect(String(decoding: redactor.redact(json), as: UTF8.self) == #"{"detail":"Authorization: Key <redacted>"}"#)
  }

  @Test func headerValuesAndBodiesOfResponsesAreRedacted() {
    let response = HTTPResponse(
      status: 500, headers: ["X-Echo": "Key key-id-123456:secret-abc/def"], body: Data("secret-abc/def".utf8))
    let clean = redactor.redact(response)
    #expect(clean.headers["X-Echo"] == "Key <redacted>")
    #expect(clean.body == Data("<redacted>".utf8))
    #expect(clean.status == 500)
  }

  /// A few characters are no secret, and removing them everywhere would garble every message.
  @Test func tooShortPiecesAndPlaceholdersAreLeftAlone() {
    #expect(Credentials(key: "k").redact("keep kites") == "keep kites")
    #expect(Credentials(key: "ab:cdefghij").redact("ab cdefghij") == "ab <redacted>")
    #expect(Credentials.placeholder.redactor.isEmpty)
  }
}

@Suite struct HTTPDescriptionTests {
  @Test func headersAndRequestsDescribeThemselvesWithoutTheKey() {
    let secret = "id-1234:very-secret-value"
    var headers = HTTPHeaders()
    headers.add("Authorization", "Key \(secret)")
    headers.add("Accept", "application/json")
    let request = HTTPRequest(
      method: .post, url: "https://queue.fal.run/x", headers: headers, body: .data(Data("{}".utf8)))
    var dumped = ""
    dump(request, to: &dumped)
    for text in ["\(headers)", String(reflecting: headers), "\(request)", String(reflecting: request), dumped] {
      #expect(!text.contains("very-secret"), "\(text)")
    }
    #expect("\(headers)" == "[Authorization: <redacted>, Accept: application/json]")
    #expect(
      "\(request)" == "POST https://queue.fal.run/x [Authorization: <redacted>, Accept: application/json] 2-byte body")
    #expect(dumped.contains("Accept"))
  }
}
