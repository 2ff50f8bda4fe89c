import FalProtocol

/// The request being composed: every schema parameter with its current value, the field in focus,
/// and the messages attached to fields.
///
/// Values stay after a submit (the next take usually changes one thing). Numbers are kept as the
/// digits typed, so a half-typed value can be shown as invalid by the same validator the server
/// uses, and are clamped to their range when the user leaves the field.
public struct FormState: Sendable, Hashable {
  public var mode: MagiMode = .textToVideo
  public var model: MagiModel = .distilled
  public var prompt = TextEditor(multiline: true)
  /// A local path or an http(s)/data URL.
  public var source = TextEditor()
  public var frames = String(MagiSchema.defaultFrames)
  public var steps = MagiSchema.defaultSteps
  public var resolution = MagiSchema.defaultResolution
  public var aspectRatio = MagiSchema.defaultAspectRatio
  /// Digits of a fixed seed; empty for a random one.
  public var seed = ""
  /// Digits of the extend start frame; empty for the server's default.
  public var startFrame = ""
  public var safetyChecker = true
  /// Where fal POSTs the result (`fal_webhook`); empty for none. Starts as config.toml's `webhook`.
  public var webhook = TextEditor()
  /// The Vary field: `seeds=4 steps=8,16` (see ``FormVariations``); empty for one job.
  public var variations = TextEditor()

  public var focus: FormField = .prompt
  /// EDIT mode in the form: keys go to the focused text or number field instead of the key map.
  /// The studio starts in NORMAL mode, where `?`, `q`, Tab and 1/2/3 do what the hints say.
  public var editing = false
  /// True from entering EDIT mode on a number field until its first edit: the first digit typed
  /// replaces the value shown (so typing `150` over 96 gives 150, not 96150).
  public var replacesNumber = false
  /// Server (422) messages by field, kept until the field is changed.
  public var serverErrors: [FormField: String] = [:]
  /// A failure that names no field (a network error, a 5xx).
  public var generalError: String?
  /// Fields the user changed: only those (or all, after a submit attempt) show validation marks,
  /// so an untouched form is not covered in red.
  public var touched: Set<FormField> = []
  public var showAllErrors = false
  /// The record this request extends (set by "extend this").
  public var parentID: String?
  /// The last path completions offered for the source, shown under it.
  public var completions: [String] = []
  /// True after a completion left exactly one file: the next Tab moves on instead of completing.
  public var sourceComplete = false
  /// True between a submit and its answer, so a double press does not pay twice.
  public var submitting = false

  public init() {}

  public var endpoint: MagiEndpoint { MagiEndpoint(mode: mode, model: model) }
  public var visibleFields: [FormField] { FormField.visible(for: mode) }

  // MARK: - Request

  /// The source as the generation runner takes it: URLs as they are, anything else as a local file.
  public var mediaInput: MediaInput? {
    guard mode.sourceField != nil else { return nil }
    let given = source.text.trimmingCharacters(in: " ")
    guard !given.isEmpty else { return nil }
    if MagiSchema.isAcceptedURL(given) || given.contains("://") { return .url(given) }
    return .file(path: given, contentType: Self.contentType(ofPath: given, mode: mode), inline: false)
  }

  /// The webhook the request is sent with, nil when the field is empty.
  public var webhookURL: String? {
    let given = webhook.text.trimmingCharacters(in: " ")
    return given.isEmpty ? nil : given
  }

  /// The request the form describes, with the source as the generation runner will fill it in.
  public var request: MagiRequest {
    MagiRequest(
      endpoint: endpoint, prompt: prompt.text, sourceURL: nil,
      numFrames: Int(frames) ?? (frames.isEmpty ? nil : Int.max),
      seed: Int(seed), resolution: resolution, numInferenceSteps: steps, enableSafetyChecker: safetyChecker,
      aspectRatio: aspectRatio, startFrame: mode == .extendVideo ? Int(startFrame) : nil)
  }

  /// Every problem with the current values, by field, from the schema's own validator (plus a
  /// blank-prompt check the schema does not make but no one wants to pay for).
  public var validationErrors: [FormField: String] {
    var validated = request
    if let media = mediaInput { validated.sourceURL = media.validationStandIn }
    var errors: [FormField: String] = [:]
    if case .failure(let failure) = validated.validated() {
      for error in failure.errors {
        let field = FormField(inputKey: error.field) ?? .prompt
        if errors[field] == nil { errors[field] = error.msg }
      }
    }
    if prompt.text.allSatisfy(\.isWhitespace), errors[.prompt] == nil { errors[.prompt] = "Write a prompt" }
    if let url = webhookURL, let problem = WebhookURL.problem(with: url) { errors[.webhook] = problem }
    if let media = mediaInput, case .url(let url) = media, let problem = DataURI.problem(with: url, asSourceOf: mode) {
      errors[.source] = problem
    }
    switch batch {
    case .failure(let problem) where problem.field == .prompt:
      if errors[.prompt] == nil { errors[.prompt] = problem.message }
    case .failure(let problem): errors[.variations] = problem.message
    case .success: break
    }
    if mode.sourceField != nil, mediaInput == nil {
      errors[.source] =
        mode == .extendVideo ? "Give a video: a local path or a URL" : "Give an image: a local path or a URL"
    }
    return errors
  }

