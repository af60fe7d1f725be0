# orca: the two commands in README.md are `make run` and `make test`.
GO       ?= go
BIN      := bin/orca
DATA_DIR ?= /var/lib/orca
FUZZTIME ?= 15s
VERSION_LDFLAGS := -X orca/internal/buildinfo.gitCommit=$(shell git rev-parse --short HEAD 2>/dev/null || echo unknown) \
                   -X orca/internal/buildinfo.buildDate=$(shell date -u +%Y-%m-%dT%H:%M:%SZ)

.PHONY: all build run test deps vet unit race integration e2e fuzz bench generate clean

all: build

build:
	$(GO) build -ldflags "$(VERSION_LDFLAGS)" -o $(BIN) ./cmd/orca

deps:
	./hack/install-deps.sh

## run: build and start a single-node cluster (server on :6443; use `bin/orca kubectl`).
run: deps build
	$(BIN) server --data-dir $(DATA_DIR)

## test: every test — unit, race, integration, end-to-end, and a short fuzz run.
test: deps vet unit race integration e2e fuzz

vet:
	$(GO) vet ./...

# Packages with concurrency run under the race detector; the rest plainly.
RACE_PKGS := ./internal/storage/... ./internal/registry/...
unit:
	$(GO) test -count=1 $$($(GO) list ./internal/... ./cmd/... | grep -v -e /internal/storage -e /internal/registry)

race:
	$(GO) test -race -count=1 $(RACE_PKGS)

integration:
	$(GO) test -race -count=1 -timeout 15m ./test/integration/

e2e:
	$(GO) test -count=1 -timeout 20m ./test/e2e/

fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzDecodeBody$$' -fuzztime $(FUZZTIME) ./internal/apiserver/
	$(GO) test -run '^$$' -fuzz '^FuzzPatch$$' -fuzztime $(FUZZTIME) ./internal/apiserver/
	$(GO) test -run '^$$' -fuzz '^FuzzRequestInfoAndAccept$$' -fuzztime $(FUZZTIME) ./internal/apiserver/

## bench: the apiserver benchmark (startup, idle memory, write latency, watch fan-out).
bench: build
	$(BIN) bench apiserver

## generate: regenerate the OpenAPI definitions from k8s.io/api.
generate:
	./hack/update-openapi.sh

clean:
	rm -rf bin
