#!/usr/bin/env bash
# Runs the README's curl walk-through as a reader would paste it: every ```sh block that follows
# a `<!-- walkthrough -->` line, in order, in one shell, against a fresh server started from
# BINARY on a throwaway SQLite file. Fails on any answer that is not 2xx (every curl runs with
# --fail) and on an id variable (`MED=$(… | jq -r .id)`) that came back empty or `null`.
#
#   scripts/readme-walkthrough.sh target/release/medtracker     (what .ci/run does)
#   scripts/readme-walkthrough.sh target/debug/medtracker       (by hand)
#
# The only change made to the blocks: the README's address http://127.0.0.1:8000 becomes the
# throwaway server's. Needs curl and jq, as the README says.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

binary=${1:?usage: scripts/readme-walkthrough.sh path/to/medtracker}
binary=$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")
[ -x "$binary" ] || { echo "missing $binary" >&2; exit 1; }
for tool in curl jq python3; do
    command -v "$tool" >/dev/null || { echo "$tool is missing" >&2; exit 1; }
done

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

# The blocks, each as one file, in the README's order.
python3 - "$root/README.md" "$work" <<'PY'
import pathlib, re, sys

readme, out = pathlib.Path(sys.argv[1]).read_text(), pathlib.Path(sys.argv[2])
blocks = re.findall(r"^<!-- walkthrough -->\n```sh\n(.*?)^```$", readme, re.S | re.M)
if not blocks:
    sys.exit("README.md has no block marked <!-- walkthrough -->")
for n, block in enumerate(blocks, 1):
    (out / f"block-{n}.sh").write_text(block)
print(f"{len(blocks)} walk-through blocks")
PY

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

# From the temporary directory, so that no developer's .env is read; otherwise the defaults, as a
# reader's first `cargo run --release` has them.
(
    cd "$work"
    exec env DATABASE_URL="sqlite://$work/walkthrough.db" BIND_ADDR="127.0.0.1:$port" \
        "$binary" serve
) >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 60); do
    if curl -fsS "$url/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.5
done
if ! curl -fsS "$url/health/ready" >/dev/null 2>&1; then
    echo "the server did not become ready; its log:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

# One shell for every block, so that the variables of one (B, J, MED, …) reach the next.
{
    echo 'set -euo pipefail'
    echo 'curl() { command curl --fail --show-error --write-out "\n" "$@"; }'
    echo 'no_null_ids() { for name in "$@"; do value=${!name-}; if [ -z "$value" ] || [ "$value" = null ]; then echo "$name is \"$value\"" >&2; exit 1; fi; done; }'
    for block in "$work"/block-*.sh; do
        n=${block##*/block-}; n=${n%.sh}
        echo "echo; echo '== walk-through block $n'"
        sed "s#http://127.0.0.1:8000#$url#g" "$block"
        ids=$(grep -oE '^[A-Z_][A-Z0-9_]*=\$\(' "$block" | sed 's/=\$($//' | tr '\n' ' ' || true)
        [ -z "$ids" ] || echo "no_null_ids $ids"
    done
} >"$work/walkthrough.sh"

status=0
(cd "$work" && bash "$work/walkthrough.sh") || status=$?
echo
if [ "$status" != 0 ]; then
    echo "the README's walk-through failed (exit $status); the server's last log lines:" >&2
    tail -n 40 "$work/server.log" >&2
    exit 1
fi
echo "the README's walk-through ran as pasted"
