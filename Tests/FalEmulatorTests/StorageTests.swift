import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// Upload flows of the JS and Python clients, and downloads with ranges.
@Suite struct StorageTests {
  static func bytes(_ count: Int, seed: UInt8 = 7) -> Data {
    Data((0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) })
  }

  @Test("initiate + PUT upload_url stores the bytes under file_url, served with the right Content-Type")
  func signedUpload() async throws {
    try await withEmulator { _, base in
      for storageType in ["fal-cdn-v3", "gcs", nil] as [String?] {
        let query = storageType.map { "?storage_type=\($0)" } ?? ""
        let initiate = try await Curl.request(
          "POST", "\(base)/storage/upload/initiate\(query)",
          json: ["content_type": "image/png", "file_name": "cat.png"])
        #expect(initiate.status == 200)
        let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
        #expect(answer.uploadURL.hasPrefix(base) && answer.fileURL.hasPrefix(base))
        let before = try await Curl.request("GET", answer.fileURL, auth: false)
        #expect(before.status == 404, "no file before its bytes arrive")
        let payload = Self.bytes(3000)
        let put = try await Curl.request(
          "PUT", answer.uploadURL, auth: false, headers: ["Content-Type": "image/png"], body: payload)
        #expect(put.status == 200)
        let get = try await Curl.request("GET", answer.fileURL, auth: false)
        #expect(get.status == 200)
        #expect(get.body.elementsEqual(payload), "bytes differ")
        #expect(get.header("content-type") == "image/png")
      }
    }
  }

  @Test("a 3 MB upload is streamed (above the in-memory replay size) and comes back intact")
  func largeUpload() async throws {
    try await withEmulator { _, base in
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate",
        json: ["content_type": "application/octet-stream", "file_name": "big.bin"])
      let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
      let payload = Self.bytes(3 * 1024 * 1024 + 17)
      let put = try await Curl.request("PUT", answer.uploadURL, auth: false, body: payload)
      #expect(put.status == 200)
      let get = try await Curl.request("GET", answer.fileURL, auth: false)
      #expect(get.body.elementsEqual(payload), "bytes differ")
      // The connection is still usable after a streamed body: a second request answers normally.
      let again = try await Curl.request("GET", answer.fileURL, auth: false, extra: ["-r", "0-9"])
      #expect(again.status == 206)
    }
  }

  @Test("JS multipart: initiate-multipart, part PUTs answer {partNumber, etag}, complete assembles in order")
  func signedMultipart() async throws {
    try await withEmulator { _, base in
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate-multipart?storage_type=fal-cdn-v3",
        json: ["content_type": "video/mp4", "file_name": "clip.mp4"])
      let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
      let parts = [Self.bytes(1500, seed: 1), Self.bytes(1_200_000, seed: 2), Self.bytes(10, seed: 3)]
      var uploaded: [UploadedPart] = []
      for (index, part) in parts.enumerated().reversed() {
        let response = try await Curl.request("PUT", "\(answer.uploadURL)/\(index + 1)", auth: false, body: part)
        #expect(response.status == 200)
        let receipt = try JSONDecoder().decode(UploadedPart.self, from: response.body)
        #expect(receipt.partNumber == index + 1)
        uploaded.append(receipt)
      }
      let bad = try await Curl.request(
        "POST", "\(answer.uploadURL)/complete", auth: false,
        json: ["parts": [["partNumber": 1, "etag": "\"nope\""]]])
      #expect(bad.status == 400, "a wrong ETag is refused")
      let complete = try await Curl.request(
        "POST", "\(answer.uploadURL)/complete", auth: false,
        body: JSONEncoder().encode(MultipartComplete(parts: uploaded.sorted { $0.partNumber < $1.partNumber })))
      #expect(complete.status == 200)
      let get = try await Curl.request("GET", answer.fileURL, auth: false)
      #expect(get.body == parts.reduce(Data(), +))
      #expect(get.header("content-type") == "video/mp4")
    }
  }

  @Test("Python CDN flow: token with +00:00 expiry, POST /files/upload, and CDN multipart with ETag headers")
  func cdnFlows() async throws {
    try await withEmulator(expectedKey: Curl.key) { _, base in
      let tokenResponse = try await Curl.request(
        "POST", "\(base)/storage/auth/token?storage_type=fal-cdn-v3", json: [:])
      let token = try JSONDecoder().decode(CDNToken.self, from: tokenResponse.body)
      #expect(token.tokenType == "Bearer")
      #expect(token.expiresAt.hasSuffix("+00:00"))
      #expect(token.baseURL == base)
      let auth = ["Authorization": "Bearer \(token.token)"]
      let payload = Self.bytes(5000)
      let upload = try await Curl.request(
        "POST", "\(base)/files/upload", auth: false,
        headers: auth.merging(["Content-Type": "text/plain", "X-Fal-File-Name": "notes.txt"]) { $1 }, body: payload)
      #expect(upload.status == 200)
      let accessURL = try #require(upload.json?["access_url"]?.stringValue)
      #expect(accessURL.hasSuffix("/notes.txt"))
      let get = try await Curl.request("GET", accessURL, auth: false)
      #expect(get.body.elementsEqual(payload), "bytes differ")
      #expect(get.header("content-type") == "text/plain")
      let forged = try await Curl.request(
        "POST", "\(base)/files/upload", auth: false, headers: ["Authorization": "Bearer forged"], body: payload)
      #expect(forged.status == 401, "with an expected key, only issued tokens upload")

      let create = try await Curl.request(
        "POST", "\(base)/files/upload/multipart", auth: false,
        headers: auth.merging(["Content-Type": "video/mp4", "X-Fal-File-Name": "big.mp4"]) { $1 })
      let multipartURL = try #require(create.json?["access_url"]?.stringValue)
      let uploadID = try #require(create.json?["uploadId"]?.stringValue)
      let parts = [Self.bytes(2_000_000, seed: 4), Self.bytes(777, seed: 5)]
      var receipts: [JSONValue] = []
      for (index, part) in parts.enumerated() {
        let response = try await Curl.request(
          "PUT", "\(multipartURL)/multipart/\(uploadID)/\(index + 1)", auth: false, headers: auth, body: part)
        #expect(response.status == 200)
        let etag = try #require(response.header("etag"))
        receipts.append(["partNumber": .int(index + 1), "etag": .string(etag)])
      }
      let complete = try await Curl.request(
        "POST", "\(multipartURL)/multipart/\(uploadID)/complete", auth: false, headers: auth,
        json: ["parts": .array(receipts)])
      #expect(complete.status == 200)
      let whole = try await Curl.request("GET", multipartURL, auth: false)
      #expect(whole.body == parts.reduce(Data(), +))
      #expect(whole.header("content-type") == "video/mp4")
    }
  }

  @Test("GET with Range answers 206 with Content-Range; open, suffix and out-of-range requests behave")
  func rangeRequests() async throws {
    try await withEmulator { _, base in
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate",
        json: ["content_type": "application/octet-stream", "file_name": "r.bin"])
      let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
      let payload = Self.bytes(10_000)
      _ = try await Curl.request("PUT", answer.uploadURL, auth: false, body: payload)
      let middle = try await Curl.request("GET", answer.fileURL, auth: false, headers: ["Range": "bytes=100-199"])
      #expect(middle.status == 206)
      #expect(middle.body.elementsEqual(payload[100..<200]), "bytes differ")
      #expect(middle.header("content-range") == "bytes 100-199/10000")
      #expect(middle.header("accept-ranges") == "bytes")
      let resume = try await Curl.request("GET", answer.fileURL, auth: false, headers: ["Range": "bytes=9000-"])
      #expect(resume.status == 206)
      #expect(resume.body.elementsEqual(payload[9000...]), "bytes differ")
      let suffix = try await Curl.request("GET", answer.fileURL, auth: false, headers: ["Range": "bytes=-10"])
      #expect(suffix.body.elementsEqual(payload.suffix(10)), "bytes differ")
      let beyond = try await Curl.request("GET", answer.fileURL, auth: false, headers: ["Range": "bytes=20000-"])
      #expect(beyond.status == 416)
      #expect(beyond.header("content-range") == "bytes */10000")
    }
  }

  @Test("image-to-video reads an uploaded image from storage and 'auto' follows its aspect ratio")
  func uploadedImageDrivesOutput() async throws {
    try await withEmulator(ffmpegPath: nil) { _, base in
      let image = FileManager.default.temporaryDirectory.appendingPathComponent("tall-\(UUID().uuidString).png")
      defer { try? FileManager.default.removeItem(at: image) }
      let (code, _) = try await Curl.run(
        "/usr/bin/ffmpeg",
        [
          "-v", "error", "-f", "lavfi", "-i", "color=c=blue:s=300x600", "-frames:v", "1", image.path,
        ])
      try #require(code == 0)
      let initiate = try await Curl.request(
        "POST", "\(base)/storage/upload/initiate", json: ["content_type": "image/png", "file_name": "tall.png"])
      let answer = try JSONDecoder().decode(UploadInitiateResponse.self, from: initiate.body)
      _ = try await Curl.request("PUT", answer.uploadURL, auth: false, body: try Data(contentsOf: image))
      let job = try #require(
        try await submit(
          base, "fal-ai/magi-distilled/image-to-video",
          [
            "prompt": "x", "image_url": .string(answer.fileURL), "resolution": "480p", "num_inference_steps": 4,
          ]
        ).json)
      _ = try await pollUntilCompleted(try #require(job["status_url"]?.stringValue))
      let result = try await Curl.request("GET", try #require(job["response_url"]?.stringValue))
      let output = try JSONDecoder().decode(VideoOutput.self, from: result.body)
      let video = try await Curl.request("GET", output.video.url, auth: false)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString).mp4")
      defer { try? FileManager.default.removeItem(at: file) }
      try video.body.write(to: file)
      let info = try #require(try await probe(file))
      #expect(info.width == 480 && info.height == 848, "a 1:2 image maps to 9:16")
      #expect(info.frames == 96)
    }
  }

  @Test("a data: URI image is decoded and drives 'auto' (2:1 → 16:9), at 720p")
  func dataURIImage() async throws {
    try await withEmulator(ffmpegPath: nil) { _, base in
      let image = FileManager.default.temporaryDirectory.appendingPathComponent("wide-\(UUID().uuidString).png")
      defer { try? FileManager.default.removeItem(at: image) }
      let (code, _) = try await Curl.run(
        "/usr/bin/ffmpeg",
        [
          "-v", "error", "-f", "lavfi", "-i", "color=c=red:s=400x200", "-frames:v", "1", image.path,
        ])
      try #require(code == 0)
      let uri = "data:image/png;base64," + (try Data(contentsOf: image)).base64EncodedString()
      let job = try #require(
        try await submit(
          base, "fal-ai/magi/image-to-video",
          [
            "prompt": "x", "image_url": .string(uri), "num_inference_steps": 4,
          ]
        ).json)
      _ = try await pollUntilCompleted(try #require(job["status_url"]?.stringValue))
      let result = try await Curl.request("GET", try #require(job["response_url"]?.stringValue))
      #expect(result.header("x-fal-billable-units") == "4", "96 frames at 720p, 4 steps")
      let output = try JSONDecoder().decode(VideoOutput.self, from: result.body)
      let video = try await Curl.request("GET", output.video.url, auth: false)
      let file = FileManager.default.temporaryDirectory.appendingPathComponent("out-\(UUID().uuidString).mp4")
      defer { try? FileManager.default.removeItem(at: file) }
      try video.body.write(to: file)
      let info = try #require(try await probe(file))
      #expect(info.width == 1280 && info.height == 720)
      #expect(info.frames == 96)
    }
  }

  @Test("without ffmpeg the bundled fallback clip is served")
  func fallbackClip() async throws {
    try await withEmulator(ffmpegPath: "") { _, base in
      let job = try #require(try await submit(base).json)
      _ = try await pollUntilCompleted(try #require(job["status_url"]?.stringValue))
      let result = try await Curl.request("GET", try #require(job["response_url"]?.stringValue))
      let output = try JSONDecoder().decode(VideoOutput.self, from: result.body)
      let video = try await Curl.request("GET", output.video.url, auth: false)
      let bundled = try Data(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
          .deletingLastPathComponent().appendingPathComponent("Sources/FalEmulator/Resources/fallback.mp4"))
      #expect(video.body == bundled)
    }
  }
}
