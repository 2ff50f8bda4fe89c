import FalProtocol
import HistoryModel

#if canImport(FoundationEssentials)
  import FoundationEssentials
#else
  import Foundation
#endif

/// The studio's settings from `config.toml` in the config directory; every field is optional.
///
/// A config file never stops the studio: a line that does not parse is left out (the rest of the
/// file still counts), and a bad value means the default for that one setting. Either way each
/// problem is reported as `path:line: message`, so the user sees it and can fix it.
public struct StudioConfig: Sendable, Hashable {
  /// Which notices a finished job sends.
  public struct Notifications: Sendable, Hashable {
    /// The terminal bell (BEL): works everywhere, even where nothing else does.
    public var bell: Bool
    /// A desktop notice through the terminal (OSC 9 or OSC 777, whichever the terminal takes).
    public var desktop: Bool

    public init(bell: Bool = true, desktop: Bool = true) {
      self.bell = bell
      self.desktop = desktop
    }
  }

  /// What the generation form starts with; nil leaves the choice to fal's defaults.
  public struct FormDefaults: Sendable, Hashable {
    public var model: MagiModel?
    public var resolution: String?
    public var numFrames: Int?
    public var numInferenceSteps: Int?
    public var aspectRatio: String?
    public var safetyChecker: Bool?

    public init(
      model: MagiModel? = nil, resolution: String? = nil, numFrames: Int? = nil, numInferenceSteps: Int? = nil,
      aspectRatio: String? = nil, safetyChecker: Bool? = nil
    ) {
      self.model = model
      self.resolution = resolution
      self.numFrames = numFrames
      self.numInferenceSteps = numInferenceSteps
      self.aspectRatio = aspectRatio
      self.safetyChecker = safetyChecker
    }
  }

  /// The result of reading the config file: the settings to use and what was wrong with the file.
  public struct Loaded: Sendable, Hashable {
    public var config: StudioConfig
    public var errors: [ConfigFileError]
    public var path: String
    /// False when there is no config file yet (not an error: everything has a default).
    public var fileExists: Bool
  }

  public static let fileName = "config.toml"

  /// The theme's name (a file in `themes/` without `.toml`).
  public var theme: String
  /// US dollars per billing unit (one second of 720p video at ≤ 16 steps), by model. Kept in the
  /// config because fal's prices change; the defaults are fal's published MAGI-1 prices.
  public var prices: [MagiModel: Double]
  public var notifications: Notifications
  /// Whether the studio asks the terminal for mouse events (off keeps the terminal's own selection).
  public var mouse: Bool
  /// How previews reach the terminal: `auto` (detected) or one of ``graphicsModes``.
  public var graphics: String = "auto"
  public var defaults: FormDefaults
  /// Where finished videos are copied; nil for the data directory's `videos/`. May start with `~/`.
  public var videosDir: String?
  /// The webhook every request is sent with unless the form or `--webhook` says otherwise (fal
  /// POSTs each result there): an absolute http(s) URL, checked as `--webhook` is.
  public var webhook: String?
  /// `[budget]`: what a batch and a day may cost before a submit is refused (the CLI) or asked about.
  public var budget = Budget()

  public init(
    theme: String = ThemeLibrary.defaultName, prices: [MagiModel: Double] = StudioConfig.defaultPrices,
    notifications: Notifications = Notifications(), mouse: Bool = true, defaults: FormDefaults = FormDefaults(),
    videosDir: String? = nil
  ) {
    self.theme = theme
    self.prices = prices
    self.notifications = notifications
    self.mouse = mouse
    self.defaults = defaults
    self.videosDir = videosDir
  }

  /// A price per unit above this is a typo (fal's are cents), and would make every estimate absurd.
  public static let maximumPricePerUnit = 1000.0

  /// fal's published prices per billing unit.
  public static var defaultPrices: [MagiModel: Double] {
    Dictionary(uniqueKeysWithValues: MagiModel.allCases.map { ($0, $0.defaultPricePerUnit) })
  }

