// zlib (Debian's zlib1g-dev), for deflating spreadsheets as they stream out.
#include <zlib.h>
