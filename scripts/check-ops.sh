#!/usr/bin/env bash
# Checks the deployment files under ops/ (run by `make ops-check`, which `make test` runs after the Swift tests):
#
#   ops/tessera.service              systemd-analyze verify (any warning fails), systemd-analyze security (exposure
#                                    at most 2.0), every --flag of ExecStart exists in the built `tessera serve
#                                    --help`, TimeoutStopSec exceeds --shutdown-grace or, with --config, the
#                                    shutdown_grace_seconds of ops/tessera.example.json (the Swift test
#                                    ExampleConfigTests loads that file through the real loader)
#   ops/prometheus/*.yml             promtool check rules, promtool test rules, every tessera_* metric the rules
#                                    use is one of Sources/TesseraObservability/MetricName.swift
#   ops/compose.yaml, ops/Dockerfile every --flag of the `tessera serve` they run exists in `tessera serve --help`
#                                    (the images are not built here)
#   ops/postgres/bootstrap.sql       not here: Tests/TesseraStoreTests/PostgresRolesTests.swift applies it
#
# A missing tool is installed from Debian (systemd, prometheus for promtool, without its recommended packages and
# without starting its daemon). A check is skipped, with a line saying so, only when its tool cannot be installed
# (no root, no sudo, or apt fails); every other problem fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."

failures=0
skipped=0
fail() { echo "check-ops: FAIL: $*" >&2; failures=$((failures + 1)); }
skip() { echo "check-ops: SKIPPED: $*" >&2; skipped=$((skipped + 1)); }
pass() { echo "check-ops: ok: $*"; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else
        return 1
    fi
}

# ensure_tool TOOL PACKAGE: installs PACKAGE when TOOL is not on PATH; non-zero when it cannot.
ensure_tool() {
    local tool=$1 package=$2
    command -v "$tool" >/dev/null && return 0
    echo "check-ops: installing $package (for $tool)"
    # A package whose maintainer script would start a daemon (prometheus) must not start it here: policy-rc.d
    # answering 101 is Debian's way to say so; one already in place (containers have one) is left alone.
    local policy=/usr/sbin/policy-rc.d added_policy=""
    if [ ! -e "$policy" ] && as_root sh -c "printf '#!/bin/sh\nexit 101\n' > $policy && chmod 755 $policy"; then
        added_policy=yes
    fi
    local status=0
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" \
        >/dev/null 2>&1 \
        || { as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null 2>&1 \
            && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package" \
                >/dev/null 2>&1; } || status=$?
    if [ -n "$added_policy" ]; then as_root rm -f "$policy"; fi
    [ "$status" -eq 0 ] && command -v "$tool" >/dev/null
}

