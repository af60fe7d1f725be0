#!/usr/bin/env bash
# Builds orca and starts a single-node cluster (server and node agent in one process).
# Works on a fresh Debian machine as root with only Go installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
./hack/install-deps.sh
./hack/build.sh bin/orca
echo "orca built: bin/orca. Starting a one-node cluster; in another shell: bin/orca kubectl get nodes"
exec bin/orca up --data-dir "${ORCA_DATA_DIR:-/var/lib/orca}" "$@"
