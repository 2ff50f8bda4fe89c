import FalProtocol

extension StudioConfig {
  /// A commented `config.toml` to start from: every setting, commented out at its default.
  ///
  /// Settings are commented as `#key = value` (no space) and prose as `# text`, so removing the `#`
  /// of a setting line gives a valid file; a test does exactly that and expects the defaults back.
  public static var defaultFileContents: String {
    """
    # MAGI Studio configuration.
    # Every setting is optional; remove the '#' in front of one to change it.
    # A mistake here never stops the studio: it starts with the defaults and names the line.

    # Colour theme: dark, light, high-contrast, ansi16, or the name of a file in themes/ next to
    # this file (themes/<name>.toml). Also --theme NAME, or the theme key in the studio.
    # NO_COLOR in the environment turns colours off whatever the theme.
    #theme = "\(ThemeLibrary.defaultName)"

    # Mouse support. Off leaves the terminal's own text selection alone.
    #mouse = true

    # How video previews are drawn: auto (kitty, iTerm2 or sixel where the terminal has them,
    # coloured block symbols elsewhere), kitty, iterm, sixel, symbols or none. Also --graphics.
    #graphics = "auto"

    # Where finished videos are copied (absolute, or starting with ~/).
    # Default: the videos/ folder in the data directory.
    #videos_dir = "~/Videos/magi"

    # A webhook fal POSTs every result to (an http or https URL), unless the form's Webhook field
    # or generate's --webhook / --no-webhook says otherwise.
    #webhook = "https://example.com/fal-hook"

    # US dollars per billing unit (one second of 720p video at up to 16 steps), used for the cost
    # estimates. The defaults are fal's published MAGI-1 prices; update them when fal's change.
    #[prices]
    #distilled = \(MagiModel.distilled.defaultPricePerUnit)
    #full = \(MagiModel.full.defaultPricePerUnit)

    # Spending limits in US dollars, from the prices above: a generate or batch whose estimate would
    # pass per_batch, or take today's spend (billed units in the history since midnight UTC, the
    # estimate for jobs still running) past per_day, is refused unless given --yes.
    #[budget]
    #per_batch = 5.0
    #per_day = 20.0

    # What happens when a job finishes.
    #[notifications]
    # The terminal bell.
    #bell = true
    # A desktop notice through the terminal (OSC 9 or OSC 777).
    #desktop = true

    # What the generation form starts with. Unset fields use fal's defaults.
    #[defaults]
    # "distilled" (faster, cheaper) or "full".
    #model = "distilled"
    # \(MagiSchema.resolutions.map { "\"\($0)\"" }.joined(separator: " or ")).
    #resolution = "\(MagiSchema.defaultResolution)"
    # \(MagiSchema.frameRange.lowerBound)–\(MagiSchema.frameRange.upperBound) frames at \(MagiSchema.framesPerSecond) per second.
    #num_frames = \(MagiSchema.defaultFrames)
    # distilled: \(MagiModel.distilled.allowedSteps.map(String.init).joined(separator: ", ")); full: \(MagiModel.full.allowedSteps.map(String.init).joined(separator: ", ")).
    #num_inference_steps = \(MagiSchema.defaultSteps)
    # \(MagiSchema.aspectRatios.map { "\"\($0)\"" }.joined(separator: ", ")).
    #aspect_ratio = "\(MagiSchema.defaultAspectRatio)"
    #safety_checker = true

    """
  }
}
