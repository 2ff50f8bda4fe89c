// zlib's deflate for PNG files and the preview cache. libcurl already loads libz, so using it
// costs no new shared object at run time.
#include <zlib.h>
