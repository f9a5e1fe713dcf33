#!/usr/bin/env bash
# Renders the sample report and takes a headless Chromium screenshot of it.
#
# Usage (from anywhere):  docs/scripts/report_screenshot.sh [OUT_DIR] [INPUT_JSON]
#   OUT_DIR     where index.html and report.png go (default: target/report-sample)
#   INPUT_JSON  a report input (default: fixtures/report/sample_input.json)
# Environment:  WINDOW=1400,3000 (screenshot size), CHROMIUM=chromium
#
# Needs Debian's chromium (apt-get install -y chromium). Chromium runs with
# networking features off and a throwaway profile; the page itself loads
# nothing from the network.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
out_dir="${1:-$root/target/report-sample}"
input="${2:-$root/fixtures/report/sample_input.json}"
window="${WINDOW:-1400,3000}"
chromium="${CHROMIUM:-chromium}"

if ! command -v "$chromium" >/dev/null 2>&1; then
    echo "report_screenshot: $chromium not found; install it with: apt-get install -y chromium" >&2
    exit 2
fi

mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
(cd "$root" && cargo run --quiet -p darkdca-report --example render_sample -- "$out_dir" "$input")

profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$out_dir/report.png" --window-size="$window" \
    "file://$out_dir/index.html" 2>"$out_dir/chromium.log" || {
        echo "report_screenshot: chromium failed, see $out_dir/chromium.log" >&2
        exit 1
    }
echo "$out_dir/report.png"
