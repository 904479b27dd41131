#!/usr/bin/env python3
"""Argon2 interop with argon2-cffi (the reference implementation, libargon2, via CFFI).

Used by Tessera's Swift tests through `Interop.run("argon2_interop.py", ...)`: reads one JSON object on stdin,
writes one JSON object on stdout.

Input:
  {"verify": [{"phc": "...", "password": "..."}],            # check hashes made by Tessera
   "hash":   [{"password": "...", "type": "id"|"i", "time_cost": 2, "memory_cost": 64,
               "parallelism": 1, "hash_len": 32, "salt_len": 16}]}   # make hashes for Tessera to check
Output:
  {"verified": [true|false, ...], "hashes": ["$argon2...", ...]}

A verification that raises anything other than VerifyMismatchError reports false and prints the reason on
stderr, so a malformed Tessera hash fails the Swift test visibly.

`--generate-fixture` prints the reference-hash fixture (Tests/TesseraCryptoTests/Fixtures/argon2-reference.json).
"""
import json
import sys

import argon2
from argon2 import PasswordHasher, Type, low_level
from argon2.exceptions import VerifyMismatchError

TYPES = {"id": Type.ID, "i": Type.I}


def verify(phc: str, password: str) -> bool:
    try:
        return PasswordHasher().verify(phc, password)
    except VerifyMismatchError:
        return False
    except Exception as error:  # noqa: BLE001 - report, never crash the exchange
        print(f"argon2-cffi could not verify {phc!r}: {error!r}", file=sys.stderr)
        return False


def make_hash(request: dict) -> str:
    hasher = PasswordHasher(
        time_cost=request["time_cost"],
        memory_cost=request["memory_cost"],
        parallelism=request["parallelism"],
        hash_len=request["hash_len"],
        salt_len=request["salt_len"],
        type=TYPES[request["type"]],
    )
    return hasher.hash(request["password"])


def generate_fixture() -> dict:
    cases = [
        # (password, type, t, m, p, hash_len, salt_len)
        ("correct horse battery staple", "id", 2, 19456, 1, 32, 16),  # OWASP default
        ("hunter2", "id", 1, 64, 1, 32, 16),
        ("p=2 lanes", "id", 2, 256, 2, 16, 8),
        ("four lanes, long salt", "id", 3, 128, 4, 64, 32),
        ("argon2i one lane", "i", 3, 64, 1, 32, 16),
        ("argon2i two lanes", "i", 2, 512, 2, 16, 32),
        ("argon2i t=1", "i", 1, 64, 1, 24, 12),
        ("pässwörd ✓ 日本語", "id", 2, 64, 1, 32, 16),
    ]
    entries = []
    for password, kind, t, m, p, hash_len, salt_len in cases:
        hasher = PasswordHasher(time_cost=t, memory_cost=m, parallelism=p, hash_len=hash_len, salt_len=salt_len,
                                type=TYPES[kind])
        phc = hasher.hash(password)
        assert hasher.verify(phc, password)
        entries.append({"password": password, "phc": phc, "note": f"argon2{kind} t={t} m={m} p={p} "
                                                                  f"hash={hash_len} salt={salt_len}"})
    # Version 1.0 (0x10) hashes, as old libargon2 builds wrote them, and the same without "v=" (read as 0x10).
    salt = b"0123456789abcdef"
    for kind in ("id", "i"):
        raw = low_level.hash_secret(b"legacy v1.0", salt, time_cost=3, memory_cost=64, parallelism=1, hash_len=32,
                                    type=TYPES[kind], version=0x10).decode()
        assert low_level.verify_secret(raw.encode(), b"legacy v1.0", TYPES[kind])
        entries.append({"password": "legacy v1.0", "phc": raw, "note": f"argon2{kind} version 0x10"})
        bare = raw.replace("$v=16", "")
        assert low_level.verify_secret(bare.encode(), b"legacy v1.0", TYPES[kind])
        entries.append({"password": "legacy v1.0", "phc": bare, "note": f"argon2{kind} without v= (0x10)"})
    from importlib.metadata import version
    return {"source": f"argon2-cffi {version('argon2-cffi')} (reference libargon2)", "hashes": entries}


def main() -> None:
    if sys.argv[1:] == ["--generate-fixture"]:
        json.dump(generate_fixture(), sys.stdout, indent=2, ensure_ascii=False)
        print()
        return
    request = json.load(sys.stdin)
    out = {
        "verified": [verify(item["phc"], item["password"]) for item in request.get("verify", [])],
        "hashes": [make_hash(item) for item in request.get("hash", [])],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
