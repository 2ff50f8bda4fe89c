// Debug builds only: these targets reach internal parsers through @testable imports, which a
// release build (compiled without testing) does not allow.
#if DEBUG
  import FalProtocol
  import Foundation
  import StudioCore
  import TerminalScreen

  @testable import StudioUI

  extension FuzzTarget {
    static let tomlDictionary = [
      "[", "]", "[[", "]]", "=", "{", "}", ",", "\"", "'", "\"\"\"", "'''", "#", "\n", ".", "a.b", "true", "false",
      "1e17", "0x7f", "1_000", "+inf", "nan", "1979-05-27T07:32:00Z", "\\u00e9", "\\U0001F600",
    ]

    /// `config.toml` as the studio reads it at start: the TOML reader, then every setting, then the
    /// prices as the form's first frame shows them (issue 10 item 3).
    public static let tomlConfig = FuzzTarget(
      name: "toml-config",
      summary: "TOMLReader and StudioConfig.parse of a config.toml; prices formatted as the form shows them",
      dictionary: tomlDictionary + [
        "theme = ", "mouse = ", "videos_dir = ", "[prices]", "distilled = ", "full = ", "[notifications]", "bell = ",
        "[defaults]", "model = \"full\"", "num_frames = ", "num_inference_steps = ", "resolution = ",
      ],
      generatedSeeds: { ConfigSeeds.deepSeeds(prefix: "") },
      run: { bytes in
        let (config, errors) = StudioConfig.parse(String(decoding: bytes, as: UTF8.self), path: "config.toml")
        _ = errors.map(\.description)
        let units = MagiSchema.billingUnits(numFrames: 192, resolution: "720p", numInferenceSteps: 64)
        for model in MagiModel.allCases {
          let price = config.pricePerUnit(for: model)
          _ = Format.price(price * units)
          _ = Format.units(units)
        }
      })

    /// Theme files as the studio loads them: up to three files (split at a line `%%`) named `a`, `b`
    /// and `c` in one layer, so `inherits` chains and cycles are reached; then every theme resolved at
    /// every colour depth.
    public static let themeFile = FuzzTarget(
      name: "theme-file",
      summary: "ThemeFile.parse and ThemeLibrary of up to three theme files (inherits between them), every depth",
      dictionary: tomlDictionary + [
        "inherits = \"a\"", "inherits = \"b\"", "[palette]", "[roles]", "fg = ", "bg = ", "modifiers = [\"bold\"]",
        "\"#ff0000\"", "\"bright-red\"", "\"color196\"", "title = ", "selection = ", "\n%%\n",
      ],
      generatedSeeds: { ConfigSeeds.deepSeeds(prefix: "[roles]\n") },
      run: { bytes in
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.components(separatedBy: "\n%%\n").prefix(3)
        let names = ["a", "b", "c"]
        let sources = zip(names, parts).map { ThemeLibrary.Source(name: $0, path: "/themes/\($0).toml", text: $1) }
        let library = ThemeLibrary(layers: [sources])
        _ = library.messages
        for name in names + ["dark"] {
          let theme = library.theme(orDefault: name).theme
          for depth in ColorDepth.allCases {
            for role in StyleRole.allCases { _ = ColorPlanner.plan(theme.style(for: role), role: role, depth: depth) }
          }
        }
      })
  }

  /// The deep and wide TOML of issue 10 items 2 and 7, made rather than committed.
  enum ConfigSeeds {
    static func deepSeeds(prefix: String) -> [(name: String, bytes: [UInt8])] {
      let prefix = Array(prefix.utf8)
      return [
        ("nested-inline-tables-30000", prefix + Array(("x = " + String(repeating: "{a = ", count: 30_000)).utf8)),
        ("nested-arrays-100000", prefix + Array(("x = " + String(repeating: "[", count: 100_000)).utf8)),
        (
          "header-10000-parts",
          prefix + Array(("[" + Array(repeating: "h", count: 10_000).joined(separator: ".") + "]\nx = 1\n").utf8)
        ),
        ("keys-100000", prefix + Array((0..<100_000).map { "k\($0) = \($0)\n" }.joined().utf8)),
      ]
    }
  }
#endif
