import CCurl
import FalClient
import FalProtocol
import Synchronization
import SystemPackage

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif
#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One HTTP exchange: its easy handle, the state curl's callbacks build up, and the continuation
/// that hands the outcome back to the awaiting task.
///
/// Thread ownership: `init` runs on the calling task; from `CurlDriver.submit` on, every mutable
/// field is touched only by the curl thread (callbacks run inside `curl_multi_perform` on it). The
/// exceptions are `cancelRequested` (atomic) and `continuation`, which is written once before
/// submission (the driver's mutex orders it) and resumed once by the curl thread. Hence
/// `@unchecked Sendable`.
final class CurlTransfer: @unchecked Sendable {
  /// Where body bytes go, decided on the first byte once the final status is known.
  private enum BodyRoute {
    case memory(limit: Int)
    case file(path: String, append: Bool, observer: FileSinkObserver?)
    case stream(@Sendable (Data) -> Void)
    /// A non-2xx body, kept for the caller to read whatever sink it asked for.
    case errorCapture
  }

  /// Non-2xx bodies are returned in memory up to this size (the contract's 1 MiB cap).
  static let errorBodyCap = 1 << 20
  static let progressInterval = Duration.milliseconds(100)

  let id: UInt64
  let request: HTTPRequest
  private let sink: HTTPResponseSink
  private let upload: CurlUploadSource?
  private let caBundle: String?
  let cancelRequested = Atomic<Bool>(false)
  var continuation: CheckedContinuation<Result<HTTPResponse, TransportError>, Never>?

  private(set) var easy: UnsafeMutableRawPointer?
  private var headerList: UnsafeMutablePointer<curl_slist>?
  private let errorBuffer: UnsafeMutablePointer<CChar>
  private var headerFields: [(name: String, value: String)] = []
  private var route: BodyRoute?
  private var memoryBody = Data()
  private var errorBody = Data()
  private var errorBodyTruncated = false
  private var sinkDescriptor: Int32 = -1
  /// Bytes in the file sink's file so far, those of an appended-to file included (checked
  /// against ``HTTPRequest/fileLimit``).
  private var fileBytes: Int64 = 0
  /// Where the file sink's next byte goes (what its observer is told).
  private var sinkOffset: Int64 = 0
  /// Our own reason for aborting (file error, size limit); wins over curl's generic code.
  private var failure: TransportError?
  private var lastProgress = TransferProgress()
  private var lastProgressTime: ContinuousClock.Instant?
  /// When a byte last moved (or the transfer started): the idle limit counts from here.
  private var lastActivity = ContinuousClock.now

  init(id: UInt64, request: HTTPRequest, sink: HTTPResponseSink, upload: CurlUploadSource?, caBundle: String? = nil) {
    self.id = id
    self.request = request
    self.sink = sink
    self.upload = upload
    self.caBundle = caBundle
    let size = ccurl_error_size()
    errorBuffer = .allocate(capacity: size)
    errorBuffer.initialize(repeating: 0, count: size)
  }

  deinit {
    releaseHandle()
    closeSink()
    errorBuffer.deallocate()
  }

  // MARK: - Setup (curl thread)

  /// Creates and configures the easy handle.
  ///
  /// - Returns: nil when the handle is ready to add to the multi handle, or why it cannot be.
  func prepare() -> TransportError? {
    if let problem = validate() { return problem }
    guard let easy = curl_easy_init() else {
      return TransportError(.other, "curl_easy_init failed")
    }
    self.easy = easy
    let context = Unmanaged.passUnretained(self).toOpaque()
    var code = CURLE_OK
    func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }

