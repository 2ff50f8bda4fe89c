import CNcursesw
import SystemPackage
import TerminalScreen

#if canImport(Glibc)
  import Glibc
#endif

/// The studio's terminal: opens it, reads keys as ``TerminalEvent``s, draws ``ScreenGrid``s, and
/// puts everything back on every way out. The only ncurses user in the product.
///
/// Threading: ncurses is not thread-safe and `get_wch` repaints implicitly, so this is a non-Sendable
/// class that lives on the one UI thread (a thread of its own, outside Swift's task pool) from
/// `init` to ``shutdown()``. Other threads reach that loop only through ``WakeSignal``, and reach
/// the terminal itself only through ``TerminalLoop/escapes``.
///
/// Lifecycle: `init` → (``draw(_:)`` / ``readEvents()``)* → ``shutdown()`` (also run by `deinit`
/// and, as a last resort, by an `atexit` hook if the process exits without either). Only one may be
/// alive per process (ncurses has one set of signal handlers and one current screen).
///
/// Terminal setup: `newterm` on `/dev/tty` (so redirecting stdout cannot swallow the escape
/// sequences; stdin/stdout are used only when `/dev/tty` cannot be opened but they are terminals),
/// cbreak with signals kept (Ctrl-C is SIGINT, Ctrl-Z is SIGTSTP, both handled by ``TerminalLoop``)
/// but flow control off (Ctrl-S and Ctrl-Q reach the app), no echo, keypad, non-blocking reads,
/// `ESCDELAY` 25 ms, bracketed paste on, mouse and focus reports when asked.
public final class CursesTerminal {
  /// Optional terminal features.
  public struct Options: Sendable, Hashable {
    /// Report mouse presses, releases and the wheel (the terminal's own selection then needs Shift).
    public var mouse: Bool
    /// Report focus changes (`ESC [?1004h`).
    public var focusReports: Bool
    /// Wrap pastes in `ESC [200~ … ESC [201~` so they arrive as one ``Key/paste(_:)``.
    public var bracketedPaste: Bool

    /// Wrap pixel pictures in tmux's passthrough (inside tmux, when it is allowed).
    public var pixelsThroughTmux: Bool

    public init(
      mouse: Bool = true, focusReports: Bool = false, bracketedPaste: Bool = true, pixelsThroughTmux: Bool = false
    ) {
      self.mouse = mouse
      self.focusReports = focusReports
      self.bracketedPaste = bracketedPaste
      self.pixelsThroughTmux = pixelsThroughTmux
    }
  }

  enum State {
    case active
    case suspended
    case closed
  }

  /// The depth themes are reduced to: detected (NO_COLOR, COLORTERM, terminfo) or as forced in
  /// `init`, capped at what the terminal can draw.
  public private(set) var colorDepth: ColorDepth
  public private(set) var theme: Theme
  public let options: Options

  var state = State.active
  private let screen: OpaquePointer
  private let inputFile: UnsafeMutablePointer<FILE>
  private let outputFile: UnsafeMutablePointer<FILE>
  /// The fd keys come from (poll it for `.input`).
  let inputFileDescriptor: Int32
  private let outputFileDescriptor: Int32
  let signals: SignalPipe
  private var decoder: InputDecoder
  let colorCount: Int
  let directColor: Bool
  var pairs: [PairKey: Int32] = [:]
  var nextPair: Int32 = 1
  var roleCache: [StyleRole: CellStyle] = [:]
  /// Picture cells' pairs by their colours (see `artPair(for:grid:)`).
  var artCache: [CellColors: Int32] = [:]
  /// Pair numbers given back by picture colours no longer on screen, reused before new ones.
  var freePairs: [Int32] = []
  var lastGrid: ScreenGrid?
  /// What ncurses' virtual screen holds, when it is exactly a grid's copy: the next frame then only
  /// rewrites the rows that differ. nil forces a full copy (new size, new theme, a repaint).
  var copiedGrid: ScreenGrid?
  var cursorVisible: Bool?
  /// The pixel pictures on the screen, beside ncurses' cells.
  var pixels: PixelOverlay
  private let mouseMasks = MouseMasks.ncurses

