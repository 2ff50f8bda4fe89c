#ifndef CCURL_H
#define CCURL_H

// libcurl for Swift, opened at run time, and typed entry points into it.
//
// libcurl is not linked. `ccurl_load` opens it with dlopen (libcurl-gnutls.so.4, else libcurl.so.4:
// CCurl.c says why in that order) the first time the network is needed, and CCurl.c defines the libcurl functions this program calls (`curl_easy_init`,
// `curl_multi_poll`, …) as forwarders to the library's own, looked up once with dlsym. So a process
// that never makes a request (`--version`, `history`, the studio until it connects) does not load,
// relocate and initialise libcurl and its ~30 libraries (about 6 MB of resident memory;
// docs/PERFORMANCE.md, "Memory of a CLI run"). The forwarders also stand in for the functions the
// static Foundation's FoundationNetworking refers to (FlyingFox links it for a proxy handler the twin
// never uses), which would otherwise make libcurl a load-time dependency again. They are hidden
// (not exported), so libcurl's calls among its own functions never come back through them.
//
// Call `ccurl_load` before any curl function and do not call one if it failed: the forwarders end
// the process with that failure's text when the library is missing (only FoundationNetworking,
// which has no way to report it, could get that far).
//
// `curl_easy_setopt`, `curl_easy_getinfo` and `curl_multi_setopt` are variadic, and Swift cannot call
// variadic C functions ("Variadic function is unavailable"). Each wrapper below fixes the argument
// type so the call is well defined on every ABI. Callback setters fix the option as well, so a
// function pointer can never be passed where curl expects data.

#include <curl/curl.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Opens libcurl and resolves every function the forwarders need, once per process (later calls
/// return the first outcome). Returns NULL on success, or what failed (naming every library tried,
/// with dlopen's message for each, or dlsym's), a string that lives as long as the process.
const char *ccurl_load(void);

/// `dlopen`s the first of `names` that loads (RTLD_NOW | RTLD_LOCAL) and sets `*opened` to its name;
/// NULL when none does, with each one's dlopen message, "; "-separated, in `message` (cut to `size`).
/// What `ccurl_load` tries its libraries with.
void *ccurl_open_first(const char *const *names, size_t count, const char **opened, char *message, size_t size);

/// Size of the buffer `CURLOPT_ERRORBUFFER` must point at (the macro is not a Swift constant).
size_t ccurl_error_size(void);

CURLcode ccurl_easy_setopt_long(CURL *easy, CURLoption option, long value);
CURLcode ccurl_easy_setopt_string(CURL *easy, CURLoption option, const char *value);
CURLcode ccurl_easy_setopt_pointer(CURL *easy, CURLoption option, void *value);
CURLcode ccurl_easy_setopt_off_t(CURL *easy, CURLoption option, curl_off_t value);
CURLcode ccurl_easy_setopt_slist(CURL *easy, CURLoption option, struct curl_slist *value);

CURLcode ccurl_easy_setopt_write_callback(CURL *easy, curl_write_callback callback);
CURLcode ccurl_easy_setopt_header_callback(CURL *easy, curl_write_callback callback);
CURLcode ccurl_easy_setopt_read_callback(CURL *easy, curl_read_callback callback);
CURLcode ccurl_easy_setopt_seek_callback(CURL *easy, curl_seek_callback callback);
CURLcode ccurl_easy_setopt_xferinfo_callback(CURL *easy, curl_xferinfo_callback callback);

CURLcode ccurl_easy_getinfo_long(CURL *easy, CURLINFO info, long *value);
CURLcode ccurl_easy_getinfo_pointer(CURL *easy, CURLINFO info, void **value);
CURLcode ccurl_easy_getinfo_off_t(CURL *easy, CURLINFO info, curl_off_t *value);

CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

/// Names the calling thread (visible in gdb, top -H, /proc). `pthread_setname_np` needs
/// `_GNU_SOURCE`, which the Glibc module does not define, so Swift cannot see it.
void ccurl_name_current_thread(const char *name);

#ifdef __cplusplus
}
#endif

#endif
