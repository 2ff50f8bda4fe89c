/// What became of a request to copy text to the user's clipboard, said as it is: only a copy tmux
/// confirmed is called "copied"; an OSC 52 request is only a request (the terminal may ignore it).
public enum CopyOutcome: Sendable, Hashable {
  /// tmux took it into a buffer (`load-buffer -w`) and passes it on to the outer terminal.
  case copiedByTmux
  /// An OSC 52 request went to the terminal; whether it honours it is the terminal's affair.
  case askedTerminal
  /// Longer than a terminal accepts through OSC 52: nothing was sent.
  case tooLong
  /// tmux refused or could not be run: nothing was copied.
  case failed(String)

  /// Whether the text went anywhere (to tmux, or as a request to the terminal).
  var wasSent: Bool { self == .copiedByTmux || self == .askedTerminal }

  /// What to say about a URL that was to be copied: what came of it when it was sent; when it was
  /// not, the URL itself (the user still needs it) and why.
  public func note(aboutURL url: String) -> String {
    wasSent ? describe("the URL") : "URL: \(url) (\(describe("it")))"
  }

  /// One phrase for the user about `what` ("the URL", a shortened text).
  public func describe(_ what: String) -> String {
    switch self {
    case .copiedByTmux: "copied \(what) (tmux buffer, passed on to your terminal's clipboard)"
    case .askedTerminal: "asked your terminal to copy \(what) (OSC 52)"
    case .tooLong: "did not copy \(what): too long for the terminal's clipboard (OSC 52 limit)"
    case .failed(let reason): "did not copy \(what): \(reason)"
    }
  }
}