  /// Opens the terminal and takes it over (alternate screen).
  ///
  /// - Parameters:
  ///   - theme: the role styles; reduced to ``colorDepth``.
  ///   - depth: force a depth (a `--color` flag); nil detects it. A forced depth deeper than the
  ///     terminal can draw is capped.
  ///   - options: mouse, focus and paste reporting.
  /// - Throws: ``TerminalError/notATerminal`` when there is no terminal, ``TerminalError/locale(codeset:)``
  ///   without a UTF-8 locale, ``TerminalError/initialisation(_:)`` when ncurses refuses.
  public init(theme: Theme, depth: ColorDepth? = nil, options: Options = Options()) throws(TerminalError) {
    try Self.ensureUTF8Locale()
    guard !Self.alive else { throw .initialisation("a terminal is already open in this process") }

    let (inFD, outFD) = try Self.openTerminal()
    guard let input = fdopen(inFD, "r"), let output = fdopen(outFD, "w") else {
      let code = errno
      close(inFD)
      close(outFD)
      throw .system(call: "fdopen", errno: code)
    }
    // Our handlers first: ncurses then leaves SIGINT/SIGTERM/SIGTSTP/SIGWINCH alone.
    let signals: SignalPipe
    do {
      signals = try SignalPipe()
    } catch {
      fclose(input)
      fclose(output)
      throw error
    }
    signals.install()
    guard let screen = newterm(nil, output, input) else {
      signals.uninstall()
      fclose(input)
      fclose(output)
      let term = getenv("TERM").map { String(cString: $0) } ?? "(unset)"
      throw .initialisation("ncurses does not know the terminal type TERM=\(term)")
    }
    _ = set_term(screen)
    self.screen = screen
    self.inputFile = input
    self.outputFile = output
    self.inputFileDescriptor = inFD
    self.outputFileDescriptor = outFD
    self.signals = signals
    self.theme = theme
    self.options = options
    pixels = PixelOverlay(throughTmux: options.pixelsThroughTmux)

    let window = cncursesw_stdscr()
    _ = cbreak()
    _ = noecho()
    _ = keypad(window, true)
    _ = nodelay(window, true)
    _ = intrflush(window, false)
    _ = set_escdelay(25)
    Self.disableFlowControl(inFD)
    _ = def_prog_mode()

    var hasColors = false
    if has_colors() {
      hasColors = start_color() == OK
      _ = use_default_colors()
    }
    colorCount = hasColors ? Int(cncursesw_colors()) : 0
    directColor = hasColors && (tigetflag("RGB") > 0 || colorCount >= 1 << 24)
    let maximum = ColorPlanner.maximumDepth(hasColors: hasColors, colors: colorCount, directColor: directColor)
    if let depth {
      colorDepth = min(depth, maximum)
    } else {
      colorDepth = ColorPlanner.detectDepth(
        environment: Self.environment(["NO_COLOR", "COLORTERM"]), hasColors: hasColors, colors: colorCount,
        directColor: directColor)
    }

    var extras: [Int32: Key] = [:]
    for (name, key) in KeyCodeMap.extendedKeyNames {
      guard let sequence = tigetstr(name), Int(bitPattern: sequence) != -1 else { continue }
      let code = key_defined(sequence)
      if code > 0 { extras[code] = key }
    }
    decoder = InputDecoder(decodesFocus: options.focusReports, extraKeys: extras)

    _ = curs_set(0)
    cursorVisible = false
    Self.alive = true
    Self.registerExitHook()
    Self.exitHookOutput = outFD
    enableModes()
    _ = wnoutrefresh(window)
    _ = doupdate()
  }

  deinit {
    shutdown()
  }

  // MARK: size and theme

  /// The screen's size in cells, as of the last resize the loop handled.
  public var size: (width: Int, height: Int) {
    (Int(cncursesw_cols()), Int(cncursesw_lines()))
  }

  /// Restyles everything with `theme` and redraws the last grid with it.
  public func setTheme(_ theme: Theme) {
    self.theme = theme
    roleCache = [:]
    copiedGrid = nil
    if let lastGrid { draw(lastGrid) }
  }

  // MARK: input

