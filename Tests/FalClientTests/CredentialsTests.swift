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
    let a = try Credentials.resolve(environment: ["FAL_KEY": "k1", "FAL_KEY_ID": "i", "FAL_KEY_SECRET": "s"], configDirectory: "/nonexistent")
    #expect(a?.0.authorizationHeader == "Key k1")
    let b = try Credentials.resolve(environment: ["FAL_KEY_ID": "i", "FAL_KEY_SECRET": "s"], configDirectory: "/nonexistent")
    #expect(b?.0.authorizationHeader == "Key i:s")
    #expect(try Credentials.resolve(environment: [:], configDirectory: "/nonexistent") == nil)
  }

  @Test func aPrivateCredentialsFileIsRead() throws {
    let dir = try tempDir()
    let path = dir + "/credentials"
    try "# my key\nFAL_KEY=\"abc:def\"\n".write(toFile: path, atomically: true, encoding: .utf8)
    chmod(path, 0o600)
    let found = try Credentials.resolve(environment: [:], configDirectory: dir)
    #expect(found?.0.authorizationHeader == "Key abc:def")
    #expect(found?.1 == .file(path))
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

  @Test func validationErrorsAreNeverRetried() {
    for code in [400, 401, 403, 404, 422] {
      #expect(RetryPolicy.default.delay(after: .status(code, retryAfter: nil), attempt: 1, safety: .idempotent) == nil)
    }
  }
}
