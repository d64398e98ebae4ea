#!/usr/bin/env bash
# Debian packages the tests need: chromium for the browser tests (never
# `playwright install`), Pango/HarfBuzz and a metric-compatible Arial for WeasyPrint.
# Installs whatever is missing when run as root; otherwise says what to install.
set -euo pipefail
PACKAGES=(chromium libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0
          libfontconfig1 fonts-liberation)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "Missing Debian packages: ${missing[*]} (sudo apt-get install ${missing[*]})." >&2
  echo "Browser and PDF tests will be skipped or fail without them." >&2
fi
