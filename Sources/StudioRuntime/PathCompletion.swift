import Foundation

/// Completes a typed path against the file system: what Tab in the source field offers.
///
/// Lists a directory, which can take long (a network mount, a directory of 100,000 files): the
/// runtime calls it on a thread of its own (``DedicatedThread``), never on the task pool.
public enum PathCompletion {
  /// The entries of the prefix's directory whose names start with its last component, sorted, at
  /// most `limit`; directories end in `/`. Hidden entries only when the stem starts with a dot.
  /// A `~/` prefix is expanded with `home` and kept in the candidates.
  public static func candidates(for prefix: String, home: String, limit: Int = 200) -> [String] {
    let expanded = prefix.hasPrefix("~/") ? home + prefix.dropFirst(1) : prefix
    let directory: String
    let stem: String
    if let slash = expanded.lastIndex(of: "/") {
      directory = String(expanded[...slash])
      stem = String(expanded[expanded.index(after: slash)...])
    } else {
      directory = "./"
      stem = expanded
    }
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    let shown =
      prefix.hasPrefix("~/")
      ? "~/" + directory.dropFirst(home.count + 1)
      : (directory == "./" && !expanded.hasPrefix("./") ? "" : directory)
    return names.filter { $0.hasPrefix(stem) && (stem.hasPrefix(".") || !$0.hasPrefix(".")) }.sorted().prefix(limit)
      .map { name in
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: directory + name, isDirectory: &isDirectory)
        return shown + name + (isDirectory.boolValue ? "/" : "")
      }
  }
}
