// swift-tools-version:6.3
import PackageDescription

let package = Package(
  name: "magi-studio",
  platforms: [.macOS(.v15)],
  products: [
    .executable(name: "magi-studio", targets: ["magi-studio"]),
    .executable(name: "magi-decode", targets: ["magi-decode"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
    // `FileDescriptor.writeAll`: the one write-all loop (EINTR retried) of every module that writes to a descriptor.
    .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
  ],
  targets: [
    // C shim: typed wrappers for libcurl's variadic setopt/getinfo, over libcurl opened with dlopen on
    // first use (not linked: a process that makes no request never loads it and its ~30 libraries).
    .target(name: "CCurl", cSettings: [.define("_GNU_SOURCE")]),
    // C shim: nettle's SHA-256 over libnettle opened with dlopen on first use, as CCurl does libcurl.
    .target(name: "CNettle"),
    // SHA-256 on nettle, fed in pieces (a download as it streams); the only CNettle user.
    .target(name: "Digest", dependencies: ["CNettle"]),
    // Pure wire models, endpoint ids, SSE parsing, MAGI-1 schemas.
    .target(name: "FalProtocol"),
    // The queue and storage client over an abstract HTTP transport.
    .target(name: "FalClient", dependencies: ["FalProtocol"]),
    // The only libcurl user: one multi handle on one thread.
    .target(
      name: "CurlTransport",
      dependencies: ["CCurl", "FalClient", "FalProtocol", .product(name: "SystemPackage", package: "swift-system")]),
    // The fal-compatible emulator (queue, storage, CDN) on loopback.
    .target(
      name: "FalEmulator",
      dependencies: [
        "FalProtocol", .product(name: "FlyingFox", package: "FlyingFox"),
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      resources: [.copy("Resources/fallback.mp4")]
    ),
    // System library for zlib's deflate (PNG files, the preview cache); libcurl loads libz already.
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    // Frames from videos: the only ffmpeg user (its command line, raw RGBA through a pipe), the
    // preview cache, contact sheets and PNG files.
    // Starting a child process the one way (posix_spawn, clean signal state): used by every module
    // that runs programs (ffmpeg, tmux, xdg-open) and by the tests' helpers.
    .target(name: "ChildSpawn"),
    // Blocking calls on threads of their own, awaited from async code: the one way off the task pool.
    .target(name: "DedicatedThreads"),
    .target(name: "VideoFrames", dependencies: ["TerminalScreen", "CZlib", "ChildSpawn", "DedicatedThreads"]),
    // Pure text and screen model shared by the CLI and the TUI: sanitising, widths, cells, and the
    // one colour pipeline (ColorPlanner: theme colours reduced to the terminal's depth).
    .target(name: "TerminalScreen"),
    // Jobs, downloads, the launcher, settings: the studio's behaviour without any UI.
    // The built-in dark theme is themes/dark.toml's text (Resources/dark.toml links to it).
    .target(
      name: "StudioCore",
      dependencies: [
        "FalClient", "HistoryStore", "TerminalScreen", "Digest", "ChildSpawn", "DedicatedThreads",
        .product(name: "SystemPackage", package: "swift-system"),
      ],
      resources: [.embedInCode("Resources/dark.toml")]),
    // Pure core of the TUI: state, actions, update returning effects, views into a screen grid.
    // It imports nothing that can do I/O: the record types come from HistoryModel, not the store.
    .target(name: "StudioUI", dependencies: ["TerminalScreen", "HistoryModel", "FalProtocol"]),
    // Performs the studio's effects and turns their results into actions: the loop over a terminal
    // protocol, the effect runner, job following, the inbox, path completion, the instance lock.
    .target(
      name: "StudioRuntime",
      dependencies: [
        "StudioUI", "StudioCore", "HistoryStore", "HistoryModel", "FalProtocol", "TerminalScreen", "TerminalGraphics",
        "DedicatedThreads",
      ]),
    // System library for ncursesw; its header defines NCURSES_WIDECHAR (SwiftPM drops pkg-config -Ds).
    .systemLibrary(
      name: "CNcursesw", pkgConfig: "ncursesw", providers: [.apt(["libncurses-dev"])]),
    // The only ncurses user: terminal setup and restore, keys to events, grid to screen, signals, poll loop;
    // and the terminal side of everything else: escape sequences (OSC 52/8/9/777) and tmux.
    .target(
      name: "CursesTerminal",
      dependencies: [
        "CNcursesw", "TerminalScreen", "ChildSpawn", "DedicatedThreads",
        .product(name: "SystemPackage", package: "swift-system"),
      ]),
    // System library for libchafa (terminal graphics); libglib2.0-dev is what makes `pkg-config chafa` work.
    .systemLibrary(
      name: "CChafa", pkgConfig: "chafa", providers: [.apt(["libchafa-dev", "libglib2.0-dev"])]),
    // The only chafa user: which graphics the terminal has, pixels to symbol cells or to kitty/iTerm2/sixel escapes.
    // libchafa opened on first use (as CCurl opens libcurl): its forwarders let the release build drop
    // the load-time dependency, so runs that draw no picture never load chafa, glib and pcre2.
    .target(name: "CChafaLoader", dependencies: ["CChafa"]),
    .target(name: "TerminalGraphics", dependencies: ["CChafa", "CChafaLoader", "TerminalScreen"]),
    // Tiny TUI the CursesTerminal tests drive through tmux.
    .executableTarget(name: "curses-probe", dependencies: ["CursesTerminal", "TerminalScreen"]),
    // Swift concurrency's default executor on our own threads: libdispatch's pool on Linux wakes every second.
    .target(name: "QuietExecutor"),
    // Child process for QuietExecutorTests: `installAsDefault()` can only be tried in a fresh process.
    .executableTarget(name: "quiet-executor-probe", dependencies: ["QuietExecutor"]),
    // The studio's video decoder (C): a child process on libavformat, libavcodec and libswscale that
    // writes raw RGBA frames to a pipe; VideoFrames starts it from beside the running executable.
    .executableTarget(
      name: "magi-decode",
      linkerSettings: [
        .linkedLibrary("avformat"), .linkedLibrary("avcodec"), .linkedLibrary("swscale"), .linkedLibrary("avutil"),
      ]),
    .executableTarget(
      name: "magi-studio",
      dependencies: [
        "FalClient", "CurlTransport", "FalEmulator", "TerminalScreen", "StudioCore", "StudioUI", "StudioRuntime",
        "CursesTerminal",
        "HistoryStore", "QuietExecutor", "VideoFrames", "TerminalGraphics", "DedicatedThreads",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "SystemPackage", package: "swift-system"),
      ]
    ),
    // Pure: the history's record types (GenerationRecord, status, queries, pages, summaries) every layer shares.
    .target(name: "HistoryModel", dependencies: ["FalProtocol"]),
    // The JSON Lines history of generations on its own thread: file I/O in one HistoryFile, index, the
    // explicit-format history.index, queries, compaction, locking, file watching.
    .target(
      name: "HistoryStore",
      dependencies: ["FalProtocol", "HistoryModel", .product(name: "SystemPackage", package: "swift-system")]),
    // Child process for the history's crash and concurrency tests (kill -9, two writers, disk full).
    .executableTarget(name: "history-torture", dependencies: ["HistoryStore"]),
    // `swift run -c release history-benchmark`: the history at 100,000 records.
    .executableTarget(
      name: "history-benchmark", dependencies: ["HistoryStore"], path: "Benchmarks/HistoryBenchmark"),
    // `scripts/bench`'s in-process client: follows many jobs at once, downloads one file; prints usage as JSON.
    .executableTarget(
      name: "bench-follow",
      dependencies: [
        "FalClient", "CurlTransport", "FalProtocol", .product(name: "SystemPackage", package: "swift-system"),
      ]),
    // Fuzz targets shared by the bounded run in the suite (FuzzTests), `scripts/fuzz` and its libFuzzer build.
    // Debug builds only: it reaches internal parsers through @testable imports.
    .target(
      name: "FuzzTargets",
      dependencies: [
        "FalProtocol", "FalEmulator", "HistoryStore", "StudioCore", "StudioUI", "CursesTerminal", "TerminalScreen",
      ]
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
      dependencies: [
        "CurlTransport", "CCurl", "FalProtocol", "TestSupport", .product(name: "FlyingFox", package: "FlyingFox"),
      ]
    ),
    .testTarget(name: "FalClientTests", dependencies: ["FalClient", "CurlTransport", "FalEmulator", "TestSupport"]),
    .testTarget(name: "TerminalScreenTests", dependencies: ["TerminalScreen"]),
    .testTarget(
      name: "TerminalGraphicsTests", dependencies: ["TerminalGraphics", "TerminalScreen"], exclude: ["__Snapshots__"]),
    .testTarget(
      name: "StudioCoreTests", dependencies: ["StudioCore", "CurlTransport", "FalEmulator", "Digest", "TestSupport"]),
    .testTarget(name: "DigestTests", dependencies: ["Digest"]),
    .testTarget(name: "DedicatedThreadsTests", dependencies: ["DedicatedThreads", "TestSupport"]),
    .testTarget(name: "VideoFramesTests", dependencies: ["VideoFrames", "TerminalScreen", "TestSupport"]),
    // Helpers more than one test target needs (a tmpfs that really fills or turns read-only; a
    // recorder whose waits are bounded).
    .target(name: "TestSupport", dependencies: ["ChildSpawn"], path: "Tests/TestSupport"),
    .testTarget(
      name: "CLITests",
      dependencies: ["FalEmulator", "TestSupport", .product(name: "FlyingFox", package: "FlyingFox")]),
    // The studio in a real terminal (tmux) against the emulator.
    .testTarget(name: "EndToEndTests", dependencies: ["TestSupport"]),
    .testTarget(name: "HistoryStoreTests", dependencies: ["HistoryStore", "TestSupport"]),
    .testTarget(name: "HistoryModelTests", dependencies: ["HistoryModel"]),
    .testTarget(name: "StudioUITests", dependencies: ["StudioUI", "HistoryModel"], exclude: ["__Snapshots__"]),
    .testTarget(
      name: "StudioRuntimeTests",
      dependencies: [
        "StudioRuntime", "StudioUI", "StudioCore", "HistoryStore", "HistoryModel", "CurlTransport", "FalClient",
        "FalEmulator", "TestSupport", "TerminalScreen", "DedicatedThreads",
      ]),
    .testTarget(
      name: "CursesTerminalTests",
      dependencies: ["CursesTerminal", "TerminalScreen", "DedicatedThreads", "TestSupport"]),
    .testTarget(name: "QuietExecutorTests", dependencies: ["QuietExecutor", "quiet-executor-probe"]),
    .testTarget(name: "FuzzTests", dependencies: ["FuzzTargets", "FalProtocol", "FalEmulator", "TestSupport"]),
  ]
)
