import TerminalScreen

/// Where a binding applies. A key is looked up in the innermost context first (a dialog, then an
/// overlay, then the text being typed, then the focused pane, then lists in general, then
/// everywhere), so `j` moves in a list but types a `j` in the prompt.
public enum KeyContext: String, Sendable, Hashable, CaseIterable {
  case dialog
  case playback
  case help
  case palette
  case detail
  case compare
  case messages
  case editor
  case form
  case queue
  case history
  case navigation
  case global

  public var title: String {
    switch self {
    case .dialog: "Confirmation dialogs"
    case .playback: "Playing a video"
    case .help: "Help"
    case .palette: "Command palette"
    case .detail: "Details view"
    case .compare: "Compare view"
    case .messages: "Messages view"
    case .editor: "EDIT mode: typing in a field, the filter or the palette"
    case .form: "Form, NORMAL mode"
    case .queue: "Queue"
    case .history: "History"
    case .navigation: "Lists and panes, NORMAL mode"
    case .global: "Everywhere"
    }
  }
}

/// One key bound to one command in one context.
public struct KeyBinding: Sendable, Hashable {
  public var key: Key
  public var context: KeyContext
  public var command: Command

  public init(_ key: Key, _ context: KeyContext, _ command: Command) {
    self.key = key
    self.context = context
    self.command = command
  }
}

