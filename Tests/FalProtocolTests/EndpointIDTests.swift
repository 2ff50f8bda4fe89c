import FalProtocol
import Testing

@Suite struct EndpointIDTests {
  @Test func submitUsesTheFullIdAndTheOtherCallsOnlyOwnerAndAlias() throws {
    let id = try EndpointID(parsing: "fal-ai/magi-distilled/image-to-video")
    #expect(id.owner == "fal-ai")
    #expect(id.alias == "magi-distilled")
    #expect(id.path == "image-to-video")
    #expect(id.full == "fal-ai/magi-distilled/image-to-video")
    #expect(id.app == "fal-ai/magi-distilled")
  }

  @Test func deeperSubPathsKeepEverySlash() throws {
    let id = try EndpointID(parsing: "owner/app/a/b/c")
    #expect(id.path == "a/b/c")
    #expect(id.app == "owner/app")
  }

  @Test func namespacesPrefixOwnerAndAlias() throws {
    let id = try EndpointID(parsing: "workflows/fal-ai/x/y")
    #expect(id.namespace == "workflows")
    #expect(id.owner == "fal-ai")
    #expect(id.alias == "x")
    #expect(id.path == "y")
    #expect(id.app == "workflows/fal-ai/x")
  }

  @Test func legacyNumericIdsAreSplitAtTheFirstDash() throws {
    let id = try EndpointID(parsing: "12345-my-app")
    #expect(id.owner == "12345")
    #expect(id.alias == "my-app")
  }

  @Test(arguments: ["", "noslash", "abc-def", "a//b", "workflows/x", "-x"])
  func malformedIdsAreRejected(raw: String) {
    #expect(throws: EndpointIDError.self) { try EndpointID(parsing: raw) }
  }

  @Test func theSixMagiEndpointsRoundTrip() {
    #expect(MagiEndpoint.all.count == 6)
    for endpoint in MagiEndpoint.all {
      #expect(MagiEndpoint(endpointID: endpoint.id) == endpoint)
    }
    #expect(MagiEndpoint(mode: .textToVideo).id.full == "fal-ai/magi-distilled")
    #expect(MagiEndpoint(mode: .extendVideo, model: .full).id.full == "fal-ai/magi/extend-video")
  }
}
