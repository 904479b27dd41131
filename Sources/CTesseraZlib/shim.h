// Thin, null-tolerant shims over zlib's gz* file API, for reading word lists that may be gzip-compressed.
//
// zlib's gzread reads a file that is not gzip "transparently" (as it is), so one code path serves plain and
// compressed lists. Each shim takes nullable pointers so no Swift call site needs `baseAddress!`.
#ifndef C_TESSERA_ZLIB_SHIM_H
#define C_TESSERA_ZLIB_SHIM_H

#include <stddef.h>
#include <zlib.h>

/// Wraps an open, readable descriptor; on success the returned handle owns `fd` (gzclose closes it).
/// Returns NULL when zlib cannot allocate its state; then `fd` is still the caller's to close.
static inline gzFile _Nullable tessera_gz_dopen(int fd) { return gzdopen(fd, "rb"); }

/// Reads up to `len` decompressed bytes into `buffer`: the count read, 0 at the end, -1 on an error.
static inline int tessera_gz_read(gzFile _Nonnull file, void *_Nullable buffer, unsigned len) {
    if (buffer == NULL || len == 0) { return 0; }
    return gzread(file, buffer, len);
}

/// zlib's error number for `file`: Z_OK, Z_BUF_ERROR when the input ended inside a gzip stream (truncated),
/// Z_DATA_ERROR for corrupt data, Z_ERRNO for an I/O error.
static inline int tessera_gz_error(gzFile _Nonnull file) {
    int number = Z_OK;
    (void)gzerror(file, &number);
    return number;
}

/// Closes `file` and its descriptor; Z_OK on success.
static inline int tessera_gz_close(gzFile _Nonnull file) { return gzclose(file); }

#endif
