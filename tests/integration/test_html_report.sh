#!/usr/bin/env bash
# scan, analyze and match --html from real runs (a loopback s_server, shared captures,
# built-in profiles) loaded in headless Chromium: no console errors, the cells, outcomes
# and suites of the same run's JSON, a click on a failing cell shows its reason, peer text
# never runs as script, the pages read with scripts off; tidy validates each page. Screenshots in
# $TLSD_BUILD/test-output/html_report. Skips (77) without chromium and chromium-driver.
exec timeout 900 python3 "$(dirname "$0")/html_report.py"
