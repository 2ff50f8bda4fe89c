#include "CChafaLoader.h"

#include <chafa.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CCHAFA_LIBRARY "libchafa.so.0"

// Every chafa and glib function this program refers to (TerminalGraphics):
// X(return type, name, parameters, arguments). glib's come through libchafa's handle, which
// searches the libraries it loaded.
#define CCHAFA_FUNCTIONS(X)                                                                              \
  X(void, chafa_set_n_threads, (gint n), (n))                                                            \
  X(ChafaTermDb *, chafa_term_db_get_default, (void), ())                                                \
  X(ChafaTermInfo *, chafa_term_db_detect, (ChafaTermDb * db, gchar **envp), (db, envp))                 \
  X(gboolean, chafa_term_info_have_seq, (const ChafaTermInfo *info, ChafaTermSeq seq), (info, seq))      \
  X(void, chafa_term_info_unref, (ChafaTermInfo * info), (info))                                         \
  X(ChafaCanvasConfig *, chafa_canvas_config_new, (void), ())                                            \
  X(void, chafa_canvas_config_unref, (ChafaCanvasConfig * config), (config))                             \
  X(void, chafa_canvas_config_set_geometry, (ChafaCanvasConfig * config, gint width, gint height),       \
    (config, width, height))                                                                             \
  X(void, chafa_canvas_config_set_cell_geometry,                                                         \
    (ChafaCanvasConfig * config, gint width, gint height), (config, width, height))                      \
  X(void, chafa_canvas_config_set_pixel_mode, (ChafaCanvasConfig * config, ChafaPixelMode mode),         \
    (config, mode))                                                                                      \
  X(void, chafa_canvas_config_set_canvas_mode, (ChafaCanvasConfig * config, ChafaCanvasMode mode),       \
    (config, mode))                                                                                      \
  X(void, chafa_canvas_config_set_dither_mode, (ChafaCanvasConfig * config, ChafaDitherMode mode),       \
    (config, mode))                                                                                      \
  X(void, chafa_canvas_config_set_color_space, (ChafaCanvasConfig * config, ChafaColorSpace space),      \
    (config, space))                                                                                     \
  X(void, chafa_canvas_config_set_color_extractor,                                                       \
    (ChafaCanvasConfig * config, ChafaColorExtractor extractor), (config, extractor))                    \
  X(void, chafa_canvas_config_set_preprocessing_enabled, (ChafaCanvasConfig * config, gboolean enabled), \
    (config, enabled))                                                                                   \
  X(void, chafa_canvas_config_set_symbol_map,                                                            \
    (ChafaCanvasConfig * config, const ChafaSymbolMap *map), (config, map))                              \
  X(ChafaSymbolMap *, chafa_symbol_map_new, (void), ())                                                  \
  X(void, chafa_symbol_map_unref, (ChafaSymbolMap * map), (map))                                         \
  X(void, chafa_symbol_map_add_by_tags, (ChafaSymbolMap * map, ChafaSymbolTags tags), (map, tags))      \
  X(ChafaCanvas *, chafa_canvas_new, (const ChafaCanvasConfig *config), (config))                        \
  X(void, chafa_canvas_unref, (ChafaCanvas * canvas), (canvas))                                          \
  X(void, chafa_canvas_draw_all_pixels,                                                                  \
    (ChafaCanvas * canvas, ChafaPixelType type, const guint8 *pixels, gint width, gint height,           \
     gint rowstride),                                                                                    \
    (canvas, type, pixels, width, height, rowstride))                                                    \
  X(GString *, chafa_canvas_print, (ChafaCanvas * canvas, ChafaTermInfo * info), (canvas, info))         \
  X(gunichar, chafa_canvas_get_char_at, (ChafaCanvas * canvas, gint x, gint y), (canvas, x, y))          \
  X(void, chafa_canvas_get_raw_colors_at, (ChafaCanvas * canvas, gint x, gint y, gint *fg, gint *bg),    \
    (canvas, x, y, fg, bg))                                                                              \
  X(gchar *, g_string_free, (GString * string, gboolean free_segment), (string, free_segment))

// The library's own functions, filled by `load` (all or none: `load_error` says why not).
static struct {
#define CCHAFA_SLOT(type, name, parameters, arguments) type(*name) parameters;
  CCHAFA_FUNCTIONS(CCHAFA_SLOT)
} library;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_message[512];

static void load(void) {
  void *handle = dlopen(CCHAFA_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    snprintf(load_message, sizeof load_message, "cannot load " CCHAFA_LIBRARY " (the libchafa0 package): %s",
             dlerror());
    load_error = load_message;
    return;
  }
  struct {
    const char *name;
    void **slot;
  } symbols[] = {
#define CCHAFA_SYMBOL(type, name, parameters, arguments) {#name, (void **)&library.name},
      CCHAFA_FUNCTIONS(CCHAFA_SYMBOL)};
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *address = dlsym(handle, symbols[i].name);
    if (!address) {
      memset(&library, 0, sizeof library);  // all or none
      snprintf(load_message, sizeof load_message,
               CCHAFA_LIBRARY " lacks a function this build needs (chafa 1.12 or newer): %s", symbols[i].name);
      load_error = load_message;
      return;
    }
    *symbols[i].slot = address;
  }
}

const char *cchafa_load(void) {
  pthread_once(&load_once, load);
  return load_error;
}

/// Loads libchafa if a forwarder is reached first; ends the process if it cannot be (callers that
/// can report the failure have called `cchafa_load` and stopped).
static void require(void) {
  const char *failure = cchafa_load();
  if (failure) {
    fprintf(stderr, "%s\n", failure);
    abort();
  }
}

#define CCHAFA_FORWARDER(type, name, parameters, arguments)                                              \
  __attribute__((visibility("hidden"))) type name parameters {                                           \
    if (!library.name) require();                                                                        \
    return library.name arguments;                                                                       \
  }
CCHAFA_FUNCTIONS(CCHAFA_FORWARDER)
