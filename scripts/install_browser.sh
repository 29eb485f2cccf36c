#!/usr/bin/env bash
# The headless browser tests/test_html_report.py drives: the distribution's chromium package
# (Debian: `chromium`), installed when it is missing. Playwright (the dev extra) drives it;
# `playwright install`, which downloads browsers of its own, is never run.
# FT_LINT_CHROMIUM names another chromium or Chrome binary instead (default /usr/bin/chromium).
set -euo pipefail
browser="${FT_LINT_CHROMIUM:-/usr/bin/chromium}"
if [ -x "$browser" ]; then
    exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    sudo="sudo"
fi
$sudo apt-get install -y chromium || { $sudo apt-get update && $sudo apt-get install -y chromium; }
