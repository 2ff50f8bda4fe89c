import Foundation
import Testing

@testable import FalEmulator

/// The twin's clips are derived from the request: the same prompt gives the same clip, another
/// prompt another one, and an uploaded image moves (and shows).
@Suite struct VideoRendererTests {
  let scratch: URL
  let renderer: VideoRenderer

  init() throws {
    scratch = FileManager.default.temporaryDirectory.appendingPathComponent("renderer-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    renderer = VideoRenderer(ffmpegPath: nil, scratch: scratch)
  }

  /// The MD5 of each decoded frame (ffmpeg's `framemd5` muxer), in order.
  func frameHashes(_ source: VideoRenderer.Source, prompt: String, seed: Int = 7) async throws -> [String] {
    let clip = scratch.appendingPathComponent("\(UUID().uuidString).mp4")
    try await renderer.render(
      source: source, prompt: prompt, seed: seed, geometry: VideoGeometry(width: 160, height: 96), frames: 24, fps: 24,
      to: clip)
    let ffmpeg = try #require(renderer.ffmpeg)
    let out = try await ProcessRunner.run(
      ffmpeg, ["-v", "error", "-i", clip.path, "-f", "framemd5", "-"], scratch: scratch)
    return out.standardOutput.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
      $0.split(separator: ",").last
    }
    .map { $0.trimmingCharacters(in: .whitespaces) }
  }

  @Test func promptsGiveTheirOwnPatterns() async throws {
    let wheat = try await frameHashes(.pattern, prompt: "golden wheat field")
    let again = try await frameHashes(.pattern, prompt: "golden wheat field")
    let storm = try await frameHashes(.pattern, prompt: "storm over the sea")
    #expect(wheat.count == 24)
    #expect(wheat == again)
    #expect(wheat[0] != storm[0])
    #expect(wheat[0] != wheat[12], "the pattern moves")
    #expect(PatternLook(prompt: "golden wheat field", seed: 7) != PatternLook(prompt: "storm over the sea", seed: 7))
  }

  /// Seeds of one prompt keep its colours and lay them out anew, as takes of one prompt differ.
  @Test func seedsOfOnePromptDiffer() async throws {
    let first = try await frameHashes(.pattern, prompt: "golden wheat field", seed: 1)
    let again = try await frameHashes(.pattern, prompt: "golden wheat field", seed: 1)
    let second = try await frameHashes(.pattern, prompt: "golden wheat field", seed: 2)
    #expect(first == again)
    #expect(first[0] != second[0])
    let one = PatternLook(prompt: "golden wheat field", seed: 1)
    let two = PatternLook(prompt: "golden wheat field", seed: 2)
    #expect(one.colors == two.colors && one.speed == two.speed)
    #expect(one.layout != two.layout)
  }

  @Test func anUploadedImageMovesAndDifferentImagesDiffer() async throws {
    var hashes: [[String]] = []
    for pattern in ["testsrc2", "smptebars"] {
      let image = scratch.appendingPathComponent("\(pattern).png")
      let made = try await ProcessRunner.run(
        try #require(renderer.ffmpeg),
        ["-v", "error", "-f", "lavfi", "-i", "\(pattern)=size=320x240", "-frames:v", "1", image.path],
        scratch: scratch)
      #expect(made.status == 0)
      hashes.append(try await frameHashes(.image(image), prompt: "same prompt"))
    }
    #expect(hashes[0].count == 24)
    #expect(hashes[0][0] != hashes[0][23], "the image zooms and pans")
    #expect(hashes[0][0] != hashes[1][0])
    // Another seed drifts the other way: the same first frame (no zoom yet), another last one.
    let image = scratch.appendingPathComponent("testsrc2.png")
    let otherSeed = try await frameHashes(.image(image), prompt: "same prompt", seed: 8)
    #expect(otherSeed[0] == hashes[0][0])
    #expect(otherSeed[23] != hashes[0][23])
  }

  @Test func wordsAreOnlyDrawnWhenAFontAndTheWordsExist() {
    let clip = URL(fileURLWithPath: "/tmp/out.mp4")
    let text = URL(fileURLWithPath: "/tmp/words.txt")
    let geometry = VideoGeometry(width: 160, height: 96)
    let with = VideoRenderer.arguments(
      source: .pattern, prompt: "p", seed: 1, textFile: text, fontFile: "/font.ttf", geometry: geometry, frames: 1,
      fps: 24,
      output: clip)
    let without = VideoRenderer.arguments(
      source: .pattern, prompt: "p", seed: 1, textFile: nil, fontFile: nil, geometry: geometry, frames: 1, fps: 24,
      output: clip)
    #expect(
      with.joined(separator: " ").contains("drawtext=fontfile='/font.ttf':textfile='/tmp/words.txt':expansion=none"))
    #expect(!without.joined(separator: " ").contains("drawtext"))
    #expect(VideoRenderer.words(of: "  a\nb\tc ") == "a b c")
    #expect(VideoRenderer.words(of: " \n") == nil)
    #expect(!VideoRenderer.Source.image(clip).drawsWords)
  }
}
