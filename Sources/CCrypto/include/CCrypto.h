#ifndef CCRYPTO_H
#define CCRYPTO_H

// SHA-256 from libcrypto (OpenSSL 3's EVP digests), resolved at run time.
//
// libcrypto is not linked: `ccrypto_load` opens libcrypto.so.3 with dlopen the first time a digest
// is made, as CCurl does for libcurl, so a process that hashes nothing never loads it (1.5 MB of
// resident memory; docs/PERFORMANCE.md, "Memory of a CLI run"). A process that downloads has loaded
// it already: libcurl's OpenSSL flavour depends on it, and dlopen returns that same copy.

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One running SHA-256 (libcrypto's EVP_MD_CTX).
typedef struct ccrypto_sha256 ccrypto_sha256;

/// Opens libcrypto.so.3 and resolves the functions below, once per process (later calls return the
/// first outcome). Returns NULL on success, or what failed, a string that lives as long as the process.
const char *ccrypto_load(void);

/// A new SHA-256 over no bytes; NULL when libcrypto cannot allocate. Requires a successful `ccrypto_load`.
ccrypto_sha256 *ccrypto_sha256_new(void);
/// A new context in the state of `other`; NULL when libcrypto cannot allocate.
ccrypto_sha256 *ccrypto_sha256_copy(const ccrypto_sha256 *other);
/// Feeds `count` bytes; 1 on success.
int ccrypto_sha256_update(ccrypto_sha256 *context, const void *bytes, size_t count);
/// Writes the 32-byte digest and ends the context (copy it first to feed on); 1 on success.
int ccrypto_sha256_final(ccrypto_sha256 *context, unsigned char digest[32]);
void ccrypto_sha256_free(ccrypto_sha256 *context);

#ifdef __cplusplus
}
#endif

#endif
