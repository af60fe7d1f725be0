#!/usr/bin/env bash
# Regenerates internal/apiserver/openapi/zz_generated.openapi.go from the
# k8s.io/api and k8s.io/apimachinery versions pinned in go.mod.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${ROOT}"

OUT_PKG="orca/internal/apiserver/openapi"
OUT_DIR="internal/apiserver/openapi"

INPUTS=(
  k8s.io/apimachinery/pkg/apis/meta/v1
  k8s.io/apimachinery/pkg/runtime
  k8s.io/apimachinery/pkg/version
  k8s.io/apimachinery/pkg/api/resource
  k8s.io/apimachinery/pkg/util/intstr
  k8s.io/api/core/v1
  k8s.io/api/apps/v1
  k8s.io/api/batch/v1
  k8s.io/api/autoscaling/v1
  k8s.io/api/autoscaling/v2
  k8s.io/api/networking/v1
  k8s.io/api/discovery/v1
  k8s.io/api/coordination/v1
  k8s.io/api/events/v1
  k8s.io/api/rbac/v1
  k8s.io/api/storage/v1
  k8s.io/api/scheduling/v1
  k8s.io/api/policy/v1
  k8s.io/api/authentication/v1
  k8s.io/api/authorization/v1
  # Referenced by batch/v1 (alpha fields of Job); not served.
  k8s.io/api/scheduling/v1alpha3
)

# The API linter's findings are about upstream types we cannot change; keep
# them out of the way but available for inspection.
REPORT="$(mktemp)"
trap 'rm -f "${REPORT}"' EXIT

go run k8s.io/kube-openapi/cmd/openapi-gen \
  --output-dir "${OUT_DIR}" \
  --output-pkg "${OUT_PKG}" \
  --output-file zz_generated.openapi.go \
  --report-filename "${REPORT}" \
  "${INPUTS[@]}"

# Every reference must resolve to a generated model (friendly name). A
# reference still spelled as a Go path means an input package is missing.
if grep -n 'ref("k8s.io/' "${OUT_DIR}/zz_generated.openapi.go"; then
  echo "error: the references above point outside the generated packages; add them to INPUTS" >&2
  exit 1
fi
echo "generated ${OUT_DIR}/zz_generated.openapi.go ($(wc -l <"${OUT_DIR}/zz_generated.openapi.go") lines, $(wc -l <"${REPORT}") API-rule findings)"
