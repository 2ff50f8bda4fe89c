import ArgumentParser
import Foundation
import StudioCore

/// Where the studio keeps its history and videos, when not where XDG says.
struct StoreOptions: ParsableArguments {
  @Option(
    help: ArgumentHelp("The studio's data directory: history and videos (env MAGI_STUDIO_DATA_DIR).", valueName: "dir"))
  var dataDir: String?

  @Option(
    help: ArgumentHelp(
      "Where finished videos are kept (env MAGI_STUDIO_VIDEOS_DIR; default <data-dir>/videos).", valueName: "dir"))
  var videosDir: String?

  var paths: StudioPaths {
    var environment = ProcessInfo.processInfo.environment
    if let dataDir { environment["MAGI_STUDIO_DATA_DIR"] = Self.absolute(dataDir) }
    if let videosDir { environment["MAGI_STUDIO_VIDEOS_DIR"] = Self.absolute(videosDir) }
    return StudioPaths(environment: environment)
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