  /// The message shown next to `field`: the server's first, then the validator's (when shown).
  public func message(for field: FormField) -> String? {
    if let server = serverErrors[field] { return server }
    guard showAllErrors || touched.contains(field) else { return nil }
    return validationErrors[field]
  }

  /// Billing units and estimated price of the request, at `pricePerUnit` per unit: of the frames
  /// shown, so that the price never disagrees with the number on screen (typing cannot go over the
  /// range, and a number under it is clamped, with a message, when the field is left).
  /// With variations, the figures are every job's together.
  public func estimate(pricePerUnit: Double) -> (units: Double, price: Double) {
    let one = MagiSchema.billingUnits(
      numFrames: Int(frames) ?? MagiSchema.defaultFrames, resolution: resolution, numInferenceSteps: steps)
    guard case .success(let batch) = batch, batch.variations.jobCount(promptCount: batch.prompts) > 1 else {
      return (one, one * pricePerUnit)
    }
    var base = request
    base.numFrames = Int(frames) ?? MagiSchema.defaultFrames
    let units = batch.variations.units(from: base, promptCount: batch.prompts)
    return (units, units * pricePerUnit)
  }

  // MARK: - Variations

  /// A variations spec the form cannot expand, and the field it is about (an unbalanced brace in the
  /// prompt, or the Vary field).
  public struct BatchProblem: Error, Sendable, Hashable {
    public var field: FormField
    public var message: String
  }

  /// The Vary field read, and the prompt's `{a|b}` alternatives counted: the number of jobs a
  /// submit makes (1 for a plain request).
  public var batch: Result<(variations: FormVariations, prompts: Int), BatchProblem> {
    let prompts: Int
    do { prompts = try Variations.promptCount(prompt.text) } catch {
      return .failure(BatchProblem(field: .prompt, message: error.description))
    }
    switch FormVariations.parse(variations.text, for: endpoint) {
    case .failure(let problem): return .failure(BatchProblem(field: .variations, message: problem.message))
    case .success(let variations):
      let count = variations.jobCount(promptCount: prompts)
      guard count <= Variations.maxJobs else {
        return .failure(
          BatchProblem(field: .variations, message: "\(count) jobs: at most \(Variations.maxJobs) at once"))
      }
      return .success((variations, prompts))
    }
  }

  /// How many jobs a submit makes now; 1 while the variations do not read.
  public var jobCount: Int {
    guard case .success(let batch) = batch else { return 1 }
    return batch.variations.jobCount(promptCount: batch.prompts)
  }

  /// Every request a submit sends, expanded as the CLI expands its variations (random seeds are
  /// left at 0: the runtime draws them as it sends).
  public func requests(from base: MagiRequest) throws(BatchProblem) -> [MagiRequest] {
    switch batch {
    case .failure(let problem): throw problem
    case .success(let batch):
      do { return try batch.variations.requests(from: base) } catch {
        throw BatchProblem(field: .variations, message: error.message)
      }
    }
  }

  // MARK: - Number fields

  /// The digits a number field holds.
  public func digits(of field: FormField) -> String {
    switch field {
    case .frames: frames
    case .seed: seed
    case .startFrame: startFrame
    default: ""
    }
  }

  /// The largest value a number field takes: typing past it is refused.
  static func maximum(of field: FormField) -> Int {
    field == .frames ? MagiSchema.frameRange.upperBound : Int.max
  }

  /// Applies a text edit (digits typed, Backspace, Ctrl-U…) to a number field in EDIT mode.
  /// The edit works on the digits as text with the caret at their end; a result that is not all
  /// digits, or over the field's maximum, is refused and the field keeps its value.
  /// - Parameter insertion: the edit types something: right after entering EDIT mode it replaces
  ///   the value instead of extending it.
  /// - Returns: why the edit was refused, or nil when it was taken.
  mutating func editNumber(_ field: FormField, insertion: Bool, _ edit: (inout TextEditor) -> Void) -> String? {
    var editor = TextEditor(insertion && replacesNumber ? "" : digits(of: field))
    edit(&editor)
    let text = editor.text
    guard text.allSatisfy({ $0.isASCII && $0.isNumber }) else { return "\(field.label) takes digits only" }
    let maximum = Self.maximum(of: field)
    if !text.isEmpty, (Int(text) ?? Int.max) > maximum || Int(text) == nil {
      let name = field == .frames ? "num_frames" : field == .seed ? "seed" : "start_frame"
      let range = field == .frames ? "\(MagiSchema.frameRange.lowerBound)–\(maximum)" : "at most \(maximum)"
      return "\(name) must be \(range): \(text) not taken"
    }
    replacesNumber = false
    guard text != digits(of: field) else { return nil }
    switch field {
    case .frames: frames = text
    case .seed: seed = text
    case .startFrame: startFrame = text
    default: return nil
    }
    markChanged(field)
    return nil
  }

