import CNcursesw
import TerminalScreen

/// Turns what `get_wch` returned during one drain into ``TerminalEvent``s: Escape versus Alt,
/// bracketed pastes, focus reports, combining marks.
///
/// ncurses decodes the sequences terminfo knows (arrows, F-keys); what it does not know arrives as
/// plain characters after an ESC, and is decoded here:
/// - **Escape vs Alt.** ncurses waits `ESCDELAY` (25 ms) after an ESC before returning it, and a
///   terminal sends Alt-x as `ESC x` in one write, so within one drain `ESC x` is Alt-x and an ESC
///   that ends the drain is the Escape key. ESC before Left/Right is Alt-arrow: a word motion;
///   ESC before another ncurses key is Alt plus that key, reported as the key.
/// - **Bracketed paste.** `ESC [200~ … ESC [201~` becomes one ``Key/paste(_:)`` with CR/CRLF turned
///   into LF, so pasted text is never run as keys (a pasted `q` must not quit). The paste may span
///   any number of drains; the start marker must arrive within one drain, which it does because
///   ncurses reads it in one escape-sequence match and pushes back what did not match.
/// - **Focus** (`ESC [I` / `ESC [O`), only when focus reporting is on.
///
/// Value type, owned by ``CursesTerminal`` (UI thread); pure, so tests feed it by hand.
struct InputDecoder {
  /// Decode `ESC [I` / `ESC [O` as focus changes (only when the terminal was asked to send them).
  var decodesFocus: Bool
  /// Run-time key codes for terminfo's extended keys (see ``KeyCodeMap/key(forKeyCode:extras:)``).
  var extraKeys: [Int32: Key]

  private var pending: [RawInput] = []
  private var paste: [Unicode.Scalar]?

  private static let pasteStart: [RawInput] = "\u{1B}[200~".unicodeScalars.map { .character($0.value) }
  private static let pasteEnd: [Unicode.Scalar] = Array("\u{1B}[201~".unicodeScalars)
  private static let focusIn: [RawInput] = "\u{1B}[I".unicodeScalars.map { .character($0.value) }
  private static let focusOut: [RawInput] = "\u{1B}[O".unicodeScalars.map { .character($0.value) }

  init(decodesFocus: Bool = false, extraKeys: [Int32: Key] = [:]) {
    self.decodesFocus = decodesFocus
    self.extraKeys = extraKeys
  }

  /// True while inside a bracketed paste whose end has not arrived yet.
  var isInsidePaste: Bool { paste != nil }

  /// Decodes one drain's worth of input. A lone ESC at the end is the Escape key; an unfinished
  /// paste is kept for the next call.
  mutating func decode(_ inputs: [RawInput]) -> [TerminalEvent] {
    var events: [TerminalEvent] = []
    for input in inputs { feed(input, into: &events) }
    if paste == nil { flushPending(into: &events, followedBy: nil) }
    return events
  }

  private mutating func feed(_ input: RawInput, into events: inout [TerminalEvent]) {
    if paste != nil {
      appendToPaste(input, into: &events)
      return
    }
    if pending.isEmpty {
      if input == .character(27) {
        pending = [input]
      } else {
        emit(input, into: &events)
      }
      return
    }
    let candidate = pending + [input]
    if candidate == Self.pasteStart {
      pending = []
      paste = []
      return
    }
    if decodesFocus && (candidate == Self.focusIn || candidate == Self.focusOut) {
      pending = []
      events.append(.focus(candidate == Self.focusIn))
      return
    }
    if Self.pasteStart.starts(with: candidate)
      || (decodesFocus && (Self.focusIn.starts(with: candidate) || Self.focusOut.starts(with: candidate)))
    {
      pending = candidate
      return
    }
    flushPending(into: &events, followedBy: input)
  }

  /// Emits the held ESC prefix. With `next`, the ESC and `next` may combine (Alt-x, Alt-Left).
  private mutating func flushPending(into events: inout [TerminalEvent], followedBy next: RawInput?) {
    guard !pending.isEmpty else {
      if let next { feed(next, into: &events) }
      return
    }
    let held = pending
    pending = []
    if held.count == 1, let next {
      // ESC then one more thing, in the same drain.
      switch next {
      case .character(27):
        events.append(.key(.escape))
        pending = [next]
        return
      case .character(let value) where value >= 0x20 && value != 0x7F:
        if let scalar = Unicode.Scalar(value) {
          events.append(.key(.alt(Character(scalar))))
          return
        }
      case .keyCode(let code):
        switch KeyCodeMap.key(forKeyCode: code, extras: extraKeys) {
        case .left?:
          events.append(.key(.wordLeft))
          return
        case .right?:
          events.append(.key(.wordRight))
          return
        case let key?:
          // Alt plus another key (Alt-Up…): the key; an Escape 25 ms before it is not plausible.
          events.append(.key(key))
          return
        case nil:
          break
        }
      default:
        break
      }
      events.append(.key(.escape))
      feed(next, into: &events)
      return
    }
    // ESC plus an unfinished marker prefix (`ESC [`, `ESC [2`…): Alt plus the first, then the rest.
    events.append(.key(held.count == 1 ? .escape : .alt("[")))
    for input in held.dropFirst(2) { emit(input, into: &events) }
    if let next { feed(next, into: &events) }
  }

  private mutating func appendToPaste(_ input: RawInput, into events: inout [TerminalEvent]) {
    switch input {
    case .character(let value):
      if let scalar = Unicode.Scalar(value) { paste?.append(scalar) }
    case .keyCode(let code):
      // ncurses matched a key sequence inside the pasted bytes; keep what can be kept as text.
      if code == KEY_ENTER { paste?.append("\n") }
    case .event(let event):
      events.append(event)
    }
    guard let text = paste, text.count >= Self.pasteEnd.count,
      Array(text.suffix(Self.pasteEnd.count)) == Self.pasteEnd
    else { return }
    paste = nil
    events.append(.key(.paste(Self.normalisedPaste(text.dropLast(Self.pasteEnd.count)))))
  }

  private static func normalisedPaste(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
    var view = String.UnicodeScalarView()
    var previousWasCR = false
    for scalar in scalars {
      if scalar == "\r" {
        view.append("\n")
        previousWasCR = true
        continue
      }
      if scalar == "\n" && previousWasCR {
        previousWasCR = false
        continue
      }
      previousWasCR = false
      view.append(scalar)
    }
    return String(view)
  }

  private func emit(_ input: RawInput, into events: inout [TerminalEvent]) {
    switch input {
    case .character(let value):
      guard let key = KeyCodeMap.key(forCharacter: value) else { return }
      // A combining mark typed on its own joins the character before it (e + U+0301 = é).
      if case .character(let mark) = key, mark.unicodeScalars.first.map({ $0.value >= 0x300 && TextWidth.of($0) == 0 }) == true,
        case .key(.character(let base))? = events.last
      {
        events[events.count - 1] = .key(.character(Character(String(base) + String(mark))))
        return
      }
      events.append(.key(key))
    case .keyCode(let code):
      if let key = KeyCodeMap.key(forKeyCode: code, extras: extraKeys) { events.append(.key(key)) }
    case .event(let event):
      events.append(event)
    }
  }
}