    set(ccurl_easy_setopt_string(easy, CURLOPT_URL, request.url))
    set(ccurl_easy_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"))
    set(ccurl_easy_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 0))
    set(ccurl_easy_setopt_long(easy, CURLOPT_NOSIGNAL, 1))
    set(ccurl_easy_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1))
    if let caBundle { set(ccurl_easy_setopt_string(easy, CURLOPT_CAINFO, caBundle)) }
    if !request.isIdempotent {
      // libcurl resends a request, on a new connection, when a reused connection dies before any
      // byte of the answer arrives (`Curl_retry_request`): for a submit the server may already
      // have queued, that is a second billed job. It does so only for a reused connection, so a
      // request that must not repeat gets a connection of its own and leaves none behind.
      // (CURLOPT_FORBID_RETRY_ON_REUSE says this directly, but only from libcurl 8.16.)
      set(ccurl_easy_setopt_long(easy, CURLOPT_FRESH_CONNECT, 1))
      set(ccurl_easy_setopt_long(easy, CURLOPT_FORBID_REUSE, 1))
    }
    set(ccurl_easy_setopt_pointer(easy, CURLOPT_PRIVATE, context))
    set(ccurl_easy_setopt_pointer(easy, CURLOPT_ERRORBUFFER, errorBuffer))

    set(
      ccurl_easy_setopt_long(
        easy, CURLOPT_CONNECTTIMEOUT_MS, Self.milliseconds(request.timeouts.connect)))
    // The idle limit is kept by the driver (``idleDeadline``), not by CURLOPT_LOW_SPEED_*: curl
    // checks the speed with a timer every second per transfer, so 50 followed jobs woke the network
    // thread ~100 times a second while their streams sat between events.
    lastActivity = ContinuousClock.now
    if let total = request.timeouts.total {
      set(ccurl_easy_setopt_long(easy, CURLOPT_TIMEOUT_MS, max(1, Self.milliseconds(total))))
    }
    if case .file = sink {
      // Downloads to disk read in 512 KiB pieces instead of curl's 16 KiB: a 500 MB video took
      // 5.6× as many receive calls as curl's own tool and ran at half its speed (docs/PERFORMANCE.md).
      set(ccurl_easy_setopt_long(easy, CURLOPT_BUFFERSIZE, 512 * 1024))
    }

    set(ccurl_easy_setopt_pointer(easy, CURLOPT_HEADERDATA, context))
    set(
      ccurl_easy_setopt_header_callback(easy) { buffer, size, count, context in
        guard let buffer, let context else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        return transfer.receiveHeaderLine(
          UnsafeRawBufferPointer(start: buffer, count: size * count))
      })
    set(ccurl_easy_setopt_pointer(easy, CURLOPT_WRITEDATA, context))
    set(
      ccurl_easy_setopt_write_callback(easy) { buffer, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
        return transfer.receiveBody(UnsafeRawBufferPointer(start: buffer, count: size * count))
      })
    if request.progress != nil {
      set(ccurl_easy_setopt_long(easy, CURLOPT_NOPROGRESS, 0))
      set(ccurl_easy_setopt_pointer(easy, CURLOPT_XFERINFODATA, context))
      set(
        ccurl_easy_setopt_xferinfo_callback(easy) {
          context, downloadTotal, downloaded, uploadTotal, uploaded in
          guard let context else { return 0 }
          let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
          transfer.reportProgress(
            TransferProgress(
              uploaded: Int64(uploaded), uploadTotal: Int64(uploadTotal),
              downloaded: Int64(downloaded), downloadTotal: Int64(downloadTotal)),
            force: false)
          return 0
        })
    }

    set(configureMethodAndBody(easy, context: context))

    var list: UnsafeMutablePointer<curl_slist>?
    for field in request.headers {
      // "Name;" is curl's spelling for a header sent with an empty value ("Name:" would remove it).
      let line = field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)"
      list = curl_slist_append(list, line)
    }
    // 100-continue makes curl wait up to a second for a go-ahead many servers never send.
    if request.headers["Expect"] == nil { list = curl_slist_append(list, "Expect:") }
    // curl labels POST bodies as form data unless told otherwise; the bytes are opaque to us.
    if request.headers["Content-Type"] == nil, upload != nil {
      list = curl_slist_append(list, "Content-Type:")
    }
    headerList = list
    set(ccurl_easy_setopt_slist(easy, CURLOPT_HTTPHEADER, list))

    guard code == CURLE_OK else { return failureFor(code) }
    return nil
  }

  /// Rejects what curl would send wrongly or not at all.
  private func validate() -> TransportError? {
    let host = TransportError.hostDescription(of: request.url)
    for field in request.headers {
      // Bytes, not Characters: "\r\n" is a single Character and would slip past a Character test.
      let badName =
        field.name.isEmpty || field.name.utf8.contains { $0 <= 32 || $0 == 58 || $0 == 127 }
      if badName || field.value.utf8.contains(where: { $0 == 13 || $0 == 10 || $0 == 0 }) {
        // The name is safe to show; the value may be a credential.
        return TransportError(
          .invalidRequest, "invalid header field \"\(field.name)\" for host \(host)")
      }
    }
    if request.method == .head, upload != nil {
      return TransportError(.invalidRequest, "HEAD request with a body for host \(host)")
    }
    return nil
  }

  private func configureMethodAndBody(
    _ easy: UnsafeMutableRawPointer, context: UnsafeMutableRawPointer
  ) -> CURLcode {
    var code = CURLE_OK
    func set(_ result: CURLcode) { if code == CURLE_OK { code = result } }
    switch request.method {
    case .get where upload == nil:
      set(ccurl_easy_setopt_long(easy, CURLOPT_HTTPGET, 1))
    case .head:
      set(ccurl_easy_setopt_long(easy, CURLOPT_NOBODY, 1))
    case .delete where upload == nil:
      set(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, "DELETE"))
    case .put:
      // UPLOAD is curl's PUT: the size goes in INFILESIZE, so no chunked encoding.
      set(ccurl_easy_setopt_long(easy, CURLOPT_UPLOAD, 1))
      set(ccurl_easy_setopt_off_t(easy, CURLOPT_INFILESIZE_LARGE, curl_off_t(upload?.length ?? 0)))
    case .post, .get, .delete:
      set(ccurl_easy_setopt_long(easy, CURLOPT_POST, 1))
      set(
        ccurl_easy_setopt_off_t(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(upload?.length ?? 0)))
      if request.method != .post {
        set(ccurl_easy_setopt_string(easy, CURLOPT_CUSTOMREQUEST, request.method.rawValue))
      }
    }
    if upload != nil || request.method == .post || request.method == .put {
      set(ccurl_easy_setopt_pointer(easy, CURLOPT_READDATA, context))
      set(
        ccurl_easy_setopt_read_callback(easy) { buffer, size, count, context in
          guard let context else { return Int(CURL_READFUNC_ABORT) }
          let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
          return transfer.sendBody(
            UnsafeMutableRawBufferPointer(start: buffer, count: size * count))
        })
      set(ccurl_easy_setopt_pointer(easy, CURLOPT_SEEKDATA, context))
      set(
        ccurl_easy_setopt_seek_callback(easy) { context, offset, origin in
          guard let context, origin == SEEK_SET else { return Int32(CURL_SEEKFUNC_CANTSEEK) }
          let transfer = Unmanaged<CurlTransfer>.fromOpaque(context).takeUnretainedValue()
          return transfer.upload?.seek(to: Int64(offset)) ?? (offset == 0)
            ? Int32(CURL_SEEKFUNC_OK) : Int32(CURL_SEEKFUNC_FAIL)
        })
    }
    return code
  }

  // MARK: - Callbacks (curl thread)

  private func sendBody(_ buffer: UnsafeMutableRawBufferPointer) -> Int {
    lastActivity = ContinuousClock.now
    guard let upload else { return 0 }
    switch upload.read(into: buffer) {
    case .success(let count):
      return count
    case .failure(let error):
      failure = error
      return Int(CURL_READFUNC_ABORT)
    }
  }

  private func receiveHeaderLine(_ bytes: UnsafeRawBufferPointer) -> Int {
    lastActivity = ContinuousClock.now
    var line = Substring(String(decoding: bytes, as: UTF8.self))
    while let last = line.last, last == "\r\n" || last == "\n" || last == "\r" {
      line = line.dropLast()
    }
    if line.hasPrefix("HTTP/") {
      // A new status line starts a new response (after 1xx, or a proxy's CONNECT answer): only
      // the final response's fields are reported.
      headerFields.removeAll()
    } else if let first = line.first, first == " " || first == "\t",
      let previous = headerFields.popLast()
    {
      // Obsolete line folding: the value continues.
      headerFields.append((previous.name, previous.value + " " + Self.trimmed(line)))
    } else if let colon = line.firstIndex(of: ":") {
      headerFields.append(
        (Self.trimmed(line[..<colon]), Self.trimmed(line[line.index(after: colon)...])))
    }
    return bytes.count
  }

  private func receiveBody(_ chunk: UnsafeRawBufferPointer) -> Int {
    lastActivity = ContinuousClock.now
    if route == nil { route = chooseRoute() }
    guard let route else { return 0 }
    switch route {
    case .errorCapture:
      let room = Self.errorBodyCap - errorBody.count
      guard chunk.count <= room else {
        // Enough to read the error; stop downloading the rest rather than drain it.
        errorBody.append(contentsOf: chunk.prefix(room))
        errorBodyTruncated = true
        return 0
      }
      errorBody.append(contentsOf: chunk)
    case .memory(let limit):
      guard memoryBody.count + chunk.count <= limit else {
        failure = TransportError(
          .bodyTooLarge,
          "response body exceeds \(limit) bytes (host \(TransportError.hostDescription(of: request.url)))"
        )
        return 0
      }
      memoryBody.append(contentsOf: chunk)
    case .file(let path, let append, let observer):
      if sinkDescriptor < 0, let error = openSink(path: path, append: append) {
        failure = error
        return 0
      }
      fileBytes += Int64(chunk.count)
      if let limit = request.fileLimit, fileBytes > limit {
        failure = TransportError(
          .bodyTooLarge,
          "response body exceeds \(limit) bytes (host \(TransportError.hostDescription(of: request.url)))")
        return 0
      }
      if let error = writeSink(chunk, path: path) {
        failure = error
        return 0
      }
      observer?(sinkOffset, chunk)
      sinkOffset += Int64(chunk.count)
    case .stream(let handler):
      handler(Data(chunk))
    }
    return chunk.count
  }

  private func chooseRoute() -> BodyRoute {
    guard (200..<300).contains(responseCode()) else { return .errorCapture }
    switch sink {
    case .memory(let limit): return .memory(limit: limit)
    case .file(let path, let append, let observer): return .file(path: path, append: append, observer: observer)
    case .stream(let handler): return .stream(handler)
    }
  }

  /// Reports progress at most every `progressInterval`, unless `force` (the final report).
  private func reportProgress(_ progress: TransferProgress, force: Bool) {
    guard let callback = request.progress, progress != lastProgress else { return }
    let now = ContinuousClock.now
    if !force, let last = lastProgressTime, now - last < Self.progressInterval { return }
    lastProgressTime = now
    lastProgress = progress
    callback(progress)
  }

  // MARK: - File sink

  private func openSink(path: String, append: Bool) -> TransportError? {
    // Appending is right only when the server honoured our Range; a 200 is the whole file again.
    let appending = append && responseCode() == 206
    let flags = O_WRONLY | O_CREAT | O_CLOEXEC | (appending ? O_APPEND : O_TRUNC)
    let descriptor = open(path, flags, 0o644)
    guard descriptor >= 0 else {
      return TransportError(.file, "cannot write \(path): \(errnoText(errno))")
    }
    sinkDescriptor = descriptor
    sinkOffset = 0
    guard appending else { return nil }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      return TransportError(.file, "cannot write \(path): \(errnoText(errno))")
    }
    let size = Int64(info.st_size)
    sinkOffset = size
    if let start = contentRangeStart() {
      // A retry of the same `Range` request, after an attempt that broke off mid-body, finds that
      // attempt's bytes past the range's start: they are cut, not written twice.
      guard start <= size else {
        return TransportError(.file, "cannot resume \(path): the server sent bytes from \(start) but it holds \(size)")
      }
      if start < size, ftruncate(descriptor, off_t(start)) != 0 {
        return TransportError(.file, "cannot write \(path): \(errnoText(errno))")
      }
      sinkOffset = start
    }
    // The limit bounds the file: what an earlier attempt left counts too.
    fileBytes = sinkOffset
    return nil
  }

  /// The first byte's offset in a 206's `Content-Range: bytes START-END/TOTAL`, if it has one.
  private func contentRangeStart() -> Int64? {
    guard let value = headerFields.last(where: { $0.name.lowercased() == "content-range" })?.value else { return nil }
    let range = value.split(separator: " ", maxSplits: 1)
    guard range.count == 2, range[0].lowercased() == "bytes", let dash = range[1].firstIndex(of: "-") else {
      return nil
    }
    return Int64(range[1][..<dash])
  }

  private func writeSink(_ chunk: UnsafeRawBufferPointer, path: String) -> TransportError? {
    do {
      try FileDescriptor(rawValue: sinkDescriptor).writeAll(chunk)
      return nil
    } catch {
      return TransportError(.file, "cannot write \(path): \(error)")
    }
  }

  private func closeSink() {
    if sinkDescriptor >= 0 { close(sinkDescriptor) }
    sinkDescriptor = -1
  }

  // MARK: - Completion (curl thread)

  /// Builds the outcome once curl reports the transfer done.
  func outcome(for code: CURLcode) -> Result<HTTPResponse, TransportError> {
    if let failure { return .failure(failure) }
    guard code == CURLE_OK || (code == CURLE_WRITE_ERROR && errorBodyTruncated) else {
      let error = failureFor(code)
      if !request.isIdempotent, [.timedOut, .connectionLost, .other].contains(error.kind), !connectionWasMade() {
        // The request's own connection (never a reused one, see `prepare`) was never established,
        // so not a byte of it reached the server: safe to say so, and for a submit to be retried.
        return .failure(TransportError(.cannotConnect, error.message + "; the request was not sent"))
      }
      return .failure(error)
    }
    let status = responseCode()
    let success = (200..<300).contains(status)
    if success, case .file(let path, let append, _) = sink, request.method != .head {
      // An empty 2xx body never reached the write callback, but the file must still reflect it.
      if route == nil, let error = openSink(path: path, append: append) { return .failure(error) }
      let result = close(sinkDescriptor)
      let closeErrno = errno
      sinkDescriptor = -1
      if result != 0 {
        return .failure(TransportError(.file, "cannot write \(path): \(errnoText(closeErrno))"))
      }
    }
    if let easy, request.progress != nil {
      var uploaded: curl_off_t = 0
      var downloaded: curl_off_t = 0
      _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_SIZE_UPLOAD_T, &uploaded)
      _ = ccurl_easy_getinfo_off_t(easy, CURLINFO_SIZE_DOWNLOAD_T, &downloaded)
      var final = lastProgress
      final.uploaded = Int64(uploaded)
      final.downloaded = Int64(downloaded)
      final.uploadTotal = max(final.uploadTotal, upload?.length ?? 0)
      reportProgress(final, force: true)
    }
    var headers = HTTPHeaders()
    for field in headerFields { headers.add(field.name, field.value) }
    let body: Data
    if !success {
      body = errorBody
    } else if case .memory = sink {
      body = memoryBody
    } else {
      body = Data()
    }
    return .success(HTTPResponse(status: status, headers: headers, body: body))
  }

  /// A failure that is curl's, described without any request header.
  func failureFor(_ code: CURLcode) -> TransportError {
    let detail = String(cString: errorBuffer)
    return TransportError.curl(code, detail: detail, url: request.url, redacting: secrets())
  }

  /// Header values that must never appear in a message, including the bare token after a scheme.
  private func secrets() -> [String] {
    var values: [String] = []
    for field in request.headers {
      let name = field.name.lowercased()
      let sensitive =
        name == "authorization" || name == "proxy-authorization" || name == "cookie"
        || name.contains("key")
        || name.contains("token") || name.contains("secret")
      guard sensitive else { continue }
      values.append(field.value)
      if let space = field.value.firstIndex(of: " ") {
        values.append(Self.trimmed(field.value[field.value.index(after: space)...]))
      }
    }
    return values.sorted { $0.count > $1.count }
  }

  /// Frees curl resources; the handle must already be out of the multi handle.
  func releaseHandle() {
    if let easy { curl_easy_cleanup(easy) }
    easy = nil
    if let headerList { curl_slist_free_all(headerList) }
    headerList = nil
  }

  /// When the transfer fails for moving no byte, if it has an idle limit.
  var idleDeadline: ContinuousClock.Instant? {
    request.timeouts.idle.map { lastActivity + $0 }
  }

  /// The failure of a transfer that moved no byte for its whole idle limit.
  var idleTimeoutError: TransportError {
    let milliseconds = Self.milliseconds(request.timeouts.idle ?? .zero)
    let limit = milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    return TransportError(
      .timedOut, "no data for \(limit) (host \(TransportError.hostDescription(of: request.url)))")
  }

  /// Hands the outcome to the awaiting task, exactly once.
  func complete(_ outcome: Result<HTTPResponse, TransportError>) {
    releaseHandle()
    closeSink()
    continuation?.resume(returning: outcome)
    continuation = nil
  }

  // MARK: - Helpers

  /// Whether the connection this transfer used got as far as carrying a request: TCP connected
  /// and, for https, the TLS handshake done.
  private func connectionWasMade() -> Bool {
    guard let easy else { return true }
    var connect: curl_off_t = 0
    var handshake: curl_off_t = 0
    guard ccurl_easy_getinfo_off_t(easy, CURLINFO_CONNECT_TIME_T, &connect) == CURLE_OK,
      ccurl_easy_getinfo_off_t(easy, CURLINFO_APPCONNECT_TIME_T, &handshake) == CURLE_OK
    else { return true }
    return connect > 0 && (handshake > 0 || !request.url.lowercased().hasPrefix("https:"))
  }

  private func responseCode() -> Int {
    guard let easy else { return 0 }
    var code = 0
    _ = ccurl_easy_getinfo_long(easy, CURLINFO_RESPONSE_CODE, &code)
    return code
  }

  private static func trimmed(_ text: Substring) -> String {
    var view = text
    while let first = view.first, first == " " || first == "\t" { view = view.dropFirst() }
    while let last = view.last, last == " " || last == "\t" { view = view.dropLast() }
    return String(view)
  }

  /// Whole milliseconds, rounded up so a tiny positive limit never becomes curl's "no limit" (0).
  static func milliseconds(_ duration: Duration) -> Int {
    let (seconds, attoseconds) = duration.components
    guard seconds >= 0, attoseconds >= 0 else { return 1 }
    let sub = (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    return Int(seconds) * 1000 + Int(sub)
  }
}
