#!/usr/bin/env bash
# The doctor's report in a real browser: starts BINARY on a throwaway SQLite file, opens a demo
# account, fetches its report with the session cookie into a file (Chromium's command line
# cannot send a cookie), checks the response headers, and prints the file to PDF with headless
# Chromium. Fails unless a PDF of at least one page results.
#
#   scripts/report-print-check.sh target/release/medtracker                  (what .ci/run does)
#   SCREENSHOT=docs/report.png scripts/report-print-check.sh target/debug/medtracker
#
# SCREENSHOT=path also saves a PNG of the page as the browser shows it (the README's picture).
# Needs the Debian package chromium (.ci/run installs it when missing).
set -euo pipefail
cd "$(dirname "$0")/.."

binary=${1:?usage: scripts/report-print-check.sh path/to/medtracker}
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
browser=$(command -v chromium || command -v chromium-browser || true)
[ -x "$binary" ] || { echo "missing $binary" >&2; exit 1; }
[ -n "$browser" ] || { echo "chromium is missing (Debian package chromium)" >&2; exit 1; }

work=$(mktemp -d)
server_pid=
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        wait "$server_pid" || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"
(
    cd "$work"
    exec env DATABASE_URL="sqlite://$work/report.db" BIND_ADDR="127.0.0.1:$port" \
        APP_ENV=test RATE_LIMIT_ENABLED=false RUST_LOG=warn "$binary" serve
) >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
    curl -fsS "$url/health/ready" >/dev/null 2>&1 && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.5
done

echo "== a demo account's report from $url"
curl -fsS -c "$work/cookies" -X POST "$url/auth/demo" >/dev/null
curl -fsS -b "$work/cookies" -D "$work/headers" -o "$work/report.html" "$url/api/v1/report"
header() { grep -i "^$1:" "$work/headers" | cut -d' ' -f2- | tr -d '\r'; }
expect_header() {
    local got
    got=$(header "$1")
    if [ "$got" != "$2" ]; then
        echo "$1 is '$got', expected '$2'" >&2
        exit 1
    fi
}
expect_header content-type 'text/html; charset=utf-8'
expect_header content-security-policy "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
header content-disposition | grep -Eq '^inline; filename="medtracker-report-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{4}-[0-9]{2}-[0-9]{2}\.html"$' \
    || { echo "unexpected Content-Disposition: $(header content-disposition)" >&2; exit 1; }
echo "report: $(wc -c <"$work/report.html") bytes, $(grep -o '<figure' "$work/report.html" | wc -l) charts"

# A fresh profile, and every background service off: the browser talks to no one.
chrome() {
    "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$(mktemp -d "$work/profile.XXXXXX")" "$@" 2>>"$work/chromium.log"
}

echo "== print to PDF with $("$browser" --version 2>/dev/null || echo chromium)"
chrome --no-pdf-header-footer --print-to-pdf="$work/report.pdf" "file://$work/report.html" \
    || { cat "$work/chromium.log" >&2; exit 1; }
pages=$(python3 - "$work/report.pdf" <<'EOF'
import re, sys
data = open(sys.argv[1], "rb").read()
if not data.startswith(b"%PDF-"):
    print(0)
else:
    # Page objects: "/Type /Page" not followed by "s" (which would be the page tree).
    print(len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", data)))
EOF
)
if [ "${pages:-0}" -lt 1 ]; then
    echo "no PDF page was printed" >&2
    cat "$work/chromium.log" >&2
    exit 1
fi
echo "PDF: $(wc -c <"$work/report.pdf") bytes, $pages page(s)"

if [ -n "${SCREENSHOT:-}" ]; then
    chrome --hide-scrollbars --window-size=900,1500 --screenshot="$work/report.png" \
        "file://$work/report.html" || { cat "$work/chromium.log" >&2; exit 1; }
    cp "$work/report.png" "$SCREENSHOT"
    echo "screenshot: $SCREENSHOT"
fi