  /// Everything typed since the last call, without blocking: drains `get_wch` until it has nothing.
  ///
  /// Call it whenever the input fd is readable (``TerminalLoop`` does), and always to the end:
  /// ncurses keeps bytes it read ahead in its own buffer, which `poll()` cannot see.
  public func readEvents() -> [TerminalEvent] {
    guard state == .active else { return [] }
    let window = cncursesw_stdscr()
    var raw: [RawInput] = []
    var value: wint_t = 0
    // Bounded so a flood cannot starve drawing; the rest stays readable for the next round.
    while raw.count < 1 << 16 {
      let result = wget_wch(window, &value)
      if result == OK {
        raw.append(.character(UInt32(value)))
      } else if result == KEY_CODE_YES {
        let code = Int32(bitPattern: value)
        switch code {
        case KEY_MOUSE:
          var x: Int32 = 0
          var y: Int32 = 0
          var buttons: mmask_t = 0
          if cncursesw_getmouse(&x, &y, &buttons) == OK,
            let event = mouseMasks.event(buttons: buttons, x: Int(x), y: Int(y))
          {
            raw.append(.event(.mouse(event)))
          }
        case KEY_RESIZE:
          raw.append(.event(.resized(width: size.width, height: size.height)))
        default:
          raw.append(.keyCode(code))
        }
      } else {
        break
      }
    }
    return decoder.decode(raw)
  }

  /// Asks the kernel for the terminal's size and, if it changed, resizes ncurses' screens and
  /// schedules a full repaint. Returns the new size, or nil if nothing changed.
  func updateSize() -> (width: Int, height: Int)? {
    guard state == .active else { return nil }
    var rows: Int32 = 0
    var columns: Int32 = 0
    guard cncursesw_window_size(outputFileDescriptor, &rows, &columns) == OK, rows > 0, columns > 0 else { return nil }
    guard rows != cncursesw_lines() || columns != cncursesw_cols() else { return nil }
    _ = resize_term(rows, columns)
    _ = clearok(cncursesw_curscr(), true)
    copiedGrid = nil
    return size
  }

  // MARK: suspend and resume

  /// Gives the terminal back to the shell (before stopping on Ctrl-Z): modes off, `endwin`.
  public func suspend() {
    guard state == .active else { return }
    // The shell gets the screen without our kitty images; the repaint on resume sends them again.
    writeEscapes(pixels.plan([], wholeScreen: false).before)
    disableModes()
    _ = endwin()
    state = .suspended
  }

  /// Takes the terminal again after ``suspend()``: program modes back, size re-read, and the last
  /// grid repainted from scratch (the shell drew over it meanwhile).
  public func resume() {
    guard state == .suspended else { return }
    state = .active
    _ = reset_prog_mode()
    enableModes()
    _ = updateSize()
    repaintAll()
  }

  /// Repaints everything from scratch (after SIGCONT, or when the screen was disturbed).
  public func repaintAll() {
    guard state == .active else { return }
    _ = clearok(cncursesw_curscr(), true)
    copiedGrid = nil
    if let lastGrid {
      draw(lastGrid)
    } else {
      _ = wnoutrefresh(cncursesw_stdscr())
      _ = doupdate()
    }
  }

  // MARK: shutdown

  /// Restores the terminal exactly once: reports off, cursor back, `endwin` (normal screen, cooked
  /// mode), `delscreen`, signal handlers as they were. Safe to call again, and from `deinit`.
  public func shutdown() {
    guard state != .closed else { return }
    if state == .active {
      // Kitty keeps images until told: none of ours stays on the screen after us.
      writeEscapes(pixels.plan([], wholeScreen: false).before)
      disableModes()
      _ = curs_set(1)
      _ = endwin()
    }
    state = .closed
    delscreen(screen)
    signals.uninstall()
    fclose(inputFile)
    fclose(outputFile)
    Self.exitHookOutput = -1
    Self.alive = false
  }

  // MARK: modes

  private func enableModes() {
    if options.mouse {
      _ = mousemask(
        mouseMasks.press | mouseMasks.release | mouseMasks.scrollUp | mouseMasks.scrollDown, nil)
      _ = mouseinterval(0)
    }
    var sequence = ""
    if options.bracketedPaste { sequence += "\u{1B}[?2004h" }
    if options.focusReports { sequence += "\u{1B}[?1004h" }
    writeEscapes(sequence)
  }

  private func disableModes() {
    if options.mouse { _ = mousemask(0, nil) }
    var sequence = ""
    if options.bracketedPaste { sequence += "\u{1B}[?2004l" }
    if options.focusReports { sequence += "\u{1B}[?1004l" }
    writeEscapes(sequence)
  }

