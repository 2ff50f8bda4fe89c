// curl.h's type-checking macros would rewrite the definitions of the variadic functions below.
#define CURL_DISABLE_TYPECHECK
#include "CCurl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The libcurl to open, first found first. Debian's GnuTLS flavour (libcurl3-gnutls) before its OpenSSL
// one (libcurl4): the same curl, but `curl_global_init` of the OpenSSL flavour runs OpenSSL's
// initialisation, ~2 MB of libcrypto and libssl touched even for plain HTTP, while GnuTLS and nettle
// are loaded by both (libcurl4 reaches them through librtmp). docs/PERFORMANCE.md, "Memory of a CLI
// run, third step".
#if defined(__APPLE__)
static const char *const candidates[] = {"libcurl.4.dylib"};
#define CCURL_PACKAGES "libcurl.4.dylib"
#else
static const char *const candidates[] = {"libcurl-gnutls.so.4", "libcurl.so.4"};
#define CCURL_PACKAGES "libcurl-gnutls.so.4 (the libcurl3-gnutls package) or libcurl.so.4 (libcurl4)"
#endif

// Every libcurl function this program refers to (ours in CurlTransport, and FoundationNetworking's):
// X(return type, name, parameters, arguments). The variadic three are declared apart.
#define CCURL_FUNCTIONS(X)                                                                               \
  X(CURLcode, curl_global_init, (long flags), (flags))                                                   \
  X(const char *, curl_easy_strerror, (CURLcode code), (code))                                            \
  X(CURL *, curl_easy_init, (void), ())                                                                   \
  X(void, curl_easy_cleanup, (CURL * easy), (easy))                                                       \
  X(CURLcode, curl_easy_pause, (CURL * easy, int bitmask), (easy, bitmask))                               \
  X(void, curl_free, (void *pointer), (pointer))                                                          \
  X(struct curl_slist *, curl_slist_append, (struct curl_slist * list, const char *line), (list, line))   \
  X(void, curl_slist_free_all, (struct curl_slist * list), (list))                                        \
  X(CURLM *, curl_multi_init, (void), ())                                                                 \
  X(CURLMcode, curl_multi_cleanup, (CURLM * multi), (multi))                                              \
  X(CURLMcode, curl_multi_add_handle, (CURLM * multi, CURL *easy), (multi, easy))                         \
  X(CURLMcode, curl_multi_remove_handle, (CURLM * multi, CURL *easy), (multi, easy))                      \
  X(CURLMcode, curl_multi_perform, (CURLM * multi, int *running), (multi, running))                       \
  X(CURLMcode, curl_multi_poll,                                                                           \
    (CURLM * multi, struct curl_waitfd *extra, unsigned int count, int timeout_ms, int *ready),            \
    (multi, extra, count, timeout_ms, ready))                                                             \
  X(CURLMcode, curl_multi_wakeup, (CURLM * multi), (multi))                                               \
  X(CURLMcode, curl_multi_timeout, (CURLM * multi, long *milliseconds), (multi, milliseconds))            \
  X(CURLMsg *, curl_multi_info_read, (CURLM * multi, int *queued), (multi, queued))                       \
  X(CURLMcode, curl_multi_assign, (CURLM * multi, curl_socket_t socket, void *pointer),                   \
    (multi, socket, pointer))                                                                             \
  X(CURLMcode, curl_multi_socket_action, (CURLM * multi, curl_socket_t socket, int mask, int *running),   \
    (multi, socket, mask, running))                                                                       \
  X(CURLU *, curl_url, (void), ())                                                                        \
  X(CURLUcode, curl_url_get, (CURLU * url, CURLUPart part, char **value, unsigned int flags),        \
    (url, part, value, flags))                                                                            \
  X(CURLUcode, curl_url_set, (CURLU * url, CURLUPart part, const char *value, unsigned int flags),        \
    (url, part, value, flags))                                                                            \
  X(char *, curl_version, (void), ())                                                                     \
  X(curl_version_info_data *, curl_version_info, (CURLversion stamp), (stamp))

// The library's own functions, filled by `load` (all or none: `load_error` says why not).
static struct {
#define CCURL_SLOT(type, name, parameters, arguments) type(*name) parameters;
  CCURL_FUNCTIONS(CCURL_SLOT)
  CURLcode (*curl_easy_setopt)(CURL *, CURLoption, ...);
  CURLcode (*curl_easy_getinfo)(CURL *, CURLINFO, ...);
  CURLMcode (*curl_multi_setopt)(CURLM *, CURLMoption, ...);
} library;

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static const char *load_error;
static char load_message[512];

void *ccurl_open_first(const char *const *names, size_t count, const char **opened, char *message, size_t size) {
  if (size) message[0] = 0;
  for (size_t i = 0; i < count; i++) {
    // RTLD_LOCAL: curl's symbols serve only our pointers; RTLD_NOW: a missing dependency fails here,
    // not in the middle of a transfer.
    void *handle = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
    if (handle) {
      *opened = names[i];
      return handle;
    }
    const char *reason = dlerror();
    size_t used = size ? strlen(message) : 0;
    if (used + 1 < size) snprintf(message + used, size - used, "%s%s", used ? "; " : "", reason ? reason : names[i]);
  }
  return NULL;
}

