/// Where the studio keeps its files, following the XDG base directory spec.
///
/// Each directory can be moved with an environment variable (tests never touch the real home).
public struct StudioPaths: Sendable, Hashable {
  public var config: String
  public var data: String
  public var cache: String
  /// Finished videos: the copies that outlast fal's expiring CDN links.
  public var videos: String

  public init(config: String, data: String, cache: String, videos: String) {
    self.config = config
    self.data = data
    self.cache = cache
    self.videos = videos
  }

  public init(environment: [String: String]) {
    let home = environment["HOME"] ?? "/tmp"
    func base(_ variable: String, _ fallback: String) -> String {
      if let value = environment[variable], value.hasPrefix("/") { return value }
      return home + "/" + fallback
    }
    let data = environment["MAGI_STUDIO_DATA_DIR"] ?? base("XDG_DATA_HOME", ".local/share") + "/magi-studio"
    self.init(
      config: environment["MAGI_STUDIO_CONFIG_DIR"] ?? base("XDG_CONFIG_HOME", ".config") + "/magi-studio",
      data: data,
      cache: environment["MAGI_STUDIO_CACHE_DIR"] ?? base("XDG_CACHE_HOME", ".cache") + "/magi-studio",
      videos: environment["MAGI_STUDIO_VIDEOS_DIR"] ?? data + "/videos")
  }

  /// Directories whose files the launcher may open.
  public var ownDirectories: [String] { [data, videos, cache] }
}
