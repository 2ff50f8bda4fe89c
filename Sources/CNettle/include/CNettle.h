#ifndef CNETTLE_H
#define CNETTLE_H

// SHA-256 from nettle (libnettle.so.8), resolved at run time.
//
// nettle is not linked: `cnettle_load` opens libnettle.so.8 with dlopen the first time a digest is
// made, as CCurl does for libcurl, so a process that hashes nothing never loads it. A process that
// downloads has loaded it already: GnuTLS is built on it, and libcurl loads GnuTLS in both of
// Debian's flavours (dlopen returns that same copy). nettle rather than OpenSSL's libcrypto:
// libcrypto's EVP digests run OpenSSL's initialisation on first use (2 MB touched), which nothing
// else in the process runs with the GnuTLS libcurl (docs/PERFORMANCE.md, "Memory of a CLI run,
// third step"). Both use the CPU's SHA extensions.
//
// The context is nettle's own `struct sha256_ctx` (nettle-dev's header), a plain value: a copy of it
// is a checkpoint.

#include <nettle/sha2.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One running SHA-256: nettle's context, held by value.
typedef struct sha256_ctx cnettle_sha256;

/// Opens libnettle.so.8 and resolves the functions below, once per process (later calls return the
/// first outcome). Returns NULL on success, or what failed, a string that lives as long as the process.
const char *cnettle_load(void);

/// Starts `context` over no bytes. Requires a successful `cnettle_load`.
void cnettle_sha256_init(cnettle_sha256 *context);
/// Feeds `count` bytes.
void cnettle_sha256_update(cnettle_sha256 *context, const void *bytes, size_t count);
/// Writes the 32-byte digest and starts `context` over (digest a copy to feed on).
void cnettle_sha256_digest(cnettle_sha256 *context, uint8_t digest[SHA256_DIGEST_SIZE]);

#ifdef __cplusplus
}
#endif

#endif
