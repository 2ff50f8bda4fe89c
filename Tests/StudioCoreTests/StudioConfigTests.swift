import FalProtocol
import Foundation
import StudioCore
import Testing

/// `config.toml`: defaults when silent, overrides when set, and a broken file that still lets the
/// studio start while naming each bad line.
@Suite struct StudioConfigTests {
  @Test func withoutAFileEverySettingHasItsDefault() throws {
    let directory = try temporaryDirectory()
    let paths = StudioPaths(environment: ["HOME": "/nonexistent", "MAGI_STUDIO_CONFIG_DIR": directory])
    let loaded = StudioConfig.load(paths: paths)
    #expect(loaded.path == directory + "/config.toml")
    #expect(!loaded.fileExists)
    #expect(loaded.errors == [])
    let config = loaded.config
    #expect(config == StudioConfig())
    #expect(config.theme == "dark")
    #expect(config.pricePerUnit(for: .distilled) == 0.08)
    #expect(config.pricePerUnit(for: .full) == 0.20)
    #expect(config.notifications == .init(bell: true, desktop: true))
    #expect(config.mouse)
    #expect(config.defaults == .init())
    #expect(config.videosDir == nil)
  }

  /// `graphics` takes the modes `--graphics` takes, in any case; anything else names its line.
  @Test func graphicsIsOneOfTheModes() {
    #expect(StudioConfig().graphics == "auto")
    #expect(StudioConfig.parse("graphics = \"Symbols\"\n", path: "c.toml").config.graphics == "symbols")
    #expect(StudioConfig.parse("graphics = \"none\"\n", path: "c.toml").config.graphics == "none")
    let (config, errors) = StudioConfig.parse("graphics = \"sixels\"\n", path: "c.toml")
    #expect(config.graphics == "auto")
    #expect(
      errors.count == 1 && errors.first?.description.contains("'graphics' must be one of auto, kitty") == true,
      "\(errors)")
  }

  @Test func everySettingCanBeOverridden() throws {
    let text = """
      theme = "high-contrast"
      mouse = false
      videos_dir = "~/Videos/magi"

      [prices]
      distilled = 0.1
      full = 1   # an integer is a price too

      [notifications]
      bell = false
      desktop = false

      [defaults]
      num_inference_steps = 64
      model = "full"
      resolution = "480p"
      num_frames = 192
      aspect_ratio = "9:16"
      safety_checker = false
      """
    let directory = try temporaryDirectory(["config.toml": text])
    let loaded = StudioConfig.load(path: directory + "/config.toml")
    #expect(loaded.errors == [])
    #expect(loaded.fileExists)
    let config = loaded.config
    #expect(config.theme == "high-contrast")
    #expect(!config.mouse)
    #expect(config.videosDirectory(home: "/home/u") == "/home/u/Videos/magi")
    #expect(config.pricePerUnit(for: .distilled) == 0.1)
    #expect(config.pricePerUnit(for: .full) == 1.0)
    #expect(config.notifications == .init(bell: false, desktop: false))
    #expect(
      config.defaults
        == .init(
          model: .full, resolution: "480p", numFrames: 192, numInferenceSteps: 64, aspectRatio: "9:16",
          safetyChecker: false), "64 steps are checked against the model even when the model comes later")
  }

  @Test func aSyntaxErrorCostsOnlyItsLineAndEveryOneIsNamed() {
    let text = "theme = \"light\"\nmouse = = false\n[prices\n[notifications]\nbell = false\n"
    let (config, errors) = StudioConfig.parse(text, path: "/c/config.toml")
    #expect(config.theme == "light", "the good keys are kept")
    #expect(config.mouse, "the bad line's setting keeps its default")
    #expect(!config.notifications.bell)
    #expect(errors.count == 2, "\(errors)")
    #expect(errors.map(\.line) == [2, 3])
    #expect(errors.allSatisfy { $0.message.hasSuffix("; line ignored") })
    #expect(errors[1].description.hasPrefix("/c/config.toml:3: expected ']' to close the table header"))
  }

  @Test func savingTheThemeKeepsTheRestOfTheFileAndItsComments() throws {
    let text = "# my settings\ntheme = \"dark\"  # chosen in May\nmouse = false\n\n[prices]\nfull = 0.5\n"
    #expect(
      StudioConfig.settingTheme("light", in: text)
        == "# my settings\ntheme = \"light\" # chosen in May\nmouse = false\n\n[prices]\nfull = 0.5\n")
    #expect(
      StudioConfig.settingTheme("light", in: "# hi\n[prices]\nfull = 0.5")
        == "# hi\ntheme = \"light\"\n[prices]\nfull = 0.5\n", "added above the first table, not inside it")
    #expect(StudioConfig.settingTheme("a\"b", in: "") == "theme = \"a\\\"b\"\n")
    let directory = try temporaryDirectory(["config.toml": text])
    let path = directory + "/config.toml"
    try StudioConfig.saveTheme("high-contrast", path: path)
    let saved = StudioConfig.load(path: path)
    #expect(saved.errors.isEmpty)
    #expect(saved.config.theme == "high-contrast")
    #expect(!saved.config.mouse)
    #expect(saved.config.pricePerUnit(for: .full) == 0.5)
    try StudioConfig.saveTheme("light", path: directory + "/new/config.toml")
    #expect(StudioConfig.load(path: directory + "/new/config.toml").config.theme == "light")
  }

  @Test func badValuesCostOnlyTheirOwnSettingAndEachNamesItsLine() {
    let text = """
      theme = "light"
      mouse = "yes"
      notifcations = 1
      [prices]
      distilled = -0.5
      full = 0.3
      turbo = 1.0
      [defaults]
      num_frames = 500
      resolution = "1080p"
      num_inference_steps = 64
      aspect_ratio = "4:3"
      model = "large"
      [notifications]
      bell = false
      sound = true
      """
    let (config, errors) = StudioConfig.parse(text, path: "config.toml")
    #expect(
      errors.map(\.description) == [
        "config.toml:2: 'mouse' must be true or false, found a string",
        "config.toml:3: unknown key 'notifcations' in config (did you mean 'notifications'?)",
        "config.toml:5: 'prices.distilled' must be zero or more US dollars, found -0.5; using 0.08",
        "config.toml:7: unknown model 'turbo' in [prices]; models: distilled, full",
        "config.toml:9: 'defaults.num_frames' must be 96–192, found 500",
        "config.toml:10: 'defaults.resolution' must be \"480p\" or \"720p\", found \"1080p\"",
        "config.toml:12: 'defaults.aspect_ratio' must be \"auto\", \"16:9\", \"9:16\" or \"1:1\", found \"4:3\"",
        "config.toml:13: 'defaults.model' must be \"distilled\" or \"full\", found \"large\"",
        "config.toml:11: 'defaults.num_inference_steps' must be one of 4, 8, 16, 32 for the distilled model, found 64 (set model = \"full\" for 64)",
        "config.toml:16: unknown key 'sound' in [notifications]",
      ])
    #expect(config.theme == "light", "good settings still apply")
    #expect(config.mouse, "a bad value keeps the default")
    #expect(config.pricePerUnit(for: .distilled) == 0.08)
    #expect(config.pricePerUnit(for: .full) == 0.3)
    #expect(config.defaults == .init())
    #expect(!config.notifications.bell)
  }

  @Test func relativeVideosDirAndEmptyThemeAreRejected() {
    let (config, errors) = StudioConfig.parse("theme = \"\"\nvideos_dir = \"videos\"\n", path: "c.toml")
    #expect(errors.map(\.line) == [1, 2])
    #expect(config == StudioConfig())
  }

  @Test func theTemplateIsAllCommentedOutAndGivesTheDefaults() {
    let (config, errors) = StudioConfig.parse(StudioConfig.defaultFileContents, path: "config.toml")
    #expect(errors == [])
    #expect(config == StudioConfig())
  }

  /// Removing the `#` of every setting line must give a valid file whose values are the defaults
  /// (the template cannot suggest a value the studio would reject).
  @Test func uncommentingEveryTemplateSettingIsValidAndMatchesTheDefaults() {
    let uncommented = StudioConfig.defaultFileContents.split(separator: "\n", omittingEmptySubsequences: false).map {
      line in
      guard line.hasPrefix("#"), let next = line.dropFirst().first, next.isLetter || next == "[" else {
        return String(line)
      }
      return String(line.dropFirst())
    }.joined(separator: "\n")
    let (config, errors) = StudioConfig.parse(uncommented, path: "config.toml")
    #expect(errors == [])
    #expect(config.theme == StudioConfig().theme)
    #expect(config.prices == StudioConfig.defaultPrices)
    #expect(config.notifications == StudioConfig().notifications)
    #expect(config.mouse)
    #expect(
      config.defaults
        == .init(
          model: .distilled, resolution: MagiSchema.defaultResolution, numFrames: MagiSchema.defaultFrames,
          numInferenceSteps: MagiSchema.defaultSteps, aspectRatio: MagiSchema.defaultAspectRatio, safetyChecker: true))
    #expect(config.videosDir == "~/Videos/magi")
  }

  @Test func aDefaultWebhookIsReadAndOneThatIsNoWebURLIsAWarning() {
    let (config, errors) = StudioConfig.parse("webhook = \"https://example.com/hook\"\n", path: "config.toml")
    #expect(errors == [])
    #expect(config.webhook == "https://example.com/hook")
    let (bad, problems) = StudioConfig.parse("webhook = \"example.com/hook\"\n", path: "config.toml")
    #expect(bad.webhook == nil)
    #expect(problems.map(\.line) == [1])
    #expect(problems.first?.message.contains("must be an http(s) URL") == true)
  }

  @Test func defaultPricesAreFalsPublishedOnes() {
    #expect(
      StudioConfig.defaultPrices == [
        .distilled: MagiModel.distilled.defaultPricePerUnit, .full: MagiModel.full.defaultPricePerUnit,
      ])
  }

  @Test(arguments: ["1e17", "1001", "inf", "nan", "-0.5", "1e308"])
  func anAbsurdPriceIsAWarningAndTheDefault(_ price: String) {
    let (config, errors) = StudioConfig.parse("[prices]\ndistilled = \(price)\nfull = 0.5\n", path: "config.toml")
    #expect(config.pricePerUnit(for: .distilled) == 0.08)
    #expect(config.pricePerUnit(for: .full) == 0.5)
    #expect(errors.count == 1)
    #expect(errors.first?.line == 2)
    #expect(errors.first?.message.contains("US dollars") == true)
    #expect(errors.first?.message.hasSuffix("using 0.08") == true, "\(errors)")
  }
}
