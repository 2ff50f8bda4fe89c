#include "CCrypto.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

// libcrypto's own types stay opaque here: only pointers cross, so its headers are not needed.
typedef struct evp_md_st EVP_MD;
typedef struct engine_st ENGINE;

// The libcrypto functions the wrappers call, filled by `load` (all or none: `load_error` says which).
static struct {
  void *(*ctx_new)(void);
  void (*ctx_free)(void *);
  int (*ctx_copy_ex)(void *, const void *);
  const EVP_MD *(*sha256)(void);
  int (*init_ex)(void *, const EVP_MD *, ENGINE *);
  int (*update)(void *, const void *, size_t);
  int (*final_ex)(void *, unsigned char *, unsigned int *);
} crypto;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_message[512];

static void fail(const char *what, const char *detail) {
  snprintf(load_message, sizeof load_message, "%s: %s", what, detail ? detail : "unknown error");
  load_error = load_message;
}

#if defined(__APPLE__)
#define CCRYPTO_LIBRARY "libcrypto.3.dylib"
#else
#define CCRYPTO_LIBRARY "libcrypto.so.3"
#endif

static void load(void) {
  // RTLD_LOCAL: libcrypto's symbols serve only these pointers; RTLD_NOW: a missing one fails here.
  void *library = dlopen(CCRYPTO_LIBRARY, RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    fail("cannot load " CCRYPTO_LIBRARY " (install libssl3, e.g. apt-get install libssl3)", dlerror());
    return;
  }
  struct {
    const char *name;
    void **slot;
  } symbols[] = {
      {"EVP_MD_CTX_new", (void **)&crypto.ctx_new},
      {"EVP_MD_CTX_free", (void **)&crypto.ctx_free},
      {"EVP_MD_CTX_copy_ex", (void **)&crypto.ctx_copy_ex},
      {"EVP_sha256", (void **)&crypto.sha256},
      {"EVP_DigestInit_ex", (void **)&crypto.init_ex},
      {"EVP_DigestUpdate", (void **)&crypto.update},
      {"EVP_DigestFinal_ex", (void **)&crypto.final_ex},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *address = dlsym(library, symbols[i].name);
    if (!address) {
      memset(&crypto, 0, sizeof crypto);
      fail(CCRYPTO_LIBRARY " lacks a function this build needs", symbols[i].name);
      return;
    }
    *symbols[i].slot = address;
  }
}

const char *ccrypto_load(void) {
  pthread_once(&load_once, load);
  return load_error;
}

ccrypto_sha256 *ccrypto_sha256_new(void) {
  void *context = crypto.ctx_new();
  if (context && crypto.init_ex(context, crypto.sha256(), NULL) != 1) {
    crypto.ctx_free(context);
    context = NULL;
  }
  return context;
}

ccrypto_sha256 *ccrypto_sha256_copy(const ccrypto_sha256 *other) {
  void *context = crypto.ctx_new();
  if (context && crypto.ctx_copy_ex(context, other) != 1) {
    crypto.ctx_free(context);
    context = NULL;
  }
  return context;
}

int ccrypto_sha256_update(ccrypto_sha256 *context, const void *bytes, size_t count) {
  return crypto.update(context, bytes, count);
}

int ccrypto_sha256_final(ccrypto_sha256 *context, unsigned char digest[32]) {
  unsigned int length = 0;
  return crypto.final_ex(context, digest, &length) == 1 && length == 32;
}

void ccrypto_sha256_free(ccrypto_sha256 *context) { crypto.ctx_free(context); }
