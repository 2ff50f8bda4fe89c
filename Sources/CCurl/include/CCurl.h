#ifndef CCURL_H
#define CCURL_H

// Typed entry points into libcurl for Swift.
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
