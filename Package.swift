// swift-tools-version:6.3
import PackageDescription

let package = Package(
  name: "magi-studio",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "magi-studio", targets: ["magi-studio"])
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
  ],
  targets: [
    // C shim: typed wrappers for libcurl's variadic setopt/getinfo.
    .target(
      name: "CCurl",
      cSettings: [.define("_GNU_SOURCE")],
      linkerSettings: [.linkedLibrary("curl")]
    ),
    // System library for libcrypto's EVP digests (libcurl's OpenSSL flavour loads it already).
    .systemLibrary(name: "CCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
    // SHA-256 on libcrypto, fed in pieces (a download as it streams); the only CCrypto user.
    .target(name: "Digest", dependencies: ["CCrypto"]),
    // Pure wire models, endpoint ids, SSE parsing, MAGI-1 schemas.
    .target(name: "FalProtocol"),
    // The queue and storage client over an abstract HTTP transport.
    .target(name: "FalClient", dependencies: ["FalProtocol"]),
    // The only libcurl user: one multi handle on one thread.
    .target(name: "CurlTransport", dependencies: ["CCurl", "FalClient", "FalProtocol"]),
    // The fal-compatible emulator (queue, storage, CDN) on loopback.
    .target(
      name: "FalEmulator",
      dependencies: ["FalProtocol", .product(name: "FlyingFox", package: "FlyingFox")],
      resources: [.copy("Resources/fallback.mp4")]
    ),
    // Pure text and screen model shared by the CLI and the TUI: sanitising, widths, cells, and the
    // one colour pipeline (ColorPlanner: theme colours reduced to the terminal's depth).
    .target(name: "TerminalScreen"),
    // Jobs, downloads, the launcher, settings: the studio's behaviour without any UI.
    // The built-in dark theme is themes/dark.toml's text (Resources/dark.toml links to it).
    .target(
      name: "StudioCore", dependencies: ["FalClient", "HistoryStore", "TerminalScreen", "Digest"],
      resources: [.embedInCode("Resources/dark.toml")]),
    // Pure core of the TUI: state, actions, update returning effects, views into a screen grid.
    .target(name: "StudioUI", dependencies: ["TerminalScreen", "StudioCore", "HistoryStore", "FalProtocol", "FalClient"]),
    // System library for ncursesw; its header defines NCURSES_WIDECHAR (SwiftPM drops pkg-config -Ds).
    .systemLibrary(
      name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
    // The only ncurses user: terminal setup and restore, keys to events, grid to screen, signals, poll loop;
    // and the terminal side of everything else: escape sequences (OSC 52/8/9/777) and tmux.
    .target(name: "CursesTerminal", dependencies: ["CNcursesw", "TerminalScreen"]),
    // Tiny TUI the CursesTerminal tests drive through tmux.
    .executableTarget(name: "curses-probe", dependencies: ["CursesTerminal", "TerminalScreen"]),
    // Swift concurrency's default executor on our own threads: libdispatch's pool on Linux wakes every second.
    .target(name: "QuietExecutor"),
    // Child process for QuietExecutorTests: `installAsDefault()` can only be tried in a fresh process.
    .executableTarget(name: "quiet-executor-probe", dependencies: ["QuietExecutor"]),
    .executableTarget(
      name: "magi-studio",
      dependencies: [
        "FalClient", "CurlTransport", "FalEmulator", "TerminalScreen", "StudioCore", "StudioUI", "CursesTerminal",
        "HistoryStore", "QuietExecutor", .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    // The JSON Lines history of generations: records, index, queries, compaction, locking.
    .target(name: "HistoryStore", dependencies: ["FalProtocol"]),
    // Child process for the history's crash and concurrency tests (kill -9, two writers, disk full).
    .executableTarget(name: "history-torture", dependencies: ["HistoryStore"]),
    // `swift run -c release history-benchmark`: the history at 100,000 records.
    .executableTarget(
      name: "history-benchmark", dependencies: ["HistoryStore"], path: "Benchmarks/HistoryBenchmark"),
    // `scripts/bench`'s in-process client: follows many jobs at once, downloads one file; prints usage as JSON.
    .executableTarget(name: "bench-follow", dependencies: ["FalClient", "CurlTransport", "FalProtocol"]),
    // Fuzz targets shared by the bounded run in the suite (FuzzTests), `scripts/fuzz` and its libFuzzer build.
    // Debug builds only: it reaches internal parsers through @testable imports.
    .target(
      name: "FuzzTargets",
      dependencies: ["FalProtocol", "FalEmulator", "HistoryStore", "StudioCore", "StudioUI", "CursesTerminal", "TerminalScreen"]
    ),
    // `scripts/fuzz`'s runner: each target in a child process, crashing inputs kept in Tests/FuzzCorpus.
    .executableTarget(name: "magi-fuzz", dependencies: ["FuzzTargets"]),
    .testTarget(name: "FalProtocolTests", dependencies: ["FalProtocol"]),
    .testTarget(
      name: "FalEmulatorTests",
      dependencies: ["FalEmulator", .product(name: "FlyingFox", package: "FlyingFox")]
    ),
    .testTarget(
      name: "CurlTransportTests",
      dependencies: ["CurlTransport", "FalProtocol", .product(name: "FlyingFox", package: "FlyingFox")]
    ),
    .testTarget(name: "FalClientTests", dependencies: ["FalClient", "CurlTransport", "FalEmulator", "TestSupport"]),
    .testTarget(name: "TerminalScreenTests", dependencies: ["TerminalScreen"]),
    .testTarget(name: "StudioCoreTests", dependencies: ["StudioCore", "CurlTransport", "FalEmulator", "Digest"]),
    .testTarget(name: "DigestTests", dependencies: ["Digest"]),
    // Helpers more than one test target needs (a tmpfs that really fills or turns read-only).
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "CLITests", dependencies: ["FalEmulator", "TestSupport"]),
    // The studio in a real terminal (tmux) against the emulator.
    .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
    .testTarget(name: "HistoryStoreTests", dependencies: ["HistoryStore"]),
    .testTarget(name: "StudioUITests", dependencies: ["StudioUI"], exclude: ["__Snapshots__"]),
    .testTarget(name: "CursesTerminalTests", dependencies: ["CursesTerminal", "TerminalScreen", "TestSupport"]),
    .testTarget(name: "QuietExecutorTests", dependencies: ["QuietExecutor", "quiet-executor-probe"]),
    .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "FalProtocol", "FalEmulator"]),
  ]
)