  /// Writes sequences for the outer terminal (see ``EscapeChannel``) after the frame ncurses has
  /// sent. While the terminal is suspended (Ctrl-Z) or closed they are dropped: the shell owns it.
  func writeAfterFrame(_ sequences: [EscapeSequence]) {
    guard state == .active, !sequences.isEmpty else { return }
    writeEscapes(sequences.map(\.text).joined())
  }

  /// Writes mode sequences straight to the terminal, after whatever ncurses has buffered.
  func writeEscapes(_ sequence: String) {
    guard !sequence.isEmpty else { return }
    fflush(outputFile)
    Self.writeAll(outputFileDescriptor, sequence)
  }

  /// Best effort: a terminal that is gone (EIO, EPIPE) has no one left to tell.
  static func writeAll(_ fd: Int32, _ text: String) {
    writeAll(fd, Array(text.utf8))
  }

  /// Writes all of `bytes` (swift-system's `writeAll`: EINTR retried); gives up on any other error
  /// (EPIPE: the reader has gone; EIO: the terminal has).
  static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
    _ = try? FileDescriptor(rawValue: fd).writeAll(bytes)
  }

  // MARK: process-wide state

  // Set and read on the UI thread only (init/shutdown); the atexit hook runs on the thread that
  // calls exit(), which for the studio is that same thread.
  nonisolated(unsafe) private static var alive = false
  // Read by the atexit hook; owned by the UI thread like `alive`.
  nonisolated(unsafe) private static var exitHookOutput: Int32 = -1
  nonisolated(unsafe) private static var exitHookRegistered = false

  /// If the process exits while the screen is still ours (an `exit()` somewhere, a fatal path
  /// that runs atexit), switch the reports off and `endwin`, so the shell is usable again.
  private static func registerExitHook() {
    guard !exitHookRegistered else { return }
    exitHookRegistered = true
    atexit {
      guard CursesTerminal.exitHookOutput >= 0 else { return }
      CursesTerminal.writeAll(CursesTerminal.exitHookOutput, "\u{1B}[?2004l\u{1B}[?1004l")
      if !isendwin() { _ = endwin() }
    }
  }

  private static func environment(_ names: [String]) -> [String: String] {
    var result: [String: String] = [:]
    for name in names {
      if let value = getenv(name) { result[name] = String(cString: value) }
    }
    return result
  }

  /// setlocale(LC_ALL, "") and insist on UTF-8 (falling back to C.UTF-8): without it ncursesw prints
  /// garbage and typed non-ASCII never arrives.
  private static func ensureUTF8Locale() throws(TerminalError) {
    _ = setlocale(LC_ALL, "")
    if isUTF8(codeset()) { return }
    let original = codeset()
    if setlocale(LC_CTYPE, "C.UTF-8") != nil, isUTF8(codeset()) { return }
    throw .locale(codeset: original)
  }

  private static func codeset() -> String {
    cncursesw_codeset().map { String(cString: $0) } ?? ""
  }

  private static func isUTF8(_ codeset: String) -> Bool {
    let normalised = codeset.lowercased().filter { $0 != "-" }
    return normalised == "utf8"
  }

  /// `/dev/tty` first (stdout may be redirected; the screen still goes to the user), then
  /// stdin/stdout if both are terminals. Returns fresh fds the caller owns.
  private static func openTerminal() throws(TerminalError) -> (input: Int32, output: Int32) {
    let tty = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)
    if tty >= 0 {
      let input = dup(tty)
      if input >= 0 { return (input, tty) }
      close(tty)
    }
    guard isatty(0) == 1, isatty(1) == 1 else { throw .notATerminal }
    let input = dup(0)
    let output = dup(1)
    guard input >= 0, output >= 0 else { throw .system(call: "dup", errno: errno) }
    return (input, output)
  }

  /// IXON off so Ctrl-S/Ctrl-Q are keys, not XOFF/XON that freeze the screen.
  private static func disableFlowControl(_ fd: Int32) {
    var attributes = termios()
    guard tcgetattr(fd, &attributes) == 0 else { return }
    attributes.c_iflag &= ~tcflag_t(IXON)
    _ = tcsetattr(fd, TCSANOW, &attributes)
  }
}
