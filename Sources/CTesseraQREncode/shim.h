// Shim over libqrencode: encodes a string as a QR symbol (8-bit mode, error correction level M).
#ifndef C_TESSERA_QRENCODE_SHIM_H
#define C_TESSERA_QRENCODE_SHIM_H

#include <stddef.h>
#include <qrencode.h>

/// Encodes `text` (NUL-terminated) in byte mode at the smallest version that fits; NULL on failure (errno set).
/// The caller frees the result with `tessera_qr_free`. Each module byte's lowest bit is 1 for a dark module.
static inline QRcode *_Nullable tessera_qr_encode(const char *_Nonnull text, int level) {
    return QRcode_encodeString8bit(text, 0, (QRecLevel)level);
}

static inline void tessera_qr_free(QRcode *_Nullable code) {
    if (code != NULL) { QRcode_free(code); }
}

#endif
