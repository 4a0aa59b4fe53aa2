#!/usr/bin/env bash
# Regenerates the real bundles of tests/fixtures/acp-rich/ from scratch with the acpx CLI
# 0.19.1 from npm and mock-agent-rich.mjs, then derives KINDS.json from them.
# Requires node >= 20, npm, and `script` (util-linux) for the one run that needs a TTY.
# Parameters (environment): NPMDIR (acpx install, default /tmp/acp-rich-npm), WORK (scratch,
# default /tmp/acp-rich-gen, wiped), OUT (default tests/fixtures/acp-rich of this checkout).
# Every run gets its own HOME under $WORK; nothing touches the real ~/.acpx.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-/tmp/acp-rich-gen}
NPMDIR=${NPMDIR:-/tmp/acp-rich-npm}
OUT=${OUT:-$REPO/tests/fixtures/acp-rich}
command -v script >/dev/null || { echo "generate.sh: needs script(1) from util-linux" >&2; exit 2; }

mkdir -p "$NPMDIR"
(cd "$NPMDIR" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund acpx@0.19.1 >/dev/null)
node -e 'const v=require(process.argv[1]).version; if (v !== "0.19.1") { console.error(`acpx ${v}, want 0.19.1`); process.exit(2); }' \
  "$NPMDIR/node_modules/acpx/package.json"
# The mock imports the ACP SDK, so it must sit next to node_modules.
cp "$HERE/mock-agent-rich.mjs" "$HERE/rich-content.mjs" "$HERE/rich-tools.mjs" "$NPMDIR/"
ACPX="$NPMDIR/node_modules/.bin/acpx"

rm -rf "$WORK"
mkdir -p "$WORK"

# prepare NAME: a fresh HOME and working directory (the session's cwd) for one run. The
# cwd holds the flows and a notes.txt that the agent's fs/* requests read and overwrite.
prepare() {
  local dir="$WORK/$1"
  mkdir -p "$dir/home/.acpx" "$dir/flows"
  sed "s#@NPMDIR@#$NPMDIR#g" "$HERE/acpx-config.json" > "$dir/home/.acpx/config.json"
  cp "$HERE"/flows/*.flow.ts "$dir/flows/"
  printf 'line one\nline two\nline three\n' > "$dir/flows/notes.txt"
}

# run NAME ACPX-ARGS...: one flow run; stdin is not a TTY, so acpx never asks.
run() {
  local name=$1; shift
  prepare "$name"
  echo "== $name: acpx $*"
  (cd "$WORK/$name/flows" && HOME="$WORK/$name/home" "$ACPX" "$@" < /dev/null > "$WORK/$name/out" 2> "$WORK/$name/err") ||
    echo "   (exit $?)"
}

run rich-content --approve-all --format json flow run rich-content.flow.ts
run permissions-approve-reads --approve-reads --format json flow run rich-permissions.flow.ts --input-json '{"mode":"approve-reads"}'
run permissions-deny-all --deny-all --format json flow run rich-permissions.flow.ts --input-json '{"mode":"deny-all"}'
# Under a pseudo-terminal acpx asks "(y/N)" for the edit and waits; the node timeout cancels it.
name=permission-cancelled
prepare "$name"
echo "== $name: acpx --approve-reads (under script(1))"
(cd "$WORK/$name/flows" && HOME="$WORK/$name/home" \
  script -qec "'$ACPX' --approve-reads --format json flow run rich-cancel.flow.ts" /dev/null < /dev/null > "$WORK/$name/out" 2>&1) ||
  echo "   (exit $?)"

# Replace the previous bundles and manifest only once every run has made its bundle.
names=(rich-content permissions-approve-reads permissions-deny-all permission-cancelled)
for name in "${names[@]}"; do
  runs=("$WORK/$name"/home/.acpx/flows/runs/*)
  [ ${#runs[@]} -eq 1 ] && [ -f "${runs[0]}/manifest.json" ] || { echo "generate.sh: $name made no single bundle" >&2; exit 1; }
done
mkdir -p "$OUT"
for old in "$OUT"/*/manifest.json; do [ -f "$old" ] && rm -rf "$(dirname "$old")"; done
for name in "${names[@]}"; do cp -r "$WORK/$name"/home/.acpx/flows/runs/* "$OUT/$name"; done
node "$HERE/kinds.mjs" "$OUT" > "$WORK/KINDS.json"   # fails if a kind is missing
mv "$WORK/KINDS.json" "$OUT/KINDS.json"
du -sb "$OUT"/* && du -sb "$OUT"
