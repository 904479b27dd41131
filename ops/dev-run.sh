#!/usr/bin/env bash
# `make run`: the service on this machine with the embedded SQLite store and the development keys.
# First run: migrates ./data/tessera.sqlite and creates a development caller whose credential is kept in
# ./data/dev-credential (mode 0600). Later runs reuse both. Stop with Ctrl-C (graceful shutdown).
# `tessera serve` runs in production mode unless told otherwise: --development allows the development root key
# (keys-dev/) and plain TCP on 127.0.0.1. For PostgreSQL instead of SQLite, put the URL in a file of mode 0600 and
# export TESSERA_DATABASE_URL_FILE=that-file (never a password on a command line).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="$(swift build --show-bin-path)/tessera"
mkdir -p data
chmod 700 data

"$bin" migrate
if [ ! -s data/callers.json ] || [ ! -s data/dev-credential ]; then
    rm -f data/callers.json
    umask 077
    "$bin" callers add dev --allow '*' --file data/callers.json > data/dev-credential 2>/dev/null
fi
# The server refuses a callers file that group or others could write (tessera callers add writes it 0600).
chmod 600 data/callers.json data/dev-credential

cat <<MSG
tessera: serving on 127.0.0.1:7450 with DEVELOPMENT keys (keys-dev/). In another terminal:
  $bin health --credential-file data/dev-credential
  printf '%s' '{"password":"correct horse"}' | $bin call tessera.v1.Passwords/Hash --json-file - --credential-file data/dev-credential
MSG
exec "$bin" serve --development --callers data/callers.json