  /// The price of one billing unit on `model`, in US dollars.
  public func pricePerUnit(for model: MagiModel) -> Double {
    prices[model] ?? model.defaultPricePerUnit
  }

  /// `videos_dir` with a leading `~` expanded against `home`.
  public func videosDirectory(home: String) -> String? {
    guard let videosDir else { return nil }
    if videosDir == "~" { return home }
    if videosDir.hasPrefix("~/") { return home + videosDir.dropFirst() }
    return videosDir
  }

  // MARK: - Loading

  /// `<config dir>/config.toml`.
  public static func path(in paths: StudioPaths) -> String {
    paths.config + "/" + fileName
  }

  /// Reads the config file from the config directory; a missing file is all defaults, silently.
  public static func load(paths: StudioPaths) -> Loaded {
    load(path: path(in: paths))
  }

  public static func load(path: String) -> Loaded {
    switch SettingsFile.read(path) {
    case .missing:
      return Loaded(config: StudioConfig(), errors: [], path: path, fileExists: false)
    case .unusable(let reason):
      let error = ConfigFileError(path: path, line: nil, message: reason + "; using the defaults")
      return Loaded(config: StudioConfig(), errors: [error], path: path, fileExists: true)
    case .text(let text):
      let (config, errors) = parse(text, path: path)
      return Loaded(config: config, errors: errors, path: path, fileExists: true)
    }
  }

  static let topLevelKeys = [
    "theme", "mouse", "graphics", "videos_dir", "webhook", "prices", "notifications", "defaults", "budget",
  ]
  /// What `graphics` may say (TerminalGraphics' `GraphicsChoice` names; StudioCore does not see that module).
  public static let graphicsModes = ["auto", "kitty", "iterm", "sixel", "symbols", "none"]
  static let defaultsKeys = [
    "model", "resolution", "num_frames", "num_inference_steps", "aspect_ratio", "safety_checker",
  ]

