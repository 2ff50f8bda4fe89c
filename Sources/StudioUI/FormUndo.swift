import FalProtocol

/// The values of the form at one moment: what undo restores (not the focus, the mode or messages).
public struct FormValues: Sendable, Hashable {
  var mode: MagiMode
  var model: MagiModel
  var prompt: TextEditor
  var source: TextEditor
  var frames: String
  var steps: Int
  var resolution: String
  var aspectRatio: String
  var seed: String
  var startFrame: String
  var safetyChecker: Bool
  var parentID: String?
  var webhook: TextEditor
  var variations: TextEditor

  /// Equal as a request would see it: the texts, not where their carets are. Called after every
  /// action (log lines included), so it compares in place: arrays that share storage compare at once.
  func sameValues(as other: FormValues) -> Bool {
    mode == other.mode && model == other.model && frames == other.frames && steps == other.steps
      && resolution == other.resolution && aspectRatio == other.aspectRatio && seed == other.seed
      && startFrame == other.startFrame && safetyChecker == other.safetyChecker && parentID == other.parentID
      && prompt.characters == other.prompt.characters && source.characters == other.source.characters
      && webhook.characters == other.webhook.characters && variations.characters == other.variations.characters
  }
}

extension FormState {
  public var values: FormValues {
    get {
      FormValues(
        mode: mode, model: model, prompt: prompt, source: source, frames: frames, steps: steps, resolution: resolution,
        aspectRatio: aspectRatio, seed: seed, startFrame: startFrame, safetyChecker: safetyChecker, parentID: parentID,
        webhook: webhook, variations: variations)
    }
    set {
      mode = newValue.mode
      model = newValue.model
      prompt = newValue.prompt
      source = newValue.source
      webhook = newValue.webhook
      variations = newValue.variations
      frames = newValue.frames
      steps = newValue.steps
      resolution = newValue.resolution
      aspectRatio = newValue.aspectRatio
      seed = newValue.seed
      startFrame = newValue.startFrame
      safetyChecker = newValue.safetyChecker
      parentID = newValue.parentID
      completions = []
      sourceComplete = false
      replacesNumber = false
      if !visibleFields.contains(focus) {
        focus = .prompt
        editing = false
      }
    }
  }
}

/// The form's undo and redo stacks, one stack for every field (the prompt editor included), so
/// that nothing a stray key does to the form (Ctrl-R, a loaded record, a cut) is beyond `u`.
///
/// `update` records the form's values after every action; a change pushes the values before it.
/// A run of characters typed into one field is one step, ended by a space or a line break (a word
/// at a time, as editors undo typing); any other change is a step of its own.
public struct FormUndo: Sendable, Hashable {
  private(set) var undoStack: [FormValues] = []
  private(set) var redoStack: [FormValues] = []
  /// The values as last recorded: what the next change is measured against.
  private var current: FormValues?
  /// The field a run of typing goes into, while it lasts.
  private var typingIn: FormField?

  /// Steps kept; the oldest go first.
  static let limit = 200

  public init() {}

  /// Notes the form's values after an action.
  /// - Parameters:
  ///   - typing: the field the action typed characters into (nil for any other action).
  ///   - endsWord: the typed text was a space or line break: the run ends after it.
  mutating func record(_ values: FormValues, typing: FormField?, endsWord: Bool = false) {
    defer { if endsWord { typingIn = nil } }
    guard let before = current else {
      current = values
      return
    }
    if before.sameValues(as: values) {
      current = values
      if typing == nil { typingIn = nil }
      return
    }
    current = values
    if let typing, typing == typingIn { return }
    undoStack.append(before)
    if undoStack.count > Self.limit { undoStack.removeFirst(undoStack.count - Self.limit) }
    redoStack = []
    typingIn = typing
  }

  /// The values to go back to from `values`, or nil when there is nothing to undo.
  mutating func undo(from values: FormValues) -> FormValues? {
    guard let previous = undoStack.popLast() else { return nil }
    redoStack.append(values)
    current = previous
    typingIn = nil
    return previous
  }

  /// The values undo last left, or nil when there is nothing to redo.
  mutating func redo(from values: FormValues) -> FormValues? {
    guard let next = redoStack.popLast() else { return nil }
    undoStack.append(values)
    current = next
    typingIn = nil
    return next
  }
}
