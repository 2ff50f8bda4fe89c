/// Where the studio keeps its files, following the XDG base directory spec; tests and users
/// override each with an environment variable so that nothing touches the real home.
struct XDGPaths {
  var config: String
  var data: String
  var cache: String

  init(environment: [String: String]) {
    let home = environment["HOME"] ?? "/tmp"
    func base(_ variable: String, _ fallback: String) -> String {
      if let value = environment[variable], value.hasPrefix("/") { return value }
      return home + "/" + fallback
    }
    config = environment["MAGI_STUDIO_CONFIG_DIR"] ?? base("XDG_CONFIG_HOME", ".config") + "/magi-studio"
    data = environment["MAGI_STUDIO_DATA_DIR"] ?? base("XDG_DATA_HOME", ".local/share") + "/magi-studio"
    cache = environment["MAGI_STUDIO_CACHE_DIR"] ?? base("XDG_CACHE_HOME", ".cache") + "/magi-studio"
  }
}
