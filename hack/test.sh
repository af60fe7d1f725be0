#!/usr/bin/env bash
# Runs every test: vet, unit, race, integration, end-to-end and a short fuzz run.
# Works on a fresh Debian machine as root with only Go installed.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH=/usr/local/go/bin:$PATH
# A fixed number of inputs per fuzz target rather than a time limit: with
# a time limit, a worker still minimising a new input when time runs out
# makes go test fail with "context deadline exceeded" (seen in CI).
FUZZTIME=${FUZZTIME:-20000x}

step() { echo; echo "=== $*"; }

./hack/install-deps.sh
# Helm, for the e2e test that installs, upgrades and rolls back a chart:
# built from its module (no download site is reachable) once, into bin/tools.
[ -x bin/tools/helm ] || GOBIN="$PWD/bin/tools" go install helm.sh/helm/v4/cmd/helm@v4.3.2

step "go vet"
go vet ./...

step "unit tests"
# Packages with concurrency run under the race detector; the rest plainly.
race_pkgs=(./internal/storage/... ./internal/registry/... ./internal/scheduler/... ./internal/kubelet/... ./internal/controller/... ./internal/proxy/... ./internal/dns/... ./internal/ingress/... ./internal/network/... ./internal/leader/... ./internal/informerset/...)
go test -count=1 $(go list ./internal/... ./cmd/... ./test/images/... | grep -v -e /internal/storage -e /internal/registry -e /internal/scheduler -e /internal/kubelet -e /internal/controller -e /internal/proxy -e /internal/dns -e /internal/ingress -e /internal/network -e /internal/leader -e /internal/informerset)

step "race tests: ${race_pkgs[*]}"
go test -race -count=1 "${race_pkgs[@]}"

step "integration tests (in-process server, client-go)"
go test -race -count=1 -timeout 25m ./test/integration/ ./test/scheduler/ ./test/controllers/

step "end-to-end tests (built binary, stock kubectl)"
go test -count=1 -timeout 20m ./test/e2e/

step "fuzz ($FUZZTIME each)"
for f in FuzzDecodeBody FuzzDecodeJSON FuzzPatch FuzzStatusPatch FuzzRequestInfoAndAccept; do
	go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" ./internal/apiserver/
done
for f in $(grep -ho 'func Fuzz[A-Za-z]*' internal/registry/*_test.go 2>/dev/null | sed 's/func //'); do
	go test -run '^$' -fuzz "^$f\$" -fuzztime "$FUZZTIME" ./internal/registry/
done
for f in FuzzServeDNS FuzzReverseIP; do
	go test -run '^$' -fuzz "^$f\$" -fuzztime "${DNS_FUZZ_EXECS:-60000x}" ./internal/dns/
done
for f in FuzzParseRequestHead FuzzCopyChunked; do
	go test -run '^$' -fuzz "^$f\$" -fuzztime "${INGRESS_FUZZ_EXECS:-50000x}" ./internal/ingress/
done
echo
echo "all tests passed"
