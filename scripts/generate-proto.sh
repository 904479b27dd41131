#!/usr/bin/env bash
# Regenerates the Swift code of proto/ into Sources/TesseraWire/Generated/ (or into the folder given as $1).
#
# proto/ is the source of truth; the generated Swift is committed so that building Tessera needs neither protoc
# nor the plugin. Run this after changing any .proto file, then commit both.
#
# Needs:
#   - protoc (Debian: apt-get install protobuf-compiler);
#   - protoc-gen-swift of the same version as the swift-protobuf the package resolves (Package.resolved), found as
#     $PROTOC_GEN_SWIFT, else `protoc-gen-swift` on PATH, else $PROTOC_GEN_SWIFT_CACHE/protoc-gen-swift
#     ($PROTOC_GEN_SWIFT_CACHE is /tmp/protoc-gen-swift-bin unless set).
#     With BUILD_PLUGIN=1 and none of those, it is built from the resolved swift-protobuf checkout in
#     .build/checkouts/ (about 10 minutes on 2 cores) and kept in $PROTOC_GEN_SWIFT_CACHE.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-"$root/Sources/TesseraWire/Generated"}
cache=${PROTOC_GEN_SWIFT_CACHE:-/tmp/protoc-gen-swift-bin}

find_plugin() {
    if [[ -n "${PROTOC_GEN_SWIFT:-}" ]]; then
        if [[ -x "$PROTOC_GEN_SWIFT" ]]; then echo "$PROTOC_GEN_SWIFT"; fi
    elif command -v protoc-gen-swift >/dev/null 2>&1; then
        command -v protoc-gen-swift
    elif [[ -x "$cache/protoc-gen-swift" ]]; then
        echo "$cache/protoc-gen-swift"
    fi
    return 0
}

# The swift-protobuf version the package resolves, which the generated code must match.
resolved_version() {
    python3 - "$root/Package.resolved" <<'PY'
import json, sys
try:
    pins = json.load(open(sys.argv[1]))["pins"]
except (OSError, KeyError, ValueError):
    sys.exit(0)
for pin in pins:
    if pin.get("identity") == "swift-protobuf":
        print(pin["state"].get("version", ""))
PY
}

plugin=$(find_plugin)
if [[ -z "$plugin" && "${BUILD_PLUGIN:-0}" == "1" ]]; then
    checkout="$root/.build/checkouts/swift-protobuf"
    [[ -d "$checkout" ]] || (cd "$root" && swift package resolve)
    echo "building protoc-gen-swift from $checkout (slow)…" >&2
    swift build -c release --product protoc-gen-swift --package-path "$checkout" --scratch-path "$cache/build" >&2
    mkdir -p "$cache"
    cp "$cache/build/release/protoc-gen-swift" "$cache/protoc-gen-swift"
    plugin="$cache/protoc-gen-swift"
fi
if [[ -z "$plugin" ]]; then
    echo "error: protoc-gen-swift not found (set PROTOC_GEN_SWIFT, put it on PATH, or run with BUILD_PLUGIN=1)" >&2
    exit 2
fi
command -v protoc >/dev/null 2>&1 || { echo "error: protoc not found (apt-get install protobuf-compiler)" >&2; exit 2; }

wanted=$(resolved_version)
actual=$("$plugin" --version | awk '{print $NF}')
if [[ -n "$wanted" && "$actual" != "$wanted" ]]; then
    echo "error: $plugin is version $actual but Package.resolved pins swift-protobuf $wanted" >&2
    exit 2
fi

cd "$root"
mapfile -t protos < <(find proto -name '*.proto' | LC_ALL=C sort)
rm -rf "$out"
mkdir -p "$out"
protoc \
    --plugin=protoc-gen-swift="$plugin" \
    --proto_path=proto \
    --swift_opt=Visibility=Public \
    --swift_opt=FileNaming=FullPath \
    --swift_out="$out" \
    "${protos[@]}"
echo "generated $(find "$out" -name '*.swift' | wc -l) files into $out with protoc-gen-swift $actual" >&2
