#!/usr/bin/env python3
"""Independent implementation of Tessera's envelope format (docs/envelope-format.md), using only
`cryptography`'s AESGCM, for interop tests.

Reads one JSON request on stdin and writes one JSON answer on stdout:

  {"op": "open", "master_key_hex", "master_key_version", "context": [[k, v], ...], "envelope_hex"}
      -> {"plaintext_hex"}          (exits 1 if the envelope does not open)
  {"op": "seal", "master_key_hex", "master_key_version", "context", "plaintext_hex",
   optional "dek_hex", "wrap_nonce_hex", "payload_nonce_hex" (random when absent)}
      -> {"envelope_hex", "wrapped_key_hex", "payload_hex", "context_hex", "wrap_aad_hex", "payload_aad_hex"}
"""
import json
import os
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FORMAT_VERSION = 1
WRAP_LABEL = b"tessera-wrap-dek"
PAYLOAD_LABEL = b"tessera-payload"
WRAPPED_KEY_LEN = 1 + 4 + 12 + 32 + 16


def encode_context(pairs):
    entries = sorted(((k.encode("utf-8"), v.encode("utf-8")) for k, v in pairs), key=lambda e: e[0])
    keys = [k for k, _ in entries]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate context key")
    out = struct.pack(">H", len(entries))
    for k, v in entries:
        out += struct.pack(">H", len(k)) + k + struct.pack(">H", len(v)) + v
    return out


def wrap_aad(mk_version, ctx):
    return WRAP_LABEL + bytes([FORMAT_VERSION]) + struct.pack(">I", mk_version) + ctx


def payload_aad(ctx):
    return PAYLOAD_LABEL + bytes([FORMAT_VERSION]) + ctx


def seal(master_key, mk_version, pairs, plaintext, dek=None, wrap_nonce=None, payload_nonce=None):
    ctx = encode_context(pairs)
    dek = dek or os.urandom(32)
    wrap_nonce = wrap_nonce or os.urandom(12)
    payload_nonce = payload_nonce or os.urandom(12)
    wrapped_ct = AESGCM(master_key).encrypt(wrap_nonce, dek, wrap_aad(mk_version, ctx))  # ct || tag
    wrapped = bytes([FORMAT_VERSION]) + struct.pack(">I", mk_version) + wrap_nonce + wrapped_ct
    payload = bytes([FORMAT_VERSION]) + payload_nonce + AESGCM(dek).encrypt(payload_nonce, plaintext, payload_aad(ctx))
    envelope = bytes([FORMAT_VERSION]) + struct.pack(">IH", mk_version, len(wrapped)) + wrapped + payload
    return {
        "envelope_hex": envelope.hex(),
        "wrapped_key_hex": wrapped.hex(),
        "payload_hex": payload.hex(),
        "context_hex": ctx.hex(),
        "wrap_aad_hex": wrap_aad(mk_version, ctx).hex(),
        "payload_aad_hex": payload_aad(ctx).hex(),
    }


def open_envelope(master_key, mk_version, pairs, envelope):
    ctx = encode_context(pairs)
    if len(envelope) < 7 or envelope[0] != FORMAT_VERSION:
        raise ValueError("bad envelope header")
    outer_version, wrapped_len = struct.unpack(">IH", envelope[1:7])
    if wrapped_len != WRAPPED_KEY_LEN or len(envelope) < 7 + wrapped_len + 29:
        raise ValueError("bad lengths")
    wrapped = envelope[7:7 + wrapped_len]
    payload = envelope[7 + wrapped_len:]
    if wrapped[0] != FORMAT_VERSION or struct.unpack(">I", wrapped[1:5])[0] != outer_version:
        raise ValueError("header disagrees with wrapped key")
    if outer_version != mk_version:
        raise ValueError("sealed under another master key version")
    dek = AESGCM(master_key).decrypt(wrapped[5:17], wrapped[17:], wrap_aad(outer_version, ctx))
    if payload[0] != FORMAT_VERSION:
        raise ValueError("bad payload version")
    return AESGCM(dek).decrypt(payload[1:13], payload[13:], payload_aad(ctx))


def main():
    request = json.load(sys.stdin)
    key = bytes.fromhex(request["master_key_hex"])
    version = request["master_key_version"]
    pairs = request["context"]
    if request["op"] == "seal":
        optional = {name: bytes.fromhex(request[name + "_hex"]) for name in ("dek", "wrap_nonce", "payload_nonce")
                    if request.get(name + "_hex")}
        answer = seal(key, version, pairs, bytes.fromhex(request["plaintext_hex"]), **optional)
    elif request["op"] == "open":
        answer = {"plaintext_hex": open_envelope(key, version, pairs, bytes.fromhex(request["envelope_hex"])).hex()}
    else:
        raise ValueError("unknown op")
    json.dump(answer, sys.stdout)


if __name__ == "__main__":
    main()
