// The C surface of libchafa (terminal graphics). Only `TerminalGraphics` imports this module.
//
// pkg-config's `-I` flags (chafa's and glib's) reach clang as they are; nothing needs defining.
// C enums import as plain constants (CHAFA_CANVAS_MODE_TRUECOLOR, CHAFA_PIXEL_MODE_KITTY, …).
#ifndef CCHAFA_SHIM_H
#define CCHAFA_SHIM_H

#include <chafa.h>

#endif
