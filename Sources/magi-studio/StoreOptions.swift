import ArgumentParser
import Foundation
import StudioCore
import Synchronization

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
    if environment["MAGI_STUDIO_VIDEOS_DIR"] == nil {
      let loaded = StudioConfig.load(paths: paths)
      if let videos = loaded.config.videosDirectory(home: environment["HOME"] ?? "/") {
        paths.videos = videos
      } else if let problem = Self.unusableVideosDir(loaded) {
        Self.sayOnce("config: \(problem); videos are kept in \(paths.videos)")
      }
    }
    return paths
  }

  /// What was wrong when the file sets `videos_dir` but it could not be used (a relative path, a
  /// line that does not parse, a file that cannot be read): the one error about it, else the last.
  static func unusableVideosDir(_ loaded: StudioConfig.Loaded) -> ConfigFileError? {
    guard !loaded.errors.isEmpty, loaded.config.videosDir == nil,
      let text = try? String(contentsOfFile: loaded.path, encoding: .utf8)
    else { return nil }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    guard let index = lines.firstIndex(where: { $0.drop(while: \.isWhitespace).hasPrefix("videos_dir") }) else {
      return nil
    }
    return loaded.errors.first { $0.line == index + 1 || $0.message.contains("videos_dir") } ?? loaded.errors.last
  }

  /// `paths` is read many times in one command: its warning is printed by the first.
  private static let warned = Mutex<Set<String>>([])

  private static func sayOnce(_ line: String) {
    guard warned.withLock({ $0.insert(line).inserted }) else { return }
    Console.line(line)
  }

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
