#include "CNettle.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#if defined(__APPLE__)
#define CNETTLE_LIBRARY "libnettle.8.dylib"
#else
#define CNETTLE_LIBRARY "libnettle.so.8"
#endif

// nettle's functions, typed by its own header (whose macros name them nettle_sha256_*), filled by
// `load` (all or none: `load_error` says which).
static struct {
  __typeof__(nettle_sha256_init) *init;
  __typeof__(nettle_sha256_update) *update;
  __typeof__(nettle_sha256_digest) *digest;
} nettle;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_message[512];

static void fail(const char *what, const char *detail) {
  snprintf(load_message, sizeof load_message, "%s: %s", what, detail ? detail : "unknown error");
  load_error = load_message;
}

static void load(void) {
  // RTLD_LOCAL: nettle's symbols serve only these pointers; RTLD_NOW: a missing one fails here.
  void *library = dlopen(CNETTLE_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fail("cannot load " CNETTLE_LIBRARY " (the libnettle8 package)", dlerror());
    return;
  }
  struct {
    const char *name;
    void **slot;
  } symbols[] = {
      {"nettle_sha256_init", (void **)&nettle.init},
      {"nettle_sha256_update", (void **)&nettle.update},
      {"nettle_sha256_digest", (void **)&nettle.digest},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *address = dlsym(library, symbols[i].name);
    if (!address) {
      memset(&nettle, 0, sizeof nettle);
      fail(CNETTLE_LIBRARY " lacks a function this build needs", symbols[i].name);
      return;
    }
    *symbols[i].slot = address;
  }
}

const char *cnettle_load(void) {
  pthread_once(&load_once, load);
  return load_error;
}

void cnettle_sha256_init(cnettle_sha256 *context) { nettle.init(context); }

void cnettle_sha256_update(cnettle_sha256 *context, const void *bytes, size_t count) {
  nettle.update(context, count, bytes);
}

void cnettle_sha256_digest(cnettle_sha256 *context, uint8_t digest[SHA256_DIGEST_SIZE]) {
  nettle.digest(context, SHA256_DIGEST_SIZE, digest);
}
