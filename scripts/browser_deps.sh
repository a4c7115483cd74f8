#!/bin/sh
# Installs what the browser test suite needs, without downloading any browser build:
#   - Debian's chromium, CJK fonts and poppler-utils (pdffonts/pdfsig) with apt-get when chromium is missing;
#   - axe-core from the npm registry, vendored into var/vendor/axe.min.js when missing.
# Idempotent and quiet when everything is present.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENDOR="$ROOT/var/vendor"
AXE="$VENDOR/axe.min.js"
AXE_VERSION="${AXE_VERSION:-4}"

if [ ! -x /usr/bin/chromium ]; then
    echo "browser-deps: installing chromium, fonts-noto-cjk and poppler-utils with apt-get"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-noto-cjk poppler-utils >/dev/null
fi

if [ ! -s "$AXE" ]; then
    echo "browser-deps: vendoring axe-core@$AXE_VERSION from the npm registry"
    if ! command -v npm >/dev/null 2>&1; then
        echo "browser-deps: npm is needed to fetch axe-core (apt-get install npm)" >&2
        exit 1
    fi
    TMPD=$(mktemp -d)
    trap 'rm -rf "$TMPD"' EXIT
    (cd "$TMPD" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null && tar -xzf axe-core-*.tgz)
    mkdir -p "$VENDOR"
    cp "$TMPD/package/axe.min.js" "$AXE"
    cp "$TMPD/package/LICENSE" "$VENDOR/axe-core.LICENSE" 2>/dev/null || true
fi