  /// Parses config text: the settings (defaults where the file is silent or wrong) and every problem.
  public static func parse(_ text: String, path: String) -> (config: StudioConfig, errors: [ConfigFileError]) {
    let (parsed, syntaxErrors) = tolerantParse(text, path: path)
    guard let table = parsed else { return (StudioConfig(), syntaxErrors) }
    var reader = FieldReader(path: path)
    reader.errors = syntaxErrors
    var config = StudioConfig()
    for (key, entry) in table.orderedEntries {
      switch key {
      case "theme":
        if let name = reader.string(entry, "theme") {
          if name.isEmpty {
            reader.fail(entry.line, "'theme' must name a theme, such as \"dark\"")
          } else {
            config.theme = name
          }
        }
      case "mouse":
        config.mouse = reader.bool(entry, "mouse") ?? config.mouse
      case "graphics":
        if let mode = reader.string(entry, "graphics") {
          if graphicsModes.contains(mode.lowercased()) {
            config.graphics = mode.lowercased()
          } else {
            reader.fail(
              entry.line, "'graphics' must be one of \(graphicsModes.joined(separator: ", ")), found \"\(mode)\"")
          }
        }
      case "videos_dir":
        if let directory = reader.string(entry, "videos_dir") {
          if directory.hasPrefix("/") || directory == "~" || directory.hasPrefix("~/") {
            config.videosDir = directory
          } else {
            reader.fail(entry.line, "'videos_dir' must be an absolute path or start with ~/, found \"\(directory)\"")
          }
        }
      case "webhook":
        if let url = reader.string(entry, "webhook") {
          if let problem = WebhookURL.problem(with: url) {
            reader.fail(entry.line, "'webhook': \(problem)")
          } else {
            config.webhook = url
          }
        }
      case "prices":
        guard let prices = reader.table(entry, "prices") else { continue }
        for (model, price) in prices.orderedEntries {
          guard let magiModel = MagiModel(rawValue: model) else {
            let hint = Suggestion.hint(for: model, among: MagiModel.allCases.map(\.rawValue))
            reader.fail(price.line, "unknown model '\(model)' in [prices]\(hint); models: distilled, full")
            continue
          }
          guard let value = price.value.doubleValue else {
            reader.fail(price.line, "'prices.\(model)' must be a number of US dollars, found \(price.value.typeName)")
            continue
          }
          guard value.isFinite, value >= 0, value <= maximumPricePerUnit else {
            let range = value.isFinite && value >= 0 ? "at most \(Int(maximumPricePerUnit))" : "zero or more"
            reader.fail(
              price.line,
              "'prices.\(model)' must be \(range) US dollars, found \(value); using \(magiModel.defaultPricePerUnit)")
            continue
          }
          config.prices[magiModel] = value
        }
      case "budget":
        guard let budget = reader.table(entry, "budget") else { continue }
        for (name, field) in budget.orderedEntries {
          let names = ["per_batch", "per_day", "per_batch_units", "per_day_units"]
          guard names.contains(name) else {
            reader.unknown(name, line: field.line, in: "[budget]", among: names)
            continue
          }
          guard let value = field.value.doubleValue, value.isFinite, value >= 0 else {
            let found = field.value.doubleValue.map { "\($0)" } ?? field.value.typeName
            let what = name.hasSuffix("_units") ? "units" : "US dollars"
            reader.fail(field.line, "'budget.\(name)' must be zero or more \(what), found \(found); no limit set")
            continue
          }
          switch name {
          case "per_batch": config.budget.perBatch = value
          case "per_day": config.budget.perDay = value
          case "per_batch_units": config.budget.perBatchUnits = value
          default: config.budget.perDayUnits = value
          }
        }
      case "notifications":
        guard let notifications = reader.table(entry, "notifications") else { continue }
        for (name, field) in notifications.orderedEntries {
          switch name {
          case "bell": config.notifications.bell = reader.bool(field, "notifications.bell") ?? config.notifications.bell
          case "desktop":
            config.notifications.desktop = reader.bool(field, "notifications.desktop") ?? config.notifications.desktop
          default:
            reader.unknown(name, line: field.line, in: "[notifications]", among: ["bell", "desktop"])
          }
        }
      case "defaults":
        guard let defaults = reader.table(entry, "defaults") else { continue }
        config.defaults = readDefaults(defaults, reader: &reader)
      default:
        reader.unknown(key, line: entry.line, in: "config", among: topLevelKeys)
      }
    }
    return (config, reader.errors)
  }

