#!/usr/bin/env bash
# Builds the static pause program for each architecture orca runs on and
# writes pause-<arch>.gz next to this script; pause.go embeds them, so the
# results are committed. Run through `go generate ./internal/image/pause/`
# or `make generate`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PATH=/usr/local/go/bin:$PATH
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for arch in amd64 arm64; do
	CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -ldflags='-s -w' -o "$tmp/pause-$arch" ./cmd/pause
	# -n: no name or timestamp in the header, so rebuilding gives the same bytes.
	gzip -n -9 -c "$tmp/pause-$arch" >"pause-$arch.gz"
	echo "generated internal/image/pause/pause-$arch.gz ($(stat -c %s "pause-$arch.gz") bytes)"
done
