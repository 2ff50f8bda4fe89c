import FalClient

/// The production `HTTPTransport`: libcurl's multi interface on one dedicated thread.
///
/// Hundreds of transfers (SSE streams, uploads, downloads) share that thread; each `execute` only
/// queues work and suspends. Create one per process and keep it for the process's life: a second
/// instance would mean a second multi handle and thread (several multi handles on different threads
/// have crashed OpenSSL builds of libcurl).
///
/// Callbacks the caller supplies (`HTTPResponseSink.stream` handlers and `HTTPRequest.progress`)
/// run on the curl thread, inside libcurl: they must return quickly and must not block, or every
/// other transfer stalls with them.
public final class CurlTransport: HTTPTransport {
  private let driver: CurlDriver
  /// The file of CA certificates TLS servers are checked against; nil: libcurl's built-in bundle
  /// (Debian's `/etc/ssl/certs/ca-certificates.crt`).
  public let caBundle: String?

  /// Initialises libcurl (once per process) and starts the network thread.
  ///
  /// - Parameter caBundle: CA certificates to trust instead of the system's (a company's TLS
  ///   proxy, a test's own CA); see ``caBundle(in:)``.
  /// - Throws: `.other` if libcurl or the thread cannot be set up.
  public init(caBundle: String? = nil) throws(TransportError) {
    driver = try CurlDriver()
    self.caBundle = caBundle
  }

  init(idleWaitMilliseconds: Int32) throws(TransportError) {
    driver = try CurlDriver(idleWaitMilliseconds: idleWaitMilliseconds)
    caBundle = nil
  }

  /// The CA bundle the environment names, as curl's own tool reads it (`CURL_CA_BUNDLE`) or else
  /// as OpenSSL does (`SSL_CERT_FILE`): libcurl itself reads neither.
  public static func caBundle(in environment: [String: String]) -> String? {
    for name in ["CURL_CA_BUNDLE", "SSL_CERT_FILE"] {
      if let path = environment[name], !path.isEmpty { return path }
    }
    return nil
  }

  deinit {
    driver.shutdown()
  }

  /// The network thread's next sleep that `predicate` accepts (or its latest, if that does), for
  /// tests that prove it sleeps long while idle; nil if none came within `timeout`.
  func park(within timeout: Duration, where predicate: @escaping @Sendable (Park) -> Bool) async -> Park? {
    await driver.park(within: timeout, where: predicate)
  }

  /// Runs `curl_global_init` now rather than on first use.
  ///
  /// libcurl wants this before other threads exist; call it early in `main` when you can. Calling
  /// it again, or creating a transport afterwards, is harmless.
  public static func initializeLibrary() {
    _ = CurlDriver.globalInit
  }

  public func execute(_ request: HTTPRequest, sink: HTTPResponseSink) async throws(TransportError)
    -> HTTPResponse
  {
    // Opening the body file here makes a missing or unreadable file fail before any network I/O.
    let upload = try CurlUploadSource.make(request.body)
    let transfer = CurlTransfer(
      id: driver.makeID(), request: request, sink: sink, upload: upload, caBundle: caBundle)
    let driver = self.driver
    let outcome = await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        transfer.continuation = continuation
        driver.submit(transfer)
      }
    } onCancel: {
      driver.cancel(transfer)
    }
    return try outcome.get()
  }

  /// Stops the network thread; in-flight and later calls fail with `.cancelled`.
  ///
  /// Blocks until the thread has exited (unless called on that thread), so do not call it from
  /// the cooperative pool in a hot path; it is meant for process exit and tests.
  public func shutdown() {
    driver.shutdown()
  }
}