// libssh2, which both of Debian's libcurls depend on, initialises OpenSSL's libcrypto in full when
// `curl_global_init` first calls `libssh2_init(0)`: its configuration, engines, every cipher and
// digest, 1.5 MB of resident memory for a protocol this program never allows (CURLOPT_PROTOCOLS_STR
// is "http,https"). libssh2 sets its crypto up only in its first init, so one call before curl's,
// with LIBSSH2_INIT_NO_CRYPTO, leaves it out; the GnuTLS libcurl then never initialises OpenSSL (the
// OpenSSL one still does, for its TLS). A libcurl without libssh2 is left as it is.
static void spare_libssh2_crypto(void) {
  void *ssh = dlopen("libssh2.so.1", RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD);
  if (!ssh) return;
  int (*init)(int) = (int (*)(int))dlsym(ssh, "libssh2_init");
  if (init) init(0x0001 /* LIBSSH2_INIT_NO_CRYPTO, libssh2.h */);
  dlclose(ssh);  // the reference RTLD_NOLOAD took; libcurl's keeps it loaded
}

static void load(void) {
  const char *opened = NULL;
  char reasons[400];
  void *handle = ccurl_open_first(candidates, sizeof candidates / sizeof candidates[0], &opened, reasons, sizeof reasons);
  if (!handle) {
    snprintf(load_message, sizeof load_message, "cannot load " CCURL_PACKAGES ": %s", reasons);
    load_error = load_message;
    return;
  }
  struct {
    const char *name;
    void **slot;
  } symbols[] = {
#define CCURL_SYMBOL(type, name, parameters, arguments) {#name, (void **)&library.name},
      CCURL_FUNCTIONS(CCURL_SYMBOL){"curl_easy_setopt", (void **)&library.curl_easy_setopt},
      {"curl_easy_getinfo", (void **)&library.curl_easy_getinfo},
      {"curl_multi_setopt", (void **)&library.curl_multi_setopt},
  };
  for (size_t i = 0; i < sizeof symbols / sizeof symbols[0]; i++) {
    void *address = dlsym(handle, symbols[i].name);
    if (!address) {
      memset(&library, 0, sizeof library);  // all or none
      snprintf(load_message, sizeof load_message, "%s lacks a function this build needs (libcurl 7.68 or newer): %s",
               opened, symbols[i].name);
      load_error = load_message;
      return;
    }
    *symbols[i].slot = address;
  }
  spare_libssh2_crypto();
}

const char *ccurl_load(void) {
  pthread_once(&load_once, load);
  return load_error;
}

/// Loads libcurl if a forwarder is reached first; ends the process if it cannot be (a caller that
/// can report the failure has called `ccurl_load` and stopped).
static void require(void) {
  const char *failure = ccurl_load();
  if (failure) {
    fprintf(stderr, "%s\n", failure);
    abort();
  }
}

// The forwarders: this program's definitions of libcurl's functions. Hidden, so that libcurl,
// once loaded, still binds its calls among its own functions to itself.
#define CCURL_FORWARDER(type, name, parameters, arguments)                                               \
  __attribute__((visibility("hidden"))) type name parameters {                                           \
    if (!library.name) require();                                                                        \
    return library.name arguments;                                                                       \
  }
CCURL_FUNCTIONS(CCURL_FORWARDER)

// Each option of the variadic three takes exactly one argument: a long, a pointer (data or
// function) or a curl_off_t. On the 64-bit targets this builds for, all of them are one 8-byte
// integer-class argument, so it is read as a pointer and passed on unchanged.
_Static_assert(sizeof(long) == sizeof(void *) && sizeof(curl_off_t) == sizeof(void *),
               "the forwarders pass curl's one option argument as a pointer-sized value");

__attribute__((visibility("hidden"))) CURLcode curl_easy_setopt(CURL *easy, CURLoption option, ...) {
  va_list arguments;
  va_start(arguments, option);
  void *value = va_arg(arguments, void *);
  va_end(arguments);
  if (!library.curl_easy_setopt) require();
  return library.curl_easy_setopt(easy, option, value);
}

__attribute__((visibility("hidden"))) CURLcode curl_easy_getinfo(CURL *easy, CURLINFO info, ...) {
  va_list arguments;
  va_start(arguments, info);
  void *value = va_arg(arguments, void *);
  va_end(arguments);
  if (!library.curl_easy_getinfo) require();
  return library.curl_easy_getinfo(easy, info, value);
}

__attribute__((visibility("hidden"))) CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...) {
  va_list arguments;
  va_start(arguments, option);
  void *value = va_arg(arguments, void *);
  va_end(arguments);
  if (!library.curl_multi_setopt) require();
  return library.curl_multi_setopt(multi, option, value);
}

size_t ccurl_error_size(void) { return CURL_ERROR_SIZE; }

CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value) {
  return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value) {
  return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value) {
  return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_off_t(CURL *easy, CURLoption option, curl_off_t value) {
  return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value) {
  return curl_easy_setopt(easy, option, value);
}

CURLcode ccurl_easy_setopt_write_callback(CURL *easy, curl_write_callback callback) {
  return curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, callback);
}

CURLcode ccurl_easy_setopt_header_callback(CURL *easy, curl_write_callback callback) {
  return curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, callback);
}

CURLcode ccurl_easy_setopt_read_callback(CURL *easy, curl_read_callback callback) {
  return curl_easy_setopt(easy, CURLOPT_READFUNCTION, callback);
}

CURLcode ccurl_easy_setopt_seek_callback(CURL *easy, curl_seek_callback callback) {
  return curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, callback);
}

CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *easy, curl_xferinfo_callback callback) {
  return curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, callback);
}

CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value) {
  return curl_easy_getinfo(easy, info, value);
}

CURLcode ccurl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value) {
  return curl_easy_getinfo(easy, info, value);
}

CURLcode ccurl_easy_getinfo_off_t(CURL *easy, CURLINFO info, curl_off_t *value) {
  return curl_easy_getinfo(easy, info, value);
}

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value) {
  return curl_multi_setopt(multi, option, value);
}

void ccurl_name_current_thread(const char *name) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), name);
#elif defined(__APPLE__)
  pthread_setname_np(name);
#endif
}
