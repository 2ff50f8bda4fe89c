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
/// - **Everything else a terminal sends** (replies to queries, keys terminfo does not list) is
///   consumed whole and ignored, never typed into a field: a CSI sequence (`ESC [` parameters,
///   intermediates, one final byte, as ECMA-48 defines them), and an OSC, DCS, APC, PM or SOS
///   string up to its terminator (BEL or `ESC \`). A sequence the drain ends inside is dropped with
///   it; only `ESC [` or `ESC ]` alone are the keys Alt-[ and Alt-] they look like.
///
/// Value type, owned by ``CursesTerminal`` (UI thread); pure, so tests feed it by hand.
struct InputDecoder {
  /// Decode `ESC [I` / `ESC [O` as focus changes (only when the terminal was asked to send them).
  var decodesFocus: Bool
  /// Run-time key codes for terminfo's extended keys (see ``KeyCodeMap/key(forKeyCode:extras:)``).
  var extraKeys: [Int32: Key]

  /// Where the decoder is inside an escape sequence.
  private enum Sequence: Equatable {
    case none
    /// ESC seen: the Escape key, Alt plus the next key, or the start of a sequence.
    case escape
    /// `ESC [` and the parameter and intermediate bytes so far (kept up to ``csiKept``).
    case csi([UInt32])
    /// Inside an OSC/DCS/APC/PM/SOS string opened by `ESC introducer`; `length` scalars so far,
    /// `escaped` when the last one was an ESC (which `\` turns into the terminator).
    case string(introducer: UInt32, length: Int, escaped: Bool)
  }

  private var sequence = Sequence.none
  private var paste: [Unicode.Scalar]?

  private static let pasteEnd: [Unicode.Scalar] = Array("\u{1B}[201~".unicodeScalars)
  /// Enough for every CSI the decoder acts on (`200~`); longer ones are consumed without keeping them.
  private static let csiKept = 16
  /// `]` OSC, `P` DCS, `X` SOS, `^` PM, `_` APC: strings that run until ST (or BEL).
  private static let stringIntroducers: Set<UInt32> = [0x5D, 0x50, 0x58, 0x5E, 0x5F]

  init(decodesFocus: Bool = false, extraKeys: [Int32: Key] = [:]) {
    self.decodesFocus = decodesFocus
    self.extraKeys = extraKeys
  }

  /// True while inside a bracketed paste whose end has not arrived yet.
  var isInsidePaste: Bool { paste != nil }

  /// Decodes one drain's worth of input. A lone ESC at the end is the Escape key; an unfinished
  /// paste is kept for the next call, an unfinished sequence dropped.
  mutating func decode(_ inputs: [RawInput]) -> [TerminalEvent] {
    var events: [TerminalEvent] = []
    for input in inputs { feed(input, into: &events) }
    if paste == nil { finishDrain(into: &events) }
    return events
  }

  private mutating func feed(_ input: RawInput, into events: inout [TerminalEvent]) {
    if paste != nil {
      appendToPaste(input, into: &events)
      return
    }
    switch sequence {
    case .none:
      if input == .character(27) {
        sequence = .escape
      } else {
        emit(input, into: &events)
      }
    case .escape:
      sequence = .none
      switch input {
      case .character(0x5B):
        sequence = .csi([])
      case .character(let value) where Self.stringIntroducers.contains(value):
        sequence = .string(introducer: value, length: 0, escaped: false)
      default:
        escapeFollowed(by: input, into: &events)
      }
    case .csi(let bytes):
      feedCSI(input, after: bytes, into: &events)
    case .string(let introducer, let length, let escaped):
      switch input {
      case .character(0x5C) where escaped, .character(0x07), .character(0x9C):
        sequence = .none
      case _ where escaped:
        // ESC ends the string and starts whatever follows it (ECMA-48).
        sequence = .escape
        feed(input, into: &events)
      case .character(27):
        sequence = .string(introducer: introducer, length: length, escaped: true)
      case .event(let event):
        events.append(event)
      default:
        sequence = .string(introducer: introducer, length: length == Int.max ? length : length + 1, escaped: false)
      }
    }
  }

  /// One input inside `ESC [`: parameters and intermediates are collected, a final byte completes
  /// the sequence (a paste start, a focus report, or ignored), anything else abandons it.
  private mutating func feedCSI(_ input: RawInput, after bytes: [UInt32], into events: inout [TerminalEvent]) {
    guard case .character(let value) = input, (0x20...0x7E).contains(value) else {
      // Not part of a CSI: `ESC [` alone was Alt-[; a partial sequence is dropped. The input counts.
      sequence = .none
      if bytes.isEmpty { events.append(.key(.alt("["))) }
      feed(input, into: &events)
      return
    }
    guard (0x40...0x7E).contains(value) else {
      sequence = .csi(bytes.count < Self.csiKept ? bytes + [value] : bytes)
      return
    }
    sequence = .none
    let body =
      String(String.UnicodeScalarView(bytes.compactMap(Unicode.Scalar.init)))
      + String(Character(Unicode.Scalar(UInt8(value))))
    switch body {
    case "200~": paste = []
    case "I" where decodesFocus: events.append(.focus(true))
    case "O" where decodesFocus: events.append(.focus(false))
    default: break
    }
  }

  /// ESC then `next` in the same drain: Alt-x, Alt-arrows as word motions, or Escape then `next`.
  private mutating func escapeFollowed(by next: RawInput, into events: inout [TerminalEvent]) {
    switch next {
    case .character(27):
      events.append(.key(.escape))
      sequence = .escape
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
  }

  /// The drain ended: a held ESC is the Escape key, `ESC [` or `ESC ]` alone are Alt keys, and a
  /// sequence cut short is dropped (its rest, if it comes, is a new and equally unknown sequence).
  private mutating func finishDrain(into events: inout [TerminalEvent]) {
    switch sequence {
    case .none:
      break
    case .escape:
      events.append(.key(.escape))
    case .csi(let bytes):
      if bytes.isEmpty { events.append(.key(.alt("["))) }
    case .string(let introducer, let length, let escaped):
      if length == 0, !escaped, let scalar = Unicode.Scalar(introducer) { events.append(.key(.alt(Character(scalar)))) }
    }
    sequence = .none
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
      // A combining mark typed on its own joins the character before it (e + U+0301 = é), but
      // only when Unicode says the two make one character: zero-width scalars such as U+200B do not.
      if case .character(let mark) = key,
        mark.unicodeScalars.first.map({ $0.value >= 0x300 && TextWidth.of($0) == 0 }) == true,
        case .key(.character(let base))? = events.last
      {
        let joined = String(base) + String(mark)
        if joined.count == 1, let character = joined.first {
          events[events.count - 1] = .key(.character(character))
          return
        }
      }
      events.append(.key(key))
    case .keyCode(let code):
      if let key = KeyCodeMap.key(forKeyCode: code, extras: extraKeys) { events.append(.key(key)) }
    case .event(let event):
      events.append(event)
    }
  }
}
