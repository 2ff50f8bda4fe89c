import FalProtocol
import Foundation
import Testing

@testable import FalEmulator

/// Routing decided from method, path and Host alone (no sockets).
@Suite struct RouteTests {
  func route(_ method: String, _ path: String, host: String? = nil, query: [String: String] = [:]) -> Route {
    Route.classify(method: method, path: path, host: host, query: { query[$0] })
  }

  @Test("submit keeps the full id with sub-path, namespace and webhook")
  func submitRoutes() throws {
    #expect(
      route("POST", "/fal-ai/magi-distilled/image-to-video")
        == .submit(try EndpointID(parsing: "fal-ai/magi-distilled/image-to-video"), webhook: nil))
    #expect(
      route("POST", "/comfy/me/flow/x", query: ["fal_webhook": "http://h/w"])
        == .submit(try EndpointID(parsing: "comfy/me/flow/x"), webhook: "http://h/w"))
    #expect(route("POST", "/single") == .notFound)
    #expect(route("GET", "/fal-ai/magi") == .notFound)
  }

  @Test("status, stream, result and cancel drop the sub-path and parse every logs spelling")
  func requestRoutes() {
    #expect(
      route("GET", "/fal-ai/magi/requests/abc/status", query: ["logs": "true"])
        == .status(app: "fal-ai/magi", requestID: "abc", logs: true))
    #expect(
      route("GET", "/fal-ai/magi/image-to-video/requests/abc/status", query: ["logs": "0"])
        == .status(app: "fal-ai/magi", requestID: "abc", logs: false))
    #expect(
      route("GET", "/fal-ai/magi/requests/abc/status/stream", query: ["logs": "1"])
        == .stream(app: "fal-ai/magi", requestID: "abc", logs: true))
    #expect(route("GET", "/fal-ai/magi/requests/abc") == .result(app: "fal-ai/magi", requestID: "abc"))
    #expect(route("PUT", "/workflows/o/a/requests/abc/cancel") == .cancel(app: "workflows/o/a", requestID: "abc"))
    #expect(route("GET", "/fal-ai/magi/requests/abc/cancel") == .methodNotAllowed(.cancel))
  }

  @Test("Host names a service: rest. only storage, v3. only CDN, queue. only the queue")
  func hostRoles() throws {
    #expect(route("POST", "/storage/upload/initiate", host: "rest.fal.ai") == .initiate(multipart: false))
    #expect(route("POST", "/storage/upload/initiate", host: "v3.fal.media") == .notFound)
    #expect(route("POST", "/files/upload", host: "v3.fal.media:443") == .cdnUpload)
    #expect(route("GET", "/files/k/n.mp4", host: "v3b.fal.media") == .file(key: "k", head: false))
    #expect(route("POST", "/fal-ai/magi", host: "rest.fal.ai") == .notFound)
    #expect(
      route("POST", "/fal-ai/magi", host: "queue.fal.run")
        == .submit(try EndpointID(parsing: "fal-ai/magi"), webhook: nil))
    #expect(route("POST", "/files/k/n.mp4/multipart/u1/complete") == .cdnComplete(key: "k", uploadID: "u1"))
    #expect(route("PUT", "/files/k/n.mp4/multipart/u1/3") == .cdnPart(key: "k", uploadID: "u1", number: 3))
    #expect(route("PUT", "/uploads/t/2") == .uploadPart(token: "t", number: 2))
  }

  @Test("Range headers resolve against the size")
  func ranges() {
    #expect(ByteRange.parse("bytes=0-9", size: 100) == .satisfiable(0..<10))
    #expect(ByteRange.parse("bytes=90-", size: 100) == .satisfiable(90..<100))
    #expect(ByteRange.parse("bytes=-5", size: 100) == .satisfiable(95..<100))
    #expect(ByteRange.parse("bytes=50-500", size: 100) == .satisfiable(50..<100))
    #expect(ByteRange.parse("bytes=100-", size: 100) == .unsatisfiable)
    #expect(ByteRange.parse(nil, size: 100) == .none)
  }

  @Test("geometry follows resolution and aspect; auto picks the nearest ratio, 16:9 without a source")
  func geometry() {
    #expect(
      VideoGeometry.resolve(resolution: "720p", aspectRatio: "16:9", sourceSize: nil)
        == VideoGeometry(width: 1280, height: 720))
    #expect(
      VideoGeometry.resolve(resolution: "480p", aspectRatio: "9:16", sourceSize: nil)
        == VideoGeometry(width: 480, height: 848))
    #expect(
      VideoGeometry.resolve(resolution: "480p", aspectRatio: "1:1", sourceSize: nil)
        == VideoGeometry(width: 480, height: 480))
    #expect(
      VideoGeometry.resolve(resolution: "720p", aspectRatio: "auto", sourceSize: nil)
        == VideoGeometry(width: 1280, height: 720))
    #expect(
      VideoGeometry.resolve(resolution: "720p", aspectRatio: "auto", sourceSize: (1000, 1100))
        == VideoGeometry(width: 720, height: 720))
    #expect(
      VideoGeometry.resolve(resolution: "480p", aspectRatio: "auto", sourceSize: (1920, 1080))
        == VideoGeometry(width: 848, height: 480))
  }

  @Test("billing units are written without trailing zeros")
  func unitsFormat() {
    #expect(Responses.formatUnits(4) == "4")
    #expect(Responses.formatUnits(2.5) == "2.5")
    #expect(
      Responses.formatUnits(MagiSchema.billingUnits(numFrames: 100, resolution: "720p", numInferenceSteps: 16))
        == "4.166667")
  }
}
