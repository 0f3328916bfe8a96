#!/usr/bin/env bash
# The browser of the browser tests (src/zhenwu/browser_tests): Debian's Chromium, and a CJK font so
# that Chinese pages render (without one they show boxes). Installs both from the Debian packages when
# either is missing; returns at once when both are there. Usage: scripts/install-browser.sh
set -euo pipefail

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [ -x /usr/bin/chromium ] && installed fonts-noto-cjk; then
  exit 0
fi

echo "Chromium or the CJK font is not installed; installing them from the Debian packages…" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "error: installing Chromium needs root (apt-get). Install the 'chromium' and 'fonts-noto-cjk' packages and retry." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk >/dev/null
