import FalProtocol
import FlyingFox
import Foundation

/// fal's storage API: REST initiate/token calls, signed-URL PUTs, and the v3 CDN's uploads.
extension Router {
  /// `POST /storage/upload/initiate[-multipart]?storage_type=…` → `{upload_url, file_url}`.
  func initiate(_ request: HTTPRequest, multipart: Bool, origin: RequestOrigin) async -> HTTPResponse {
    let body = (try? await request.bodyData) ?? Data()
    let parsed = JSONCoding.decode(JSONValue.self, from: body)
    let contentType = parsed?["content_type"]?.stringValue
    let fileName = parsed?["file_name"]?.stringValue
    let upload = await storage.initiate(contentType: contentType, fileName: fileName, multipart: multipart)
    let base = origin.files
    let answer = UploadInitiateResponse(
      uploadURL: "\(base)/uploads/\(upload.token)",
      fileURL: "\(base)/files/\(upload.key)/\(StorageService.percentEncode(upload.fileName))")
    return Responses.json(200, answer)
  }

  /// `POST /storage/auth/token` → a CDN token whose `expires_at` has an explicit `+00:00` offset.
  func cdnToken(_ request: HTTPRequest, origin: RequestOrigin) async -> HTTPResponse {
    _ = try? await request.bodyData
    return Responses.json(200, await storage.issueToken(baseURL: origin.files))
  }

  /// `PUT upload_url`: the raw bytes, streamed to disk.
  func uploadPut(_ request: HTTPRequest, token: String, origin: RequestOrigin) async -> HTTPResponse {
    guard await storage.upload(token) != nil else {
      await BodyWriter.discard(request.bodySequence)
      return Responses.detail(404, StorageError.unknownUpload.detail)
    }
    let temporary = await storage.temporaryPath()
    do {
      let written = try await BodyWriter.write(request.bodySequence, to: temporary)
      let file = try await storage.commitSingle(
        token: token, from: temporary, size: written.size, contentType: request.headers[.contentType])
      var response = Responses.json(200, ["file_url": origin.files + file.urlPath])
      response.headers[.eTag] = written.etag
      return response
    } catch let error as StorageError {
      try? FileManager.default.removeItem(at: temporary)
      return Responses.detail(error.httpStatus, error.detail)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      return Responses.detail(400, "Upload interrupted: \(error.localizedDescription)")
    }
  }

  /// `PUT <upload_url>/<n>` → `{"partNumber": n, "etag": "…"}` (the JS multipart flow).
  func uploadPart(_ request: HTTPRequest, token: String, number: Int) async -> HTTPResponse {
    let known = await storage.upload(token) != nil
    return await receivePart(request, token: token, number: number, known: known) { etag in
      try await storage.recordPart(token: token, number: number, etag: etag)
    }
  }

  /// Streams one multipart part to disk and answers with its ETag (in the JSON body, for the JS
  /// flow, and as a header, for Python's CDN flow): the two multipart flows differ only in how the
  /// upload is looked up and where the part is recorded.
  private func receivePart(
    _ request: HTTPRequest, token: String, number: Int, known: Bool,
    record: (String) async throws -> Void
  ) async -> HTTPResponse {
    guard known else {
      await BodyWriter.discard(request.bodySequence)
      return Responses.detail(404, StorageError.unknownUpload.detail)
    }
    do {
      let written = try await BodyWriter.write(
        request.bodySequence, to: await storage.partPath(token: token, number: number))
      try await record(written.etag)
      var response = Responses.json(200, UploadedPart(partNumber: number, etag: written.etag))
      response.headers[.eTag] = written.etag
      return response
    } catch let error as StorageError {
      return Responses.detail(error.httpStatus, error.detail)
    } catch {
      return Responses.detail(400, "Upload interrupted: \(error.localizedDescription)")
    }
  }

  /// `POST <upload_url>/complete` with `{"parts":[…]}`.
  func uploadComplete(_ request: HTTPRequest, token: String, origin: RequestOrigin) async -> HTTPResponse {
    let body = (try? await request.bodyData) ?? Data()
    let parts = JSONCoding.decode(MultipartComplete.self, from: body)?.parts ?? []
    do {
      let file = try await storage.completeMultipart(token: token, parts: parts)
      return Responses.json(200, ["file_url": origin.files + file.urlPath])
    } catch {
      return Responses.detail(error.httpStatus, error.detail)
    }
  }

  /// CDN `POST /files/upload`: raw body, `X-Fal-File-Name`, token auth → `{"access_url": …}`.
  func cdnUpload(_ request: HTTPRequest, origin: RequestOrigin) async -> HTTPResponse {
    let temporary = await storage.temporaryPath()
    do {
      let written = try await BodyWriter.write(request.bodySequence, to: temporary)
      let file = try await storage.store(
        temporary, fileName: request.headers[HTTPHeader(FalHeader.fileName)],
        contentType: request.headers[.contentType],
        size: written.size)
      return Responses.json(200, ["access_url": origin.files + file.urlPath])
    } catch let error as StorageError {
      try? FileManager.default.removeItem(at: temporary)
      return Responses.detail(error.httpStatus, error.detail)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      return Responses.detail(400, "Upload interrupted: \(error.localizedDescription)")
    }
  }

  /// CDN `POST /files/upload/multipart` → `{"access_url", "uploadId"}`.
  func cdnMultipartCreate(_ request: HTTPRequest, origin: RequestOrigin) async -> HTTPResponse {
    _ = try? await request.bodyData
    let upload = await storage.createCDNMultipart(
      fileName: request.headers[HTTPHeader(FalHeader.fileName)], contentType: request.headers[.contentType])
    let accessURL = "\(origin.files)/files/\(upload.key)/\(StorageService.percentEncode(upload.fileName))"
    return Responses.json(200, ["access_url": accessURL, "uploadId": upload.token])
  }

  /// CDN `PUT {access_url}/multipart/{uploadId}/{n}`: the part's ETag comes back as a header.
  func cdnPart(_ request: HTTPRequest, key: String, uploadID: String, number: Int) async -> HTTPResponse {
    let known = await storage.cdnUpload(uploadID, key: key) != nil
    return await receivePart(request, token: uploadID, number: number, known: known) { etag in
      try await storage.recordCDNPart(uploadID: uploadID, number: number, etag: etag)
    }
  }

  /// CDN `POST {access_url}/multipart/{uploadId}/complete` with `{"parts":[…]}`.
  func cdnComplete(_ request: HTTPRequest, key: String, uploadID: String, origin: RequestOrigin) async -> HTTPResponse {
    let body = (try? await request.bodyData) ?? Data()
    let parts = JSONCoding.decode(MultipartComplete.self, from: body)?.parts ?? []
    guard await storage.cdnUpload(uploadID, key: key) != nil else {
      return Responses.detail(404, StorageError.unknownUpload.detail)
    }
    do {
      let file = try await storage.completeCDNMultipart(uploadID: uploadID, parts: parts)
      return Responses.json(200, ["access_url": origin.files + file.urlPath])
    } catch {
      return Responses.detail(error.httpStatus, error.detail)
    }
  }
}
