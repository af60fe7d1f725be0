# orca: README.md's two commands are hack/run.sh and hack/test.sh; these targets wrap them.
GO       ?= go
BIN      := bin/orca
DATA_DIR ?= /var/lib/orca
FUZZTIME ?= 20000x

.PHONY: all build run test deps vet bench generate clean

all: build

build:
	./hack/build.sh $(BIN)

deps:
	./hack/install-deps.sh

## run: build and start a single-node cluster (hack/run.sh).
run:
	./hack/run.sh

## test: every test (hack/test.sh).
test:
	./hack/test.sh

vet:
	$(GO) vet ./...

## bench: the apiserver benchmark (startup, idle memory, write latency, watch fan-out).
bench: build
	$(BIN) bench apiserver

## generate: regenerate the OpenAPI definitions from k8s.io/api and the embedded pause binaries.
generate:
	./hack/update-openapi.sh
	$(GO) generate ./internal/image/pause/

clean:
	rm -rf bin
