# voxsip: developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go

.PHONY: all demo generate check-generated vet test fuzz

FUZZTIME ?= 20s

all: test

## demo: run a real update through the library against the local fake API (no account needed)
demo:
	$(GO) run ./cmd/voxsip demo

## generate: regenerate generated/ from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail if generated/ differs from what openapi.yaml generates (tree untouched)
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	tar --exclude=./.git -cf - . | tar -C "$$tmp" -xf - && \
	(cd "$$tmp" && $(GO) generate ./...) && \
	diff -ru generated "$$tmp/generated" || \
	{ echo "generated/ is stale: run 'make generate' and commit the result" >&2; exit 1; }

## vet: go vet and gofmt on all code
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi

## test: vet, check-generated, then every test under the race detector
test: vet check-generated
	$(GO) test -race -count=1 ./...

## fuzz: run each fuzz target for FUZZTIME (their seed corpora also run in every `make test`)
fuzz:
	$(GO) test ./auth -run '^$$' -fuzz '^FuzzParseCredentials$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzJudge$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzParseRetryAfter$$' -fuzztime $(FUZZTIME)
