#!/usr/bin/env bash
# Builds orca and starts a single-node cluster (today: the API server).
# Works on a fresh Debian machine as root with only Go installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
./hack/install-deps.sh
./hack/build.sh bin/orca
echo "orca built: bin/orca. Starting the server; in another shell: bin/orca kubectl get ns"
exec bin/orca server --data-dir "${ORCA_DATA_DIR:-/var/lib/orca}" "$@"
