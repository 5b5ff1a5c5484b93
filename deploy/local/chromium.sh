#!/usr/bin/env bash
# Make sure Debian's chromium and its chromedriver are installed for the browser tests
# (tests/browser/): installs them with apt when missing; never downloads a browser.
set -euo pipefail
chromium="${LINLI_CHROMIUM:-/usr/bin/chromium}"
driver="${LINLI_CHROMEDRIVER:-/usr/bin/chromedriver}"
if [ -x "$chromium" ] && [ -x "$driver" ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "The browser tests need Debian's chromium and chromium-driver: install them (e.g. 'sudo apt-get install chromium chromium-driver fonts-noto-cjk')." >&2
  exit 1
fi
echo "installing chromium, chromium-driver and CJK fonts for the browser tests ..."
DEBIAN_FRONTEND=noninteractive apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null
