import FalProtocol
import Foundation

/// fal's storage, simulated on disk: signed-URL uploads (single and multipart), the CDN's direct
/// and multipart uploads, CDN tokens, and the files behind every returned URL.
///
/// Bytes never pass through the actor: handlers stream them to paths the actor hands out, then
/// register the result. The actor only keeps the small index of uploads and files.
actor StorageService {
  let root: URL
  private var files: [String: StoredFile] = [:]
  private var uploads: [String: PendingUpload] = [:]
  private var cdnUploads: [String: PendingUpload] = [:]
  private var issuedTokens: Set<String> = []

  /// Whether files are described on disk (`files/<key>/.meta.json`) so a restarted twin serves them.
  private let persistent: Bool

  /// - Parameter persistent: keep what is stored across restarts. A persistent root belongs to one
  ///   twin at a time (``StateLock``), so what an earlier run left half done (`tmp/`, the parts of
  ///   uploads whose tokens died with it) is deleted here.
  init(root: URL, persistent: Bool = false) throws {
    self.root = root
    self.persistent = persistent
    let manager = FileManager.default
    if persistent {
      for directory in ["uploads", "tmp"] { try? manager.removeItem(at: root.appendingPathComponent(directory)) }
    }
    for directory in ["files", "uploads", "tmp"] {
      try manager.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
    }
    if persistent { files = Self.loadFiles(in: root.appendingPathComponent("files")) }
  }

  // MARK: - Signed-URL uploads (`/storage/upload/initiate[-multipart]`)

  /// Reserves a file URL and an upload token; the file exists once its bytes are complete.
  func initiate(contentType: String?, fileName: String?, multipart: Bool) -> PendingUpload {
    let upload = PendingUpload(
      token: Self.randomKey(length: 32), key: Self.randomKey(), fileName: Self.sanitize(fileName),
      contentType: contentType, multipart: multipart)
    uploads[upload.token] = upload
    return upload
  }

  func upload(_ token: String) -> PendingUpload? {
    uploads[token]
  }

  /// Where a handler should stream the bytes of a single-shot upload.
  func temporaryPath() -> URL {
    root.appendingPathComponent("tmp").appendingPathComponent(UUID().uuidString)
  }

  /// Moves a fully received single upload into place. A second PUT replaces the bytes, as signed URLs allow.
  func commitSingle(token: String, from temporary: URL, size: Int, contentType: String?) throws(StorageError)
    -> StoredFile
  {
    guard let upload = uploads[token] else { throw .unknownUpload }
    let type = upload.contentType ?? contentType
    return try place(temporary, key: upload.key, fileName: upload.fileName, contentType: type, size: size)
  }

  /// Where part `number` of a signed-URL multipart upload goes.
  func partPath(token: String, number: Int) -> URL {
    root.appendingPathComponent("uploads").appendingPathComponent(token).appendingPathComponent("part-\(number)")
  }

  func recordPart(token: String, number: Int, etag: String) throws(StorageError) {
    guard uploads[token] != nil else { throw .unknownUpload }
    uploads[token]?.parts[number] = etag
  }

  func completeMultipart(token: String, parts: [UploadedPart]) throws(StorageError) -> StoredFile {
    guard let upload = uploads[token] else { throw .unknownUpload }
    let file = try assemble(upload, token: token, parts: parts)
    uploads[token] = nil
    return file
  }

  // MARK: - CDN (`/files/upload`, `/files/upload/multipart`, tokens)

  func issueToken(baseURL: String, lifetime: TimeInterval = 3600) -> CDNToken {
    let token = Self.randomKey(length: 40)
    issuedTokens.insert(token)
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    // Python's datetime.fromisoformat (< 3.11) rejects "Z"; write an explicit offset.
    var expires = formatter.string(from: Date().addingTimeInterval(lifetime))
    if expires.hasSuffix("Z") { expires = String(expires.dropLast()) + "+00:00" }
    return CDNToken(token: token, tokenType: "Bearer", baseURL: baseURL, expiresAt: expires)
  }

  func isIssuedToken(_ token: String) -> Bool {
    issuedTokens.contains(token)
  }

  /// Stores a finished file under a new key: CDN single uploads and generated outputs.
  func store(_ temporary: URL, fileName: String?, contentType: String?, size: Int) throws(StorageError) -> StoredFile {
    try place(temporary, key: Self.randomKey(), fileName: Self.sanitize(fileName), contentType: contentType, size: size)
  }

  func createCDNMultipart(fileName: String?, contentType: String?) -> PendingUpload {
    let upload = PendingUpload(
      token: Self.randomKey(length: 24), key: Self.randomKey(), fileName: Self.sanitize(fileName),
      contentType: contentType, multipart: true)
    cdnUploads[upload.token] = upload
    return upload
  }

  func cdnUpload(_ uploadID: String, key: String) -> PendingUpload? {
    guard let upload = cdnUploads[uploadID], upload.key == key else { return nil }
    return upload
  }

  func recordCDNPart(uploadID: String, number: Int, etag: String) throws(StorageError) {
    guard cdnUploads[uploadID] != nil else { throw .unknownUpload }
    cdnUploads[uploadID]?.parts[number] = etag
  }

  func completeCDNMultipart(uploadID: String, parts: [UploadedPart]) throws(StorageError) -> StoredFile {
    guard let upload = cdnUploads[uploadID] else { throw .unknownUpload }
    let file = try assemble(upload, token: uploadID, parts: parts)
    cdnUploads[uploadID] = nil
    return file
  }

  // MARK: - Files

  func file(key: String) -> StoredFile? {
    files[key]
  }

  /// The stored file behind a URL this emulator returned, if it is one of ours.
  ///
  /// Matched on the path (`/files/<key>/…`) whatever the host, so a URL given out before a restart
  /// on another port still finds its file; keys are 21 random characters, so another server's URL
  /// cannot name one by chance.
  func localFile(forURL url: String) -> StoredFile? {
    guard let key = Self.fileKey(inURL: url) else { return nil }
    return files[key]
  }

  /// `url` moved under `baseURL` when it names one of our files; nil otherwise.
  func rebased(_ url: String, onto baseURL: String) -> String? {
    guard let key = Self.fileKey(inURL: url), let file = files[key] else { return nil }
    return baseURL + file.urlPath
  }

  /// Deletes files stored before `cutoff` that `isReferenced` does not claim.
  func prune(before cutoff: Date, isReferenced: (String) -> Bool) {
    for (key, file) in files where file.createdAt < cutoff && !isReferenced(key) {
      try? FileManager.default.removeItem(at: file.path.deletingLastPathComponent())
      files[key] = nil
    }
  }

  /// Every stored file's URL path by key.
  func urlPaths() -> [String: String] {
    files.mapValues(\.urlPath)
  }

  static func fileKey(inURL url: String) -> String? {
    guard let schemeEnd = url.range(of: "://") else { return nil }
    let afterHost = url[schemeEnd.upperBound...].drop { $0 != "/" }
    guard afterHost.hasPrefix("/files/") else { return nil }
    return afterHost.dropFirst("/files/".count).split(separator: "/").first.map(String.init)
  }

  // MARK: - Internals

  private func assemble(_ upload: PendingUpload, token: String, parts: [UploadedPart]) throws(StorageError)
    -> StoredFile
  {
    // Use the parts the client listed (in part order); fall back to every received part.
    var numbers = parts.map(\.partNumber).sorted()
    if numbers.isEmpty { numbers = upload.parts.keys.sorted() }
    guard !numbers.isEmpty else { throw .noParts }
    for part in parts {
      guard let etag = upload.parts[part.partNumber] else { throw .missingPart(part.partNumber) }
      // Clients echo the ETag they were given; compare without quotes, which some strip.
      if etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        != part.etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
      {
        throw .etagMismatch(part.partNumber)
      }
    }
    for number in numbers where upload.parts[number] == nil { throw .missingPart(number) }
    let partDirectory = root.appendingPathComponent("uploads").appendingPathComponent(token)
    let assembled = temporaryPath()
    var size = 0
    do {
      _ = FileManager.default.createFile(atPath: assembled.path, contents: nil)
      let output = try FileHandle(forWritingTo: assembled)
      defer { try? output.close() }
      for number in numbers {
        let input = try FileHandle(forReadingFrom: partDirectory.appendingPathComponent("part-\(number)"))
        defer { try? input.close() }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
          try output.write(contentsOf: chunk)
          size += chunk.count
        }
      }
    } catch {
      throw .io(String(describing: error))
    }
    try? FileManager.default.removeItem(at: partDirectory)
    return try place(assembled, key: upload.key, fileName: upload.fileName, contentType: upload.contentType, size: size)
  }

  private func place(_ temporary: URL, key: String, fileName: String, contentType: String?, size: Int)
    throws(StorageError) -> StoredFile
  {
    let directory = root.appendingPathComponent("files").appendingPathComponent(key)
    let destination = directory.appendingPathComponent(fileName)
    do {
      let manager = FileManager.default
      try manager.createDirectory(at: directory, withIntermediateDirectories: true)
      if manager.fileExists(atPath: destination.path) { try manager.removeItem(at: destination) }
      try manager.moveItem(at: temporary, to: destination)
    } catch {
      throw .io(String(describing: error))
    }
    let type = contentType.flatMap { $0.isEmpty ? nil : $0 } ?? Self.contentType(forFileName: fileName)
    let file = StoredFile(
      key: key, fileName: fileName, contentType: type, path: destination, size: size, createdAt: Date())
    if persistent {
      // The bytes are on disk before the description that makes a restarted twin serve them.
      AtomicFile.sync(destination)
      do {
        try AtomicFile.write(
          JSONCoding.encode(file.metadata), to: directory.appendingPathComponent(Self.metaName), durable: true)
      } catch {
        throw .io(error.description)
      }
    }
    files[key] = file
    return file
  }

  /// The description beside each persisted file; file names never start with a dot (``sanitize(_:)``).
  static let metaName = ".meta.json"

  private static func loadFiles(in directory: URL) -> [String: StoredFile] {
    var found: [String: StoredFile] = [:]
    let keys = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
    for key in keys {
      let folder = directory.appendingPathComponent(key)
      guard let data = try? Data(contentsOf: folder.appendingPathComponent(metaName)),
        let metadata = JSONCoding.decode(StoredFile.Metadata.self, from: data),
        FileManager.default.fileExists(atPath: folder.appendingPathComponent(metadata.fileName).path)
      else {
        // Bytes without a description were never handed out: an interrupted store.
        try? FileManager.default.removeItem(at: folder)
        continue
      }
      found[key] = StoredFile(
        key: key, fileName: metadata.fileName, contentType: metadata.contentType,
        path: folder.appendingPathComponent(metadata.fileName), size: metadata.size,
        createdAt: metadata.createdAt)
    }
    return found
  }

  // MARK: - Helpers

  static func randomKey(length: Int = 21) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
    return String((0..<length).map { _ in alphabet.randomElement() ?? "x" })
  }

  /// A file name safe for one path segment on disk and in a URL.
  static func sanitize(_ name: String?) -> String {
    let base = (name ?? "").split(separator: "/").last.map(String.init) ?? ""
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    var cleaned = String(base.map { allowed.contains($0) ? $0 : "_" }.prefix(120))
    while cleaned.hasPrefix(".") { cleaned.removeFirst() }
    return cleaned.isEmpty ? "upload.bin" : cleaned
  }

  static func percentEncode(_ segment: String) -> String {
    var allowed = CharacterSet.urlPathAllowed
    allowed.remove(charactersIn: "/")
    return segment.addingPercentEncoding(withAllowedCharacters: allowed) ?? segment
  }

  static func contentType(forFileName name: String) -> String {
    switch (name as NSString).pathExtension.lowercased() {
    case "mp4": "video/mp4"
    case "webm": "video/webm"
    case "mov": "video/quicktime"
    case "png": "image/png"
    case "jpg", "jpeg": "image/jpeg"
    case "webp": "image/webp"
    case "gif": "image/gif"
    case "json": "application/json"
    case "txt": "text/plain"
    default: "application/octet-stream"
    }
  }
}
