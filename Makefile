# kubectl packetwalk. `make demo` shows it on a local cluster; `make test` runs every test.
SHELL := /usr/bin/env bash
GO    ?= go
BIN   := bin/kubectl-packetwalk
VERSION ?= $(shell hack/version)

.PHONY: build test lint unit demo dist check-krew vet fmt clean cluster-up cluster-down

build: ## Build bin/kubectl-packetwalk for this machine
	VERSION=$(VERSION) hack/build-plugin $(BIN)

test: ## Every test: lint, unit, kernel (netns), fuzz smoke, end to end on the local cluster (both dataplanes)
	hack/test.sh

lint: ## go vet and golangci-lint (pinned in hack/test.sh, installed from the Go module proxy)
	PHASES=lint hack/test.sh

unit: ## Unit and kernel tests only (no cluster)
	$(GO) test ./...

demo: ## Bring up the local cluster if needed and show packetwalk on it
	hack/demo.sh

dist: ## Static release archives for every platform, with sha256 sums, in dist/
	VERSION=$(VERSION) hack/dist.sh

check-krew: ## Validate krew-manifest/packetwalk.yaml against what dist builds
	$(GO) run ./hack/krewcheck -version "$(VERSION)" krew-manifest/packetwalk.yaml hack/dist.sh

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

cluster-up:
	hack/cluster/up

cluster-down:
	hack/cluster/down

clean:
	rm -rf bin dist
