#!/usr/bin/env bash
# Builds orca and starts a single-node cluster (today: the API server).
# Works on a fresh Debian machine as root with only Go installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
./hack/install-deps.sh
mkdir -p bin
go build -ldflags "-X orca/internal/buildinfo.gitCommit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" -o bin/orca ./cmd/orca
echo "orca built: bin/orca. Starting the server; in another shell: bin/orca kubectl get ns"
exec bin/orca server --data-dir "${ORCA_DATA_DIR:-/var/lib/orca}" "$@"