/// The single table of key bindings: `update` resolves keys through it, and the help overlay and
/// the tests iterate it, so documentation and behaviour cannot drift apart.
public enum KeyMap {
  public static let bindings: [KeyBinding] = [
    // Dialogs.
    KeyBinding(.character("y"), .dialog, .confirmYes),
    KeyBinding(.character("v"), .dialog, .confirmAlternative),
    KeyBinding(.character("n"), .dialog, .confirmNo),
    KeyBinding(.escape, .dialog, .confirmNo),

    // Playback.
    KeyBinding(.character(" "), .playback, .pausePlayback),
    KeyBinding(.character("."), .playback, .stepForward),
    KeyBinding(.character(","), .playback, .stepBackward),
    KeyBinding(.right, .playback, .seekForward),
    KeyBinding(.left, .playback, .seekBackward),
    KeyBinding(.character("+"), .playback, .togglePlaybackZoom),
    KeyBinding(.character("P"), .playback, .togglePlaybackZoom),
    KeyBinding(.character("q"), .playback, .stopPlayback),
    KeyBinding(.escape, .playback, .stopPlayback),

    // Help.
    KeyBinding(.escape, .help, .close),
    KeyBinding(.character("q"), .help, .close),
    KeyBinding(.character("?"), .help, .close),
    KeyBinding(.character("j"), .help, .moveDown),
    KeyBinding(.down, .help, .moveDown),
    KeyBinding(.character("k"), .help, .moveUp),
    KeyBinding(.up, .help, .moveUp),
    KeyBinding(.pageDown, .help, .pageDown),
    KeyBinding(.pageUp, .help, .pageUp),

    // Palette.
    KeyBinding(.escape, .palette, .close),
    KeyBinding(.down, .palette, .moveDown),
    KeyBinding(.ctrl("n"), .palette, .moveDown),
    KeyBinding(.up, .palette, .moveUp),
    KeyBinding(.enter, .palette, .activate),
    KeyBinding(.backspace, .palette, .editorBackspace),
    KeyBinding(.ctrl("u"), .palette, .editorKillToStart),

    // Details.
    KeyBinding(.escape, .detail, .close),
    KeyBinding(.character("q"), .detail, .close),
    KeyBinding(.character("j"), .detail, .moveDown),
    KeyBinding(.down, .detail, .moveDown),
    KeyBinding(.character("k"), .detail, .moveUp),
    KeyBinding(.up, .detail, .moveUp),
    KeyBinding(.character("o"), .detail, .openRecord),
    KeyBinding(.character("r"), .detail, .rerunRecord),
    KeyBinding(.character("e"), .detail, .editRecord),
    KeyBinding(.character("x"), .detail, .extendRecord),
    KeyBinding(.character("y"), .detail, .copyURL),
    KeyBinding(.character("s"), .detail, .reuseSeed),
    KeyBinding(.character("d"), .detail, .deleteRecord),
    KeyBinding(.character("+"), .detail, .toggleZoom),
    KeyBinding(.character("p"), .detail, .playVideo),
    KeyBinding(.character("P"), .detail, .playVideoFullScreen),

    // Compare.
    KeyBinding(.escape, .compare, .close),
    KeyBinding(.character("q"), .compare, .close),
    KeyBinding(.left, .compare, .moveLeft),
    KeyBinding(.character("h"), .compare, .moveLeft),
    KeyBinding(.right, .compare, .moveRight),
    KeyBinding(.character("l"), .compare, .moveRight),
    KeyBinding(.up, .compare, .moveUp),
    KeyBinding(.character("k"), .compare, .moveUp),
    KeyBinding(.down, .compare, .moveDown),
    KeyBinding(.character("j"), .compare, .moveDown),
    KeyBinding(.character("s"), .compare, .starRecord),
    KeyBinding(.character("*"), .compare, .starRecord),
    KeyBinding(.character("D"), .compare, .discardOthers),
    KeyBinding(.character("o"), .compare, .openRecord),

    // Messages.
    KeyBinding(.escape, .messages, .close),
    KeyBinding(.character("q"), .messages, .close),
    KeyBinding(.character("M"), .messages, .close),
    KeyBinding(.character("j"), .messages, .moveDown),
    KeyBinding(.down, .messages, .moveDown),
    KeyBinding(.character("k"), .messages, .moveUp),
    KeyBinding(.up, .messages, .moveUp),
    KeyBinding(.pageDown, .messages, .pageDown),
    KeyBinding(.pageUp, .messages, .pageUp),
    KeyBinding(.character("g"), .messages, .moveTop),
    KeyBinding(.character("G"), .messages, .moveBottom),

    // Typing.
    KeyBinding(.left, .editor, .editorLeft),
    KeyBinding(.right, .editor, .editorRight),
    KeyBinding(.up, .editor, .editorUp),
    KeyBinding(.down, .editor, .editorDown),
    KeyBinding(.home, .editor, .editorHome),
    KeyBinding(.ctrl("a"), .editor, .editorHome),
    KeyBinding(.end, .editor, .editorEnd),
    KeyBinding(.ctrl("e"), .editor, .editorEnd),
    KeyBinding(.wordLeft, .editor, .editorWordLeft),
    KeyBinding(.alt("b"), .editor, .editorWordLeft),
    KeyBinding(.wordRight, .editor, .editorWordRight),
    KeyBinding(.alt("f"), .editor, .editorWordRight),
    KeyBinding(.backspace, .editor, .editorBackspace),
    KeyBinding(.delete, .editor, .editorDelete),
    KeyBinding(.ctrl("d"), .editor, .editorDelete),
    KeyBinding(.ctrl("w"), .editor, .editorDeleteWord),
    KeyBinding(.alt("\u{7F}"), .editor, .editorDeleteWord),
    KeyBinding(.ctrl("u"), .editor, .editorKillToStart),
    KeyBinding(.ctrl("k"), .editor, .editorKillToEnd),
    KeyBinding(.alt("d"), .editor, .editorKillWordForward),
    KeyBinding(.ctrl("y"), .editor, .editorYank),
    KeyBinding(.ctrl("_"), .editor, .undo),
    KeyBinding(.alt("_"), .editor, .redo),
    KeyBinding(.enter, .editor, .editorEnter),
    KeyBinding(.escape, .editor, .editorDone),
    KeyBinding(.tab, .editor, .completePath),

    // Form.
    KeyBinding(.enter, .form, .activate),
    KeyBinding(.character("i"), .form, .startEditing),
    KeyBinding(.right, .form, .nextValue),
    KeyBinding(.character("l"), .form, .nextValue),
    KeyBinding(.character(" "), .form, .nextValue),
    KeyBinding(.left, .form, .previousValue),
    KeyBinding(.character("h"), .form, .previousValue),
    KeyBinding(.character("R"), .form, .randomSeed),
    KeyBinding(.ctrl("r"), .form, .resetForm),
    KeyBinding(.character("u"), .form, .undo),
    KeyBinding(.character("U"), .form, .redo),

    // Queue.
    KeyBinding(.character("c"), .queue, .cancelJob),
    KeyBinding(.character("o"), .queue, .openJob),
    KeyBinding(.enter, .queue, .showJob),
    KeyBinding(.character("K"), .queue, .scrollLogUp),
    KeyBinding(.pageUp, .queue, .scrollLogUp),
    KeyBinding(.character("J"), .queue, .scrollLogDown),
    KeyBinding(.pageDown, .queue, .scrollLogDown),
    KeyBinding(.character("w"), .queue, .toggleLogWrap),
    KeyBinding(.character("+"), .queue, .toggleZoom),

    // History.
    KeyBinding(.enter, .history, .showRecord),
    KeyBinding(.character("o"), .history, .openRecord),
    KeyBinding(.character("r"), .history, .rerunRecord),
    KeyBinding(.character("e"), .history, .editRecord),
    KeyBinding(.character("x"), .history, .extendRecord),
    KeyBinding(.character("y"), .history, .copyURL),
    KeyBinding(.character("s"), .history, .reuseSeed),
    KeyBinding(.character("d"), .history, .deleteRecord),
    KeyBinding(.delete, .history, .deleteRecord),
    KeyBinding(.character("c"), .history, .cancelRecord),
    KeyBinding(.character(" "), .history, .toggleMark),
    KeyBinding(.character("u"), .history, .clearMarks),
    KeyBinding(.character("C"), .history, .compareRecords),
    KeyBinding(.character("S"), .history, .sortHistory),
    KeyBinding(.character("p"), .history, .playVideo),
    KeyBinding(.character("P"), .history, .playVideoFullScreen),
    KeyBinding(.right, .history, .expandBatch),
    KeyBinding(.left, .history, .collapseBatch),

    // Lists and panes.
    KeyBinding(.character("j"), .navigation, .moveDown),
    KeyBinding(.down, .navigation, .moveDown),
    KeyBinding(.character("k"), .navigation, .moveUp),
    KeyBinding(.up, .navigation, .moveUp),
    KeyBinding(.character("g"), .navigation, .moveTop),
    KeyBinding(.home, .navigation, .moveTop),
    KeyBinding(.character("G"), .navigation, .moveBottom),
    KeyBinding(.end, .navigation, .moveBottom),
    KeyBinding(.pageDown, .navigation, .pageDown),
    KeyBinding(.ctrl("f"), .navigation, .pageDown),
    KeyBinding(.pageUp, .navigation, .pageUp),
    KeyBinding(.ctrl("b"), .navigation, .pageUp),
    KeyBinding(.character("/"), .navigation, .filterHistory),
    KeyBinding(.character("?"), .navigation, .showHelp),
    KeyBinding(.character(":"), .navigation, .showPalette),
    KeyBinding(.character("1"), .navigation, .focusForm),
    KeyBinding(.character("2"), .navigation, .focusQueue),
    KeyBinding(.character("3"), .navigation, .focusHistory),
    KeyBinding(.character("T"), .navigation, .cycleTheme),
    KeyBinding(.character("M"), .navigation, .showMessages),
    KeyBinding(.character("q"), .navigation, .quit),
    KeyBinding(.escape, .navigation, .close),

    // Everywhere.
    KeyBinding(.tab, .global, .focusNext),
    KeyBinding(.backTab, .global, .focusPrevious),
    KeyBinding(.ctrl("p"), .global, .showPalette),
    KeyBinding(.ctrl("s"), .global, .submit),
    KeyBinding(.function(1), .global, .showHelp),
    KeyBinding(.function(5), .global, .cycleTheme),
    KeyBinding(.ctrl("l"), .global, .redraw),
    KeyBinding(.ctrl("q"), .global, .quit),
    KeyBinding(.ctrl("c"), .global, .quit),
  ]

