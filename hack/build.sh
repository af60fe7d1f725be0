#!/usr/bin/env bash
# Builds bin/orca (or the path given) with its version stamped in. The
# embedded kubectl reads its own version from k8s.io/component-base, which
# only -ldflags -X can set: without it `orca kubectl version` fails.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
out=${1:-bin/orca}
kube=$(go list -m -f '{{.Version}}' k8s.io/kubectl | sed 's/^v0\./v1./')   # v0.37.2 -> v1.37.2
minor=$(echo "$kube" | cut -d. -f2)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
cv=k8s.io/component-base/version
ldflags="-X $cv.gitVersion=$kube -X $cv.gitMajor=1 -X $cv.gitMinor=$minor -X $cv.gitCommit=$commit -X $cv.gitTreeState=clean -X $cv.buildDate=$date"
ldflags="$ldflags -X orca/internal/buildinfo.gitCommit=$commit -X orca/internal/buildinfo.buildDate=$date"
mkdir -p "$(dirname "$out")"
go build -ldflags "$ldflags" -o "$out" ./cmd/orca
