/// One misbehaviour the emulator can show instead of (or before) a normal answer.
///
/// The kinds mirror what clients meet in production and must survive: slow answers, platform
/// errors that carry `x-fal-request-id` (Python does not retry those), ingress errors without it
/// (nginx HTML, which Python retries), rate limiting, connections cut before or during a response,
/// and bodies that are not JSON.
public enum Fault: Sendable, Hashable {
  /// Wait, then answer normally.
  case latency(Duration)
  /// A platform error with this status: `{"detail":…,"error_type":…}` with `x-fal-request-id`
  /// and `X-Fal-Error-Type` (e.g. 503 `runner_scheduling_failure`, 500 `internal_error`).
  case status(Int)
  /// An ingress error (use 502–504): nginx-style HTML body and no `x-fal-request-id`.
  case ingress(Int)
  /// 429 with `Retry-After: <seconds>`.
  case rateLimited(retryAfter: Int)
  /// 504 with `x-fal-request-timeout-type: user`, which no official client retries.
  case startTimeout
  /// Close the connection without writing a response.
  case dropConnection
  /// Status stream only: send this many events, then cut the connection mid-stream.
  /// On other routes it behaves like ``dropConnection``.
  case dropStream(afterEvents: Int)
  /// 200 with `Content-Type: application/json` and a body that is not valid JSON.
  case malformedBody
  /// File GET: 200 with a video's headers and a body of zeros that never ends (no length).
  case endlessBody
  /// File GET: the normal answer (a 206 for a `Range`), but the connection is cut after this many
  /// bytes of its body: a download dropped mid-file, to be retried or resumed.
  case cutBody(afterBytes: Int)
  /// File GET: 200 with `Content-Length: bytes` and that many zeros, whatever the stored file's size.
  case oversizedBody(bytes: Int)
  /// Submit only: the job is queued as usual, then the connection is closed before the reply (a
  /// proxy or a flaky link losing the answer). The client cannot know whether its job exists.
  case acceptThenDrop
  /// Cancel only: the cancel is honoured, but the job ends with this `error_type` and its result
  /// answers with this status (fal has ended cancelled jobs as `client_cancelled`, answered 499).
  case cancelEndsWith(errorType: String, status: Int)
  /// Submit only: the job is queued, then ends COMPLETED with this `error_type` instead of a video,
  /// its result answering as fal does for it (``JobFailure/ending(errorType:)``): the runner and
  /// timeout types, `content_policy_violation`, and `start_timeout` (a request's own start timeout).
  case jobEndsWith(errorType: String)
  /// Result route only: the normal answer, but with this text as `x-fal-billable-units` (a
  /// malformed header: `NaN`, `inf`, `1e19`, `-5`…). Ignored on other routes.
  case billableUnitsHeader(String)
  /// Status stream only: answer 200 with the event-stream headers, then send nothing at all (no
  /// event, no keep-alive) until the client gives up: a server or proxy that stopped answering.
  case silentStream
  /// Status stream only: one `data:` line that never ends (chunks of `x` without a newline).
  case endlessLine
  /// Status stream only: IN_PROGRESS events, each with new log lines, without end.
  case endlessLogs
}