  /// The command `key` runs in `context`, if it is bound there.
  public static func command(for key: Key, in context: KeyContext) -> Command? {
    index[Lookup(key: key, context: context)]
  }

  /// Keys bound to `command` anywhere, for hints ("Ctrl-S submit").
  public static func keys(for command: Command) -> [Key] {
    var seen: [Key] = []
    for binding in bindings where binding.command == command && !seen.contains(binding.key) {
      seen.append(binding.key)
    }
    return seen
  }

  private struct Lookup: Hashable {
    var key: Key
    var context: KeyContext
  }

  private static let index: [Lookup: Command] = {
    var table: [Lookup: Command] = [:]
    for binding in bindings where table[Lookup(key: binding.key, context: binding.context)] == nil {
      table[Lookup(key: binding.key, context: binding.context)] = binding.command
    }
    return table
  }()

  /// How a key is written in help and hints.
  public static func name(of key: Key) -> String {
    switch key {
    case .character(" "): "Space"
    case .character(let character): String(character)
    case .ctrl(let character): "Ctrl-" + String(character).uppercased()
    case .alt("\u{7F}"): "Alt-Backspace"
    case .alt(let character): "Alt-" + String(character)
    case .enter: "Enter"
    case .tab: "Tab"
    case .backTab: "Shift-Tab"
    case .backspace: "Backspace"
    case .delete: "Delete"
    case .escape: "Esc"
    case .up: "↑"
    case .down: "↓"
    case .left: "←"
    case .right: "→"
    case .home: "Home"
    case .end: "End"
    case .pageUp: "PgUp"
    case .pageDown: "PgDn"
    case .insert: "Insert"
    case .function(let number): "F\(number)"
    case .wordLeft: "Ctrl-←"
    case .wordRight: "Ctrl-→"
    case .paste: "Paste"
    }
  }
}