  // MARK: - Changing values

  /// Notes that `field` changed: its server message no longer applies.
  mutating func markChanged(_ field: FormField) {
    touched.insert(field)
    serverErrors[field] = nil
    generalError = nil
  }

  /// Clamps a number field to its range; returns the message to show when it had to.
  mutating func clamp(_ field: FormField) -> String? {
    switch field {
    case .frames:
      let range = MagiSchema.frameRange
      guard let value = Int(frames) else {
        if frames.isEmpty { return nil }
        frames = String(MagiSchema.defaultFrames)
        return "num_frames must be a number \(range.lowerBound)–\(range.upperBound): set to \(frames)"
      }
      let clamped = min(max(value, range.lowerBound), range.upperBound)
      guard clamped != value else { return nil }
      frames = String(clamped)
      return "num_frames must be \(range.lowerBound)–\(range.upperBound): set to \(clamped)"
    case .seed:
      guard !seed.isEmpty, Int(seed) == nil else { return nil }
      seed = String(Int.max)
      return "seed is too large: set to \(seed)"
    case .startFrame:
      guard !startFrame.isEmpty, Int(startFrame) == nil else { return nil }
      startFrame = ""
      return "start_frame is too large: cleared"
    default:
      return nil
    }
  }

  /// Steps through an enumerated field's values (or a number's, by a sensible step).
  /// - Returns: a message when a number had to be clamped.
  mutating func cycle(_ field: FormField, by delta: Int) -> String? {
    func next<T: Equatable>(_ values: [T], _ current: T) -> T {
      let index = values.firstIndex(of: current) ?? 0
      return values[((index + delta) % values.count + values.count) % values.count]
    }
    switch field {
    case .mode:
      mode = next(MagiMode.allCases, mode)
      completions = []
    case .model:
      model = next(MagiModel.allCases, model)
      if !model.allowedSteps.contains(steps) { steps = MagiSchema.defaultSteps }
    case .steps: steps = next(model.allowedSteps, steps)
    case .resolution: resolution = next(MagiSchema.resolutions, resolution)
    case .aspectRatio: aspectRatio = next(MagiSchema.aspectRatios, aspectRatio)
    case .safety: safetyChecker.toggle()
    case .frames:
      // A second of video at a time, clamped with a message at either end.
      let current = Int(frames) ?? MagiSchema.defaultFrames
      let wanted = current + delta * MagiSchema.framesPerSecond
      frames = String(wanted)
      markChanged(field)
      return clamp(.frames)
    case .seed:
      let current = Int(seed) ?? 0
      seed = String(max(0, current + delta))
    case .startFrame:
      let current = Int(startFrame) ?? 0
      startFrame = current + delta <= 0 && delta < 0 ? "" : String(max(0, current + delta))
    case .prompt, .source, .webhook, .variations, .submit:
      return nil
    }
    markChanged(field)
    return nil
  }

  /// Fills the form from a past record (for "edit" and "extend this").
  mutating func load(_ record: RecordParameters) {
    mode = record.mode
    model = record.model
    prompt.setText(record.prompt)
    source.setText(record.source ?? "")
    frames = record.numFrames.map(String.init) ?? String(MagiSchema.defaultFrames)
    steps = record.steps ?? MagiSchema.defaultSteps
    resolution = record.resolution ?? MagiSchema.defaultResolution
    aspectRatio = record.aspectRatio ?? MagiSchema.defaultAspectRatio
    seed = record.seed.map(String.init) ?? ""
    startFrame = record.startFrame.map(String.init) ?? ""
    safetyChecker = record.safetyChecker ?? true
    webhook.setText(record.webhook ?? "")
    // A record is one job: loading it must not leave a batch ready to pay for.
    variations.setText("")
    parentID = record.parentID
    serverErrors = [:]
    generalError = nil
    touched = []
    showAllErrors = false
    completions = []
    sourceComplete = false
  }

  /// A content type for a local path from its extension; the effect runner sniffs the file itself
  /// before uploading (this module does no I/O), so this is only the first guess.
  static func contentType(ofPath path: String, mode: MagiMode) -> String {
    let lower = path.lowercased()
    let table: [(String, String)] = [
      (".png", "image/png"), (".jpg", "image/jpeg"), (".jpeg", "image/jpeg"), (".webp", "image/webp"),
      (".gif", "image/gif"), (".bmp", "image/bmp"), (".mp4", "video/mp4"), (".mov", "video/quicktime"),
      (".webm", "video/webm"),
    ]
    for (suffix, type) in table where lower.hasSuffix(suffix) { return type }
    return mode == .extendVideo ? "video/mp4" : "image/png"
  }
}

extension String {
  func trimmingCharacters(in set: Character) -> String {
    var slice = Substring(self)
    while slice.first == set { slice.removeFirst() }
    while slice.last == set { slice.removeLast() }
    return String(slice)
  }
}