# The built `tessera` (debug or release, any triple), or $TESSERA_BIN; empty when there is none.
find_tessera() {
    if [ -n "${TESSERA_BIN:-}" ]; then echo "$TESSERA_BIN"; return; fi
    local candidate
    for candidate in .build/debug/tessera .build/*/debug/tessera .build/release/tessera .build-release/release/tessera; do
        if [ -x "$candidate" ]; then echo "$candidate"; return; fi
    done
}

serve_help=""
tessera=$(find_tessera)
if [ -n "$tessera" ]; then
    serve_help=$("$tessera" serve --help 2>&1) || { fail "$tessera serve --help exited non-zero"; serve_help=""; }
fi

# check_flags WHAT TEXT: every --flag in TEXT must be an option of `tessera serve`.
check_flags() {
    local what=$1 text=$2 flag missing=""
    if [ -z "$serve_help" ] && [ -n "${CI:-}" ]; then
        fail "$what: no built tessera to compare flags with (CI must build it first: make ops-check does)"
        return
    elif [ -z "$serve_help" ]; then
        skip "$what: flags not compared with 'tessera serve --help' (no built tessera: run 'swift build' or set TESSERA_BIN)"
        return
    fi
    for flag in $(grep -oE -- '--[a-z][a-z0-9-]+' <<<"$text" | sort -u); do
        grep -qE -- "(^|[[:space:],])${flag}([[:space:]=,]|$)" <<<"$serve_help" || missing+=" $flag"
    done
    if [ -n "$missing" ]; then fail "$what: not options of 'tessera serve':$missing"; else pass "$what: flags exist"; fi
}

# --- systemd -----------------------------------------------------------------------------------------------------
unit=ops/tessera.service
# ExecStart with its continuation lines joined.
exec_start=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$unit" | tr -d '\\\n')
check_flags "$unit ExecStart" "$exec_start"

# The grace period: ExecStart's --shutdown-grace, else the settings file's shutdown_grace_seconds. The unit reads
# /etc/tessera/tessera.json, installed from ops/tessera.example.json: that file must be what --config names.
example=ops/tessera.example.json
grace=$(grep -oE -- '--shutdown-grace [0-9]+' <<<"$exec_start" | awk '{print $2}' || true)
grace_from="--shutdown-grace"
if [ -z "$grace" ]; then
    if grep -qE -- '--config /etc/tessera/tessera\.json( |$)' <<<"$exec_start"; then
        grace=$(sed -n 's/^ *"shutdown_grace_seconds": *\([0-9][0-9]*\),\{0,1\}$/\1/p' "$example")
        grace_from="$example shutdown_grace_seconds"
    else
        fail "$unit: ExecStart gives neither --shutdown-grace nor --config /etc/tessera/tessera.json (from $example)"
    fi
fi
stop=$(sed -n 's/^TimeoutStopSec=\([0-9]*\)$/\1/p' "$unit")
if [ -n "$grace" ] && [ -n "$stop" ] && [ "$stop" -gt "$grace" ]; then
    pass "$unit: TimeoutStopSec=$stop exceeds $grace_from $grace"
else
    fail "$unit: TimeoutStopSec (${stop:-unset}) must be a whole number of seconds above $grace_from (${grace:-unset})"
fi
for directive in 'User=tessera' 'NoNewPrivileges=yes' 'ProtectSystem=strict' 'PrivateTmp=yes' \
    'MemoryDenyWriteExecute=yes' 'CapabilityBoundingSet=' 'KillSignal=SIGTERM' 'SystemCallFilter=@system-service'; do
    grep -qxF "$directive" "$unit" || fail "$unit: missing $directive"
done
grep -qE '^LimitMEMLOCK=[0-9]+[KMG]?$' "$unit" || fail "$unit: missing LimitMEMLOCK"
grep -qE '^LoadCredential=root-key:' "$unit" || fail "$unit: the root key must come from LoadCredential="

if ensure_tool systemd-analyze systemd; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # verify needs ExecStart's binary to exist: point it at the built one, or at a stand-in when none is built.
    binary=${tessera:+$(realpath "$tessera")}
    if [ -z "$binary" ]; then
        binary=$work/tessera
        printf '#!/bin/sh\nexit 0\n' >"$binary"
        chmod 755 "$binary"
    fi
    sed "s#^ExecStart=/usr/local/bin/tessera #ExecStart=$binary #" "$unit" >"$work/tessera.service"
    grep -q "^ExecStart=$binary " "$work/tessera.service" || fail "$unit: ExecStart does not start /usr/local/bin/tessera"
    # verify reports problems (unknown keys, bad values) on stderr and still exits 0: any output fails.
    if output=$(systemd-analyze verify "$work/tessera.service" 2>&1) && [ -z "$output" ]; then
        pass "$unit: systemd-analyze verify"
    else
        fail "$unit: systemd-analyze verify: $output"
    fi
    if systemd-analyze security --offline=yes --threshold=20 "$work/tessera.service" >"$work/security.txt" 2>&1; then
        pass "$unit: systemd-analyze security: $(grep -o 'exposure level.*' "$work/security.txt")"
    else
        fail "$unit: systemd-analyze security exposure above 2.0: $(tail -1 "$work/security.txt")"
    fi
else
    skip "$unit: systemd-analyze not available and the 'systemd' package could not be installed"
fi

# --- Prometheus ----------------------------------------------------------------------------------------------------
rules=ops/prometheus/tessera-alerts.yml
known=$(grep -oE '"tessera_[a-z0-9_]+"' Sources/TesseraObservability/MetricName.swift | tr -d '"' | sort -u)
unknown=""
for metric in $(grep -v '^[[:space:]]*#' "$rules" | grep -oE 'tessera_[a-z0-9_]+' | sort -u); do
    base=$(sed -E 's/_(bucket|sum|count)$//' <<<"$metric")
    grep -qxF "$metric" <<<"$known" || grep -qxF "$base" <<<"$known" || unknown+=" $metric"
done
if [ -n "$unknown" ]; then fail "$rules: metrics Tessera does not export:$unknown"; else pass "$rules: metric names"; fi

if ensure_tool promtool prometheus; then
    if output=$(promtool check rules "$rules" 2>&1); then pass "promtool check rules"; else fail "promtool check rules: $output"; fi
    if output=$(cd ops/prometheus && promtool test rules tessera-alerts.test.yml 2>&1); then
        pass "promtool test rules"
    else
        fail "promtool test rules: $output"
    fi
else
    skip "$rules: promtool not available and the 'prometheus' package could not be installed"
fi

# --- containers (not built here) -----------------------------------------------------------------------------------
compose_command=$(sed -n '/^  tessera:/,/^  [a-z]/p' ops/compose.yaml | sed -n '/command:/,/]/p')
check_flags "ops/compose.yaml tessera command" "$compose_command"
docker_command=$(sed -n '/^CMD/,/]/p' ops/Dockerfile)
check_flags "ops/Dockerfile CMD" "$docker_command"

if [ "$failures" -eq 0 ]; then echo "check-ops: every check passed ($skipped skipped)"; else echo "check-ops: $failures check(s) failed ($skipped skipped)"; fi
[ "$failures" -eq 0 ]
