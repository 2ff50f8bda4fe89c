import ArgumentParser
import FalProtocol

/// Names a request that was submitted earlier: its id and the app that runs it.
struct RequestOptions: ParsableArguments {
  @Argument(help: "A history id (or unique prefix) or a fal request id.")
  var requestID: String

  @Option(
    help: ArgumentHelp(
      "The endpoint id or app the request was sent to (default: the distilled MAGI-1 app).", valueName: "id"))
  var endpoint: String = MagiModel.distilled.app

  func endpointID() throws -> EndpointID {
    do { return try EndpointID(parsing: endpoint) } catch {
      throw CommandFailure(message: error.description, code: ExitStatus.invalidInput)
    }
  }
}
