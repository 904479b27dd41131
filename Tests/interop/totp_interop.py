#!/usr/bin/env python3
"""TOTP interop oracle for Tessera's tests: pyotp (PyPI) as the independent implementation.

Reads JSON on stdin:
  {"codes": [{"secret": BASE32, "algorithm": "SHA1"|"SHA256"|"SHA512", "digits": 6..8,
              "period": SECONDS, "time": UNIX_SECONDS}, ...],
   "uris": [OTPAUTH_URI, ...]}
Writes JSON on stdout:
  {"codes": [CODE, ...],                       # pyotp.TOTP(...).at(time), same order
   "uris": [{"type", "secret", "issuer", "name", "algorithm", "digits", "period"}, ...]}  # pyotp.parse_uri
Secrets travel on stdin only, never on the command line.
"""
import hashlib
import json
import sys

import pyotp

DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
NAMES = {"sha1": "SHA1", "sha256": "SHA256", "sha512": "SHA512"}


def main() -> None:
    request = json.load(sys.stdin)
    codes = []
    for item in request.get("codes", []):
        totp = pyotp.TOTP(
            item["secret"],
            digits=item["digits"],
            digest=DIGESTS[item["algorithm"]],
            interval=item["period"],
        )
        codes.append(totp.at(item["time"]))
    uris = []
    for uri in request.get("uris", []):
        otp = pyotp.parse_uri(uri)
        uris.append(
            {
                "type": type(otp).__name__,
                "secret": otp.secret,
                "issuer": otp.issuer,
                "name": otp.name,
                "algorithm": NAMES[otp.digest().name],
                "digits": otp.digits,
                "period": getattr(otp, "interval", None),
            }
        )
    json.dump({"codes": codes, "uris": uris}, sys.stdout)


if __name__ == "__main__":
    main()
