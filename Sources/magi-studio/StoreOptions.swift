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
  /// Worked out once per process (a command reads it many times; config.toml is read once), and
  /// a `videos_dir` that cannot be used is said then, in one line.
  var paths: StudioPaths {
    let key = [dataDir ?? "", videosDir ?? ""]
    if let known = Self.resolved.withLock({ $0[key] }) { return known }
    var environment = ProcessInfo.processInfo.environment
    if let dataDir { environment["MAGI_STUDIO_DATA_DIR"] = Self.absolute(dataDir) }
    if let videosDir { environment["MAGI_STUDIO_VIDEOS_DIR"] = Self.absolute(videosDir) }
    var paths = StudioPaths(environment: environment)
    var problem: ConfigFileError?
    if environment["MAGI_STUDIO_VIDEOS_DIR"] == nil {
      let loaded = StudioConfig.load(paths: paths)
      if let videos = loaded.config.videosDirectory(home: environment["HOME"] ?? "/") {
        paths.videos = videos
      } else {
        problem = Self.unusableVideosDir(loaded)
      }
    }
    let first = Self.resolved.withLock { $0.updateValue(paths, forKey: key) == nil }
    if first, let problem { Console.line("config: \(problem); videos are kept in \(paths.videos)") }
    return paths
  }

  /// ``paths`` by the options it was worked out from.
  private static let resolved = Mutex<[[String]: StudioPaths]>([:])

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

  static func absolute(_ path: String) -> String {
    path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }
}
