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
      "Where finished videos are kept (env MAGI_STUDIO_VIDEOS_DIR, else config.toml's videos_dir; default"
        + " <data-dir>/videos).", valueName: "dir"))
  var videosDir: String?

  /// The directories every command uses, the studio and the CLI alike: `--videos-dir`, else
  /// `MAGI_STUDIO_VIDEOS_DIR`, else config.toml's `videos_dir`, else `videos` in the data directory.
  var paths: StudioPaths {
    var environment = ProcessInfo.processInfo.environment
    if let dataDir { environment["MAGI_STUDIO_DATA_DIR"] = Self.absolute(dataDir) }
    if let videosDir { environment["MAGI_STUDIO_VIDEOS_DIR"] = Self.absolute(videosDir) }
    var paths = StudioPaths(environment: environment)
    if environment["MAGI_STUDIO_VIDEOS_DIR"] == nil,
      let videos = StudioConfig.load(paths: paths).config.videosDirectory(home: environment["HOME"] ?? "/")
    {
      paths.videos = videos
    }
    return paths
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
