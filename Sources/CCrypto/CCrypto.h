// libcrypto's digest interface (OpenSSL 3), for SHA-256 of downloaded videos. libcurl (OpenSSL
// flavour) already loads this library, so using it costs no new shared object at run time.
#include <openssl/evp.h>
