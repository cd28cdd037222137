#!/usr/bin/env bash
# analyze --html of a synthetic 100,000-connection capture and scan --html of 500
# loopback targets: each page under 2 MB, saying what it aggregated, its counts right,
# valid (tidy) and without console errors in Chromium (when installed).
exec timeout 1700 python3 "$(dirname "$0")/html_size.py"
