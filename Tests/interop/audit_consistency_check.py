#!/usr/bin/env python3
"""Checks a `tessera audit prove-consistency` proof offline, written from docs/audit.md ("Checking a consistency
proof") alone.

Reads {"proof": ..., "trusted_public_key": ..., "kept_line": ...} on standard input and prints {"ok": true} or
{"ok": false, "reason": "..."}. Needs the `cryptography` package (Ed25519).
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


def node(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def signature_holds(key, checkpoint):
    signed = "tessera.audit.checkpoint.v1\n%d\n%s\n%d\n" % (
        checkpoint["tree_size"], base64.b64encode(base64.b64decode(checkpoint["root_hash"])).decode(),
        checkpoint["timestamp_ms"])
    try:
        key.verify(base64.b64decode(checkpoint["signature"]), signed.encode())
        return True
    except InvalidSignature:
        return False


def consistent(m, n, first_root, second_root, path):
    """RFC 9162 section 2.1.4.2."""
    if m < 1 or n < m:
        return False
    if m == n:
        return not path and first_root == second_root
    if m & (m - 1) == 0:
        path = [first_root] + path
    if not path:
        return False
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node(c, fr)
            sr = node(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


def check(proof, trusted_key, kept_line):
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_key))
    first, second = proof["first"], proof["second"]
    for name, checkpoint in (("first", first), ("second", second)):
        if not signature_holds(key, checkpoint):
            return "bad %s checkpoint signature" % name
    if kept_line is not None and first["line"] != kept_line:
        return "the first checkpoint is not the one kept"
    path = [base64.b64decode(c) for c in proof["path"]]
    if not consistent(first["tree_size"], second["tree_size"], base64.b64decode(first["root_hash"]),
                      base64.b64decode(second["root_hash"]), path):
        return "the second tree does not extend the first"
    return None


def main():
    request = json.load(sys.stdin)
    reason = check(request["proof"], request["trusted_public_key"], request.get("kept_line"))
    print(json.dumps({"ok": reason is None, "reason": reason}))


if __name__ == "__main__":
    main()