  /// The file's table without the lines that do not parse: each syntax error blanks its line and
  /// the reader tries again, so one typo costs one setting, not the file. Nil (all defaults) only
  /// when an error cannot be pinned on a line that can be dropped (an unclosed multi-line string
  /// that runs to the end), or past 50 errors (not a config file).
  static func tolerantParse(_ text: String, path: String) -> (TOMLTable?, [ConfigFileError]) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var errors: [ConfigFileError] = []
    while true {
      do {
        return (try TOMLReader.parse(lines.joined(separator: "\n")), errors)
      } catch {
        var problem = ConfigFileError(path: path, error)
        let index = error.line - 1
        guard lines.indices.contains(index), !lines[index].allSatisfy(\.isWhitespace), errors.count < 50 else {
          problem.message += "; using the default settings"
          return (nil, errors + [problem])
        }
        problem.message += "; line ignored"
        errors.append(problem)
        lines[index] = ""
      }
    }
  }

  /// `[defaults]`, checked against the MAGI-1 schema so a bad default is caught at start, not at
  /// submit time.
  private static func readDefaults(_ table: TOMLTable, reader: inout FieldReader) -> FormDefaults {
    var defaults = FormDefaults()
    var stepsEntry: (steps: Int, line: Int)?
    for (key, entry) in table.orderedEntries {
      switch key {
      case "model":
        guard let name = reader.string(entry, "defaults.model") else { continue }
        if let model = MagiModel(rawValue: name) {
          defaults.model = model
        } else {
          reader.fail(entry.line, "'defaults.model' must be \"distilled\" or \"full\", found \"\(name)\"")
        }
      case "resolution":
        guard let resolution = reader.string(entry, "defaults.resolution") else { continue }
        if MagiSchema.resolutions.contains(resolution) {
          defaults.resolution = resolution
        } else {
          reader.fail(
            entry.line, "'defaults.resolution' must be \(choices(MagiSchema.resolutions)), found \"\(resolution)\"")
        }
      case "num_frames":
        guard let frames = reader.integer(entry, "defaults.num_frames") else { continue }
        if MagiSchema.frameRange.contains(frames) {
          defaults.numFrames = frames
        } else {
          reader.fail(
            entry.line,
            "'defaults.num_frames' must be \(MagiSchema.frameRange.lowerBound)–\(MagiSchema.frameRange.upperBound), found \(frames)"
          )
        }
      case "num_inference_steps":
        guard let steps = reader.integer(entry, "defaults.num_inference_steps") else { continue }
        stepsEntry = (steps, entry.line)
      case "aspect_ratio":
        guard let ratio = reader.string(entry, "defaults.aspect_ratio") else { continue }
        if MagiSchema.aspectRatios.contains(ratio) {
          defaults.aspectRatio = ratio
        } else {
          reader.fail(
            entry.line, "'defaults.aspect_ratio' must be \(choices(MagiSchema.aspectRatios)), found \"\(ratio)\"")
        }
      case "safety_checker":
        defaults.safetyChecker = reader.bool(entry, "defaults.safety_checker")
      default:
        reader.unknown(key, line: entry.line, in: "[defaults]", among: defaultsKeys)
      }
    }
    // Checked after the loop: the allowed steps depend on the model, which may come later in the table.
    if let (steps, line) = stepsEntry {
      let model = defaults.model ?? .distilled
      if model.allowedSteps.contains(steps) {
        defaults.numInferenceSteps = steps
      } else {
        let allowed = model.allowedSteps.map(String.init).joined(separator: ", ")
        let full =
          model == .distilled && MagiModel.full.allowedSteps.contains(steps)
          ? " (set model = \"full\" for \(steps))" : ""
        reader.fail(
          line,
          "'defaults.num_inference_steps' must be one of \(allowed) for the \(model.rawValue) model, found \(steps)\(full)"
        )
      }
    }
    return defaults
  }

  private static func choices(_ values: [String]) -> String {
    let quoted = values.map { "\"\($0)\"" }
    guard quoted.count > 1 else { return quoted.first ?? "" }
    return quoted.dropLast().joined(separator: ", ") + " or " + quoted[quoted.count - 1]
  }
}

/// Typed reads of config entries that record a line-numbered error instead of throwing, so one bad
/// value costs only its own setting.
private struct FieldReader {
  let path: String
  var errors: [ConfigFileError] = []

  init(path: String) {
    self.path = path
  }

  mutating func fail(_ line: Int, _ message: String) {
    errors.append(ConfigFileError(path: path, line: line, message: message))
  }

  mutating func unknown(_ key: String, line: Int, in place: String, among candidates: [String]) {
    let hint = Suggestion.hint(for: key, among: candidates)
    fail(line, "unknown key '\(key)' in \(place)\(hint)")
  }

  mutating func string(_ entry: TOMLTable.Entry, _ name: String) -> String? {
    if let value = entry.value.stringValue { return value }
    fail(entry.line, "'\(name)' must be a string in quotes, found \(entry.value.typeName)")
    return nil
  }

  mutating func bool(_ entry: TOMLTable.Entry, _ name: String) -> Bool? {
    if let value = entry.value.boolValue { return value }
    fail(entry.line, "'\(name)' must be true or false, found \(entry.value.typeName)")
    return nil
  }

  mutating func integer(_ entry: TOMLTable.Entry, _ name: String) -> Int? {
    if let value = entry.value.integerValue { return value }
    fail(entry.line, "'\(name)' must be a whole number, found \(entry.value.typeName)")
    return nil
  }

  mutating func table(_ entry: TOMLTable.Entry, _ name: String) -> TOMLTable? {
    if let value = entry.value.tableValue { return value }
    fail(entry.line, "'\(name)' must be a table ([\(name)]), found \(entry.value.typeName)")
    return nil
  }
}
