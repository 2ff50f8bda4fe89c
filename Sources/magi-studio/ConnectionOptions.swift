import ArgumentParser

/// Where requests go: fal.ai, any fal-compatible server, or the embedded emulator.
struct ConnectionOptions: ParsableArguments {
  @Option(
    name: .customLong("fal-url"),
    help: ArgumentHelp(
      "Base URL of a fal-compatible server for queue, storage and CDN calls (env MAGI_FAL_URL).",
      valueName: "url"))
  var falURL: String?

  @Flag(help: "Use the embedded offline emulator even when FAL_KEY is set.")
  var offline = false
}
