#!/usr/bin/env python3
"""Checks a `tessera audit prove` proof offline, written from docs/audit.md ("Checking a proof") alone.

Reads the proof JSON on standard input and prints {"ok": true} or {"ok": false, "reason": "..."}.
Needs the `cryptography` package (Ed25519).
"""
import base64
import hashlib
import json
import struct
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def root_from_path(leaf_hash, index, size, path):
    """RFC 9162 section 2.1.3.2."""
    if index >= size:
        return None
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def check(proof, trusted_key=None):
    key_b64 = trusted_key or proof["public_key"]
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(key_b64))
    cp = proof["checkpoint"]
    root = base64.b64decode(cp["root_hash"])
    signed = "tessera.audit.checkpoint.v1\n%d\n%s\n%d\n" % (
        cp["tree_size"], base64.b64encode(root).decode(), cp["timestamp_ms"])
    try:
        key.verify(base64.b64decode(cp["signature"]), signed.encode())
    except InvalidSignature:
        return "bad checkpoint signature"
    entry = base64.b64decode(proof["entry"])
    if entry[0] not in (1, 2):
        return "unknown entry format"
    (entry_id,) = struct.unpack(">q", entry[1:9])
    if entry_id != proof["entry_id"]:
        return "the entry bytes name another id"
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    path = [base64.b64decode(p) for p in proof["path"]]
    if root_from_path(leaf, proof["leaf_index"], cp["tree_size"], path) != root:
        return "the path does not lead to the checkpoint's root"
    return None


def main():
    request = json.load(sys.stdin)
    reason = check(request["proof"], request.get("trusted_public_key"))
    print(json.dumps({"ok": reason is None, "reason": reason}))


if __name__ == "__main__":
    main()
