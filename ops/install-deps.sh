#!/usr/bin/env bash
# Installs what Tessera needs to build, run and test on Debian, and nothing that is already there.
# Idempotent: a second run installs nothing. Needs root (or sudo) only when something is missing.
set -euo pipefail

apt_packages=(
    pkg-config
    libsodium-dev      # secret memory, CSPRNG, Argon2 (fast path)
    libargon2-dev      # Argon2 reference implementation (p > 1, Argon2 v1.0, pepper-free imports)
    libqrencode-dev    # QR codes for TOTP enrolment
    zlib1g-dev         # reading gzip-compressed password lists
    python3-django     # its common-passwords.txt.gz: the ~20,000 common passwords refused as new passwords
    zbar-tools         # tests: decode the QR PNG back to the otpauth URI
    protobuf-compiler  # tests: protoc, the reference protobuf implementation, reads what Swift writes
    postgresql         # tests and production store: initdb/pg_ctl for throwaway servers
    libp11-kit-dev     # build: the PKCS#11 header (p11-kit's pkcs11.h) of the HSM root key shim
    softhsm2           # tests: a software PKCS#11 token for the HSM root key tests
    systemd            # ops checks: systemd-analyze verify/security of ops/tessera.service (promtool, from the
                       # larger `prometheus` package, is installed by scripts/check-ops.sh when it runs)
    python3
    python3-pip
)
python_modules=(argon2:argon2-cffi pyotp:pyotp cryptography:cryptography)

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "install-deps: need root to run: $*" >&2; exit 1
    fi
}

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A python3 outside dpkg (pyenv, a venv) is fine: only ask apt for python when none is on PATH.
if command -v python3 >/dev/null; then
    kept=()
    for pkg in "${missing[@]}"; do
        case "$pkg" in python3|python3-pip) ;; *) kept+=("$pkg") ;; esac
    done
    missing=("${kept[@]+"${kept[@]}"}")
    python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
fi
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

pip_missing=()
for entry in "${python_modules[@]}"; do
    module=${entry%%:*}; dist=${entry#*:}
    python3 -c "import $module" 2>/dev/null || pip_missing+=("$dist")
done
if [ "${#pip_missing[@]}" -gt 0 ]; then
    echo "install-deps: pip installing ${pip_missing[*]}"
    python3 -m pip install -q "${pip_missing[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${pip_missing[@]}"
fi

if ! command -v swift >/dev/null; then
    echo "install-deps: no Swift toolchain on PATH (Swift 6.1 or newer is required; e.g. /opt/swift/usr/bin)" >&2
    exit 1
fi
