// The C surface of ncursesw that Swift 6 can use. Only `CursesTerminal` imports this module.
//
// Why this header exists (verified on Debian 12 / ncurses 6.4 with Swift 6.3):
// - SwiftPM drops the `-D` flags from ncursesw.pc, so the wide-character API (`get_wch`, `cchar_t`,
//   `setcchar`) is only declared if we define NCURSES_WIDECHAR ourselves, before <curses.h>.
// - Function-like macros (A_BOLD, KEY_F(n), BUTTON1_PRESSED, …) do not import into Swift, and the
//   globals `stdscr`, `curscr`, `LINES`, `COLS`, `COLORS`, `COLOR_PAIRS` are errors in Swift 6
//   ("not concurrency-safe"); small inline accessors below stand in for them.
// - The signal handler must be async-signal-safe C: it only writes the signal number to a pipe.
#ifndef CNCURSESW_H
#define CNCURSESW_H

#ifndef NCURSES_WIDECHAR
#define NCURSES_WIDECHAR 1
#endif
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>
#include <curses.h>

// glibc hides wcwidth unless __USE_XOPEN; ncurses sizes cells with it, so we ask it the same question.
extern int wcwidth(wchar_t);

// MARK: globals (read on the UI thread only)

static inline WINDOW *cncursesw_stdscr(void) { return stdscr; }
static inline WINDOW *cncursesw_curscr(void) { return curscr; }
static inline int cncursesw_lines(void) { return LINES; }
static inline int cncursesw_cols(void) { return COLS; }
static inline int cncursesw_colors(void) { return COLORS; }
static inline int cncursesw_color_pairs(void) { return COLOR_PAIRS; }

// MARK: attributes

static inline attr_t cncursesw_a_normal(void) { return A_NORMAL; }
static inline attr_t cncursesw_a_bold(void) { return A_BOLD; }
static inline attr_t cncursesw_a_dim(void) { return A_DIM; }
static inline attr_t cncursesw_a_italic(void) { return A_ITALIC; }
static inline attr_t cncursesw_a_underline(void) { return A_UNDERLINE; }
static inline attr_t cncursesw_a_reverse(void) { return A_REVERSE; }

// MARK: keys and mouse

static inline int cncursesw_key_f(int n) { return KEY_F(n); }

static inline mmask_t cncursesw_button1_pressed(void) { return BUTTON1_PRESSED; }
static inline mmask_t cncursesw_button1_released(void) { return BUTTON1_RELEASED; }
static inline mmask_t cncursesw_button4_pressed(void) { return BUTTON4_PRESSED; }
static inline mmask_t cncursesw_button5_pressed(void) { return BUTTON5_PRESSED; }

/// Reads one mouse event; returns OK and fills the out parameters, or ERR.
static inline int cncursesw_getmouse(int *x, int *y, mmask_t *bstate) {
  MEVENT event;
  if (getmouse(&event) != OK) return ERR;
  *x = event.x;
  *y = event.y;
  *bstate = event.bstate;
  return OK;
}

// MARK: drawing

/// Builds a cell from up to CCHARW_MAX code points with an extended colour pair (any int) and draws
/// it. Returns -2 when setcchar refuses the text, else what mvwadd_wch returns (ERR at the
/// bottom-right corner, where the cell is still drawn).
static inline int cncursesw_mvwadd_cell(WINDOW *win, int y, int x, const wchar_t *text, attr_t attrs, int pair) {
  cchar_t cell;
  int extended = pair;
  if (setcchar(&cell, text, attrs, 0, &extended) != OK) return -2;
  return mvwadd_wch(win, y, x, &cell);
}

static inline int cncursesw_cchar_max(void) { return CCHARW_MAX; }

// MARK: terminal size and modes

/// The size the kernel reports for the terminal on `fd` (rows, columns); ERR if it cannot say.
static inline int cncursesw_window_size(int fd, int *rows, int *cols) {
  struct winsize size;
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) return ERR;
  *rows = size.ws_row;
  *cols = size.ws_col;
  return OK;
}

static inline const char *cncursesw_codeset(void) { return nl_langinfo(CODESET); }

// MARK: signals
//
// IMPORTANT: the state below is `static`, so each object file that uses these functions gets its
// own copy. Call them from ONE Swift file only (SignalPipe.swift), where they share one copy.

static inline volatile sig_atomic_t *cncursesw_signal_fd_slot(void) {
  static volatile sig_atomic_t fd = -1;
  return &fd;
}

static inline struct sigaction *cncursesw_saved_actions(void) {
  static struct sigaction saved[65];
  return saved;
}

/// Async-signal-safe: writes the signal number to the self-pipe and keeps errno intact.
static inline void cncursesw_signal_handler(int signo) {
  int saved_errno = errno;
  int fd = *cncursesw_signal_fd_slot();
  if (fd >= 0) {
    unsigned char byte = (unsigned char)signo;
    ssize_t ignored = write(fd, &byte, 1);
    (void)ignored;
  }
  errno = saved_errno;
}

/// Points the handler at `fd` (the pipe's non-blocking write end); -1 disconnects it.
static inline void cncursesw_signal_set_fd(int fd) { *cncursesw_signal_fd_slot() = fd; }

/// Installs the pipe handler for `signo`, remembering what was there when `remember` is non-zero.
/// No SA_RESTART: poll() is never restarted anyway, and tty reads should see EINTR, not hang.
static inline int cncursesw_signal_install(int signo, int remember) {
  if (signo <= 0 || signo >= 65) return -1;
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = cncursesw_signal_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  return sigaction(signo, &action, remember ? &cncursesw_saved_actions()[signo] : NULL);
}

/// Puts back what `cncursesw_signal_install` replaced.
static inline int cncursesw_signal_restore(int signo) {
  if (signo <= 0 || signo >= 65) return -1;
  return sigaction(signo, &cncursesw_saved_actions()[signo], NULL);
}

/// Default action for `signo` (used to really stop on SIGTSTP after the terminal is restored).
static inline int cncursesw_signal_default(int signo) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  return sigaction(signo, &action, NULL);
}

/// Unblocks `signo` for this thread (a stop signal raised while blocked would not stop us).
static inline int cncursesw_signal_unblock(int signo) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, signo);
  return pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

#endif
