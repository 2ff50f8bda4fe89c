import FalProtocol
import Testing

@Suite struct MagiSchemaTests {
  let i2v = MagiEndpoint(mode: .imageToVideo)

  func errors(_ body: JSONValue, _ endpoint: MagiEndpoint? = nil) -> [FieldError] {
    if case .failure(let failure) = MagiSchema.validate(body, for: endpoint ?? i2v) { return failure.errors }
    return []
  }

  @Test func aMinimalImageRequestGetsFalsDefaults() throws {
    let input = try MagiSchema.validate(["prompt": "a cat", "image_url": "https://x/y.png"], for: i2v).get()
    #expect(input.numFrames == 96)
    #expect(input.resolution == "720p")
    #expect(input.numInferenceSteps == 16)
    #expect(input.aspectRatio == "auto")
    #expect(input.enableSafetyChecker)
    #expect(input.seed == nil)
  }

  @Test func missingRequiredFieldsAreEachNamed() {
    let found = errors([:])
    #expect(found.map(\.field) == ["prompt", "image_url"])
    #expect(found.allSatisfy { $0.type == "missing" && $0.msg == "Field required" })
  }

  @Test func extendVideoRequiresAVideoAndTextNeedsNoSource() {
    #expect(errors(["prompt": "p"], MagiEndpoint(mode: .extendVideo)).map(\.field) == ["video_url"])
    #expect(errors(["prompt": "p"], MagiEndpoint(mode: .textToVideo)).isEmpty)
  }

  @Test(arguments: [(95, "greater_than_equal"), (193, "less_than_equal")])
  func framesOutsideTheRangeAreRejected(frames: Int, type: String) {
    let found = errors(["prompt": "p", "image_url": "https://x", "num_frames": .int(frames)])
    #expect(found.count == 1)
    #expect(found.first?.field == "num_frames")
    #expect(found.first?.type == type)
  }

  @Test func frameBoundsAreInclusive() {
    #expect(errors(["prompt": "p", "image_url": "https://x", "num_frames": 96]).isEmpty)
    #expect(errors(["prompt": "p", "image_url": "https://x", "num_frames": 192]).isEmpty)
  }

  @Test func stepsAreAcceptedAsIntegerOrString() throws {
    let asInt = try MagiSchema.validate(["prompt": "p", "image_url": "https://x", "num_inference_steps": 32], for: i2v)
      .get()
    let asString = try MagiSchema.validate(
      ["prompt": "p", "image_url": "https://x", "num_inference_steps": "8"], for: i2v
    ).get()
    #expect(asInt.numInferenceSteps == 32)
    #expect(asString.numInferenceSteps == 8)
  }

  @Test func sixtyFourStepsOnlyOnTheFullModel() {
    let body: JSONValue = ["prompt": "p", "image_url": "https://x", "num_inference_steps": 64]
    #expect(errors(body).first?.msg == "Input should be 4, 8, 16 or 32")
    #expect(errors(body, MagiEndpoint(mode: .imageToVideo, model: .full)).isEmpty)
  }

  @Test func enumsListTheirChoices() {
    let found = errors(["prompt": "p", "image_url": "https://x", "resolution": "1080p", "aspect_ratio": "4:3"])
    #expect(
      found.map(\.msg) == ["Input should be '480p' or '720p'", "Input should be 'auto', '16:9', '9:16' or '1:1'"])
  }

  @Test func wrongTypesAreRejected() {
    let found = errors([
      "prompt": 5, "image_url": "https://x", "seed": "abc", "enable_safety_checker": "maybe", "num_frames": 100.5,
    ])
    #expect(Set(found.map(\.field)) == ["prompt", "seed", "enable_safety_checker", "num_frames"])
  }

  @Test func onlyHttpHttpsAndDataURLsAreSources() {
    #expect(errors(["prompt": "p", "image_url": "file:///etc/passwd"]).first?.type == "url_scheme")
    #expect(errors(["prompt": "p", "image_url": "data:image/png;base64,AAAA"]).isEmpty)
  }

  @Test func aBodyThatIsNotAnObjectIsOneError() {
    #expect(errors([1, 2]).map(\.type) == ["model_attributes_type"])
  }

  @Test func billingUnitsFollowFalsPublishedFormula() {
    #expect(MagiSchema.billingUnits(numFrames: 96, resolution: "720p", numInferenceSteps: 16) == 4)
    #expect(MagiSchema.billingUnits(numFrames: 120, resolution: "720p", numInferenceSteps: 16) == 5)
    #expect(MagiSchema.billingUnits(numFrames: 96, resolution: "480p", numInferenceSteps: 8) == 2)
    #expect(MagiSchema.billingUnits(numFrames: 96, resolution: "720p", numInferenceSteps: 32) == 8)
    let request = MagiRequest(endpoint: i2v, prompt: "p", sourceURL: "https://x")
    #expect(abs(request.estimatedPrice() - 0.32) < 1e-9)
  }

  @Test func aRequestSendsOnlyWhatTheUserSet() {
    let request = MagiRequest(endpoint: i2v, prompt: "p", sourceURL: "https://x", numInferenceSteps: 8)
    #expect(request.body == ["prompt": "p", "image_url": "https://x", "num_inference_steps": 8])
  }
}
