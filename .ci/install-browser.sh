#!/usr/bin/env bash
# Installs what the dashboard's browser test needs (DashboardBrowserIT): Debian's headless
# Chromium and its ChromeDriver, at /usr/bin/chromium and /usr/bin/chromedriver. Run as root
# (CI does); without them the test is skipped locally and fails in CI (RAFTKV_REQUIRE_BROWSER=1).
set -euo pipefail
if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then
  exit 0
fi
echo "Installing chromium and chromium-driver (the dashboard's browser test uses them)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver
chromium --version
chromedriver --version
