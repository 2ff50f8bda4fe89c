import FalProtocol
import Testing

/// Batch files: JSON Lines and CSV read into checked requests; every bad line refused with its line
/// and column, in one line.
@Suite struct BatchFileTests {
  func error(_ text: String) -> String? {
    do {
      _ = try BatchFile.parse(text)
      return nil
    } catch {
      return error.description
    }
  }

  @Test func jsonLinesTakeAnyModeAndSkipBlankLines() throws {
    let entries = try BatchFile.parse(
      """
      {"prompt": "a fox", "steps": 8, "seed": 3}

      {"prompt": "from a picture", "image": "first.png", "model": "full", "num-frames": 120}
      {"prompt": "longer", "video_url": "https://example.com/clip.mp4", "start_frame": 24}\r
      """)
    #expect(entries.map(\.line) == [1, 3, 4])
    #expect(entries[0].endpoint == MagiEndpoint(mode: .textToVideo))
    #expect(entries[0].fields == ["prompt": "a fox", "num_inference_steps": 8, "seed": 3])
    #expect(entries[0].source == nil)
    #expect(entries[1].endpoint == MagiEndpoint(mode: .imageToVideo, model: .full))
    #expect(entries[1].source == "first.png")
    #expect(entries[1].sourceColumn == 30)
    #expect(entries[1].fields == ["prompt": "from a picture", "num_frames": 120])
    #expect(entries[2].endpoint.mode == .extendVideo)
    #expect(entries[2].fields["start_frame"] == 24)
  }

  @Test func csvTakesAHeaderQuotedFieldsAndEmptyCellsAsDefaults() throws {
    let entries = try BatchFile.parse(
      """
      prompt,steps,resolution,enable-safety-checker,image
      "a fox, running",4,480p,false,
      "she said ""hi""
      twice",,720p,,pic.png
      """)
    #expect(entries.count == 2)
    #expect(
      entries[0].fields == [
        "prompt": "a fox, running", "num_inference_steps": 4, "resolution": "480p", "enable_safety_checker": false,
      ])
    #expect(entries[0].endpoint.mode == .textToVideo)
    #expect(entries[1].line == 3)
    #expect(entries[1].fields == ["prompt": "she said \"hi\"\ntwice", "resolution": "720p"])
    #expect(entries[1].endpoint.mode == .imageToVideo)
    #expect(entries[1].source == "pic.png")
    #expect(entries[1].sourceColumn == 5)
  }

  @Test(arguments: [
    (#"{"prompt": "x", "steps": 5}"#, "line 1, column 17: num_inference_steps: Input should be 4, 8, 16 or 32"),
    ("{\"prompt\": \"x\"}\n{\"prompt\": \"y\", \"seed\": tru}", "line 2, column 25: expected a value, found 't'"),
    (#"{"prompt": "x",}"#, "line 1, column 16: expected a key in double quotes, found '}'"),
    (#"{"prompt": "x"} {"#, "line 1, column 17: unexpected '{' after the object"),
    (#"{"prompt": "x"#, "line 1, column 14: the string is not closed"),
    (#"["prompt"]"#, "line 1, column 1: expected a JSON object"),
    (#"{"prompt": 3}"#, "line 1, column 2: prompt: Input should be a valid string"),
    (#"{"seed": 3}"#, "line 1, column 1: prompt: Field required"),
    (#"{"prompt": "x", "colour": "red"}"#, "line 1, column 17: unknown parameter 'colour'"),
    (#"{"prompt": "x", "seed": 1, "seed": 2}"#, "line 1, column 28: seed is given twice"),
    (#"{"prompt": "x", "mode": "image-to-video"}"#, "line 1, column 1: image-to-video needs an image"),
    (#"{"prompt": "x", "mode": "sideways"}"#, "line 1, column 17: mode 'sideways' is not one of"),
    (#"{"prompt": "x", "image": "a.png", "video": "b.mp4"}"#, "line 1, column 17: give image or video, not both"),
    (#"{"prompt": "x", "start_frame": 3}"#, "line 1, column 17: start_frame is for extend-video only"),
    ("prompt,seed\nx,abc", "line 2, column 2: seed: 'abc' is not a whole number"),
    ("prompt,seed\nx,1,2", "line 2, column 3: 3 fields where the header has 2"),
    ("prompt,resolution\nx,1080p", "line 2, column 2: resolution: Input should be '480p' or '720p'"),
    ("prompt,steps,steps\nx,4,8", "line 1, column 3: num_inference_steps is named twice"),
    ("seed\n3", "line 1, column 1: the header names no prompt column"),
    ("prompt,seed\n\"x\"y,3", "line 2, column 1: text after a closing quote"),
    ("prompt,seed\n\"never closed,3", "line 2, column 1: a quoted field is never closed"),
    ("prompt\n", "line 1, column 1: the file holds no requests"),
    ("\n  \n", "line 1, column 1: the file holds no requests"),
  ])
  func aBadLineIsRefusedWithItsLineAndColumn(_ text: String, _ expected: String) {
    let message = error(text)
    #expect(message?.hasPrefix(expected) == true, "\(message ?? "accepted")")
    #expect(message?.contains("\n") == false)
  }

  @Test func moreThanTheLimitIsRefused() {
    let text = (0...BatchFile.maxRequests).map { _ in #"{"prompt": "x"}"# }.joined(separator: "\n")
    #expect(error(text) == "line 1001, column 1: more than 1000 requests; split the file")
  }

  @Test func jsonStringsDecodeTheirEscapes() throws {
    let entries = try BatchFile.parse(#"{"prompt": "caf\u00e9 \ud83c\udfac \"q\" \\ \/ \t"}"#)
    #expect(entries[0].fields["prompt"] == "café 🎬 \"q\" \\ / \t")
  }
}
