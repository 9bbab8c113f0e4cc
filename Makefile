# voxsip: developer tasks. `make test` is what CI runs (see .ci/run).
GO ?= go

.PHONY: all demo generate check-generated vet lint tidy-check test spec-check breaking-check evolve-check ci fuzz bench bench-client bench-decode bench-peers bench-serve bench-batch

# Pinned tool versions: run with `go run` / `npx`, never dependencies of the library.
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
SPECTRAL := @stoplight/spectral-cli@6.16.3
BENCHSTAT := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
FUZZTIME ?= 20s
BENCHCOUNT ?= 10

all: test

## demo: run a real update through the library against the local fake API (no account needed)
demo:
	$(GO) run ./cmd/voxsip demo

## generate: regenerate generated/ from openapi.yaml
generate:
	$(GO) generate ./...

## check-generated: fail if generated/ (or api/codes.gen.go, or the parameter-shapes fixture) differs from what the specs
## generate (tree untouched)
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	tar --exclude=./.git -cf - . | tar -C "$$tmp" -xf - && \
	(cd "$$tmp" && $(GO) generate ./...) && \
	diff -ru generated "$$tmp/generated" && \
	diff -u internal/params/internal/shapes/shapes.gen.go "$$tmp/internal/params/internal/shapes/shapes.gen.go" && \
	diff -u api/codes.gen.go "$$tmp/api/codes.gen.go" || \
	{ echo "generated/ is stale: run 'make generate' and commit the result" >&2; exit 1; }

## vet: go vet and gofmt on all code
vet:
	$(GO) vet ./...
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:" $$out >&2; exit 1; fi

## lint: staticcheck on all code (generated code is recognised by its header)
lint:
	$(GO) run $(STATICCHECK) ./...

## tidy-check: go.mod and go.sum are tidy
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'" >&2; exit 1; }

## test: vet, gofmt, staticcheck, tidy, check-generated, then every test under the race detector
test: vet lint tidy-check check-generated
	$(GO) test -race -count=1 -timeout 8m ./...

## spec-check: openapi.yaml validates (kin-openapi, examples included) and passes Spectral's lint
spec-check:
	$(GO) test -count=1 -run '^TestSpec' .
	npx --yes $(SPECTRAL) lint --ruleset .spectral.yaml --fail-severity warn openapi.yaml

## breaking-check: no breaking change to openapi.yaml unless CHANGELOG.md lists it (and the guard's selftest)
breaking-check:
	./.ci/breaking-check --selftest
	./.ci/breaking-check

## evolve-check: in a copy of the tree, add parameters of every shape and a second secret to the spec,
## regenerate, test and send them through voxsip serve (no Go change); an object parameter fails go generate
evolve-check:
	./.ci/evolve-check

## ci: everything CI runs
ci: test spec-check breaking-check evolve-check

## fuzz: run each fuzz target for FUZZTIME (their seed corpora also run in every `make test`)
fuzz:
	$(GO) test ./auth -run '^$$' -fuzz '^FuzzParseCredentials$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzJudge$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzJudgeOnePass$$' -fuzztime $(FUZZTIME)
	$(GO) test ./generated -run '^$$' -fuzz '^FuzzDecodeMatchesEncodingJSON$$' -fuzztime $(FUZZTIME)
	$(GO) test ./api -run '^$$' -fuzz '^FuzzParseRetryAfter$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/params -run '^$$' -fuzz '^FuzzBuilderMatchesRuntimeStyling$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/params -run '^$$' -fuzz '^FuzzShapesBuilderMatchesRuntimeStyling$$' -fuzztime $(FUZZTIME)
	$(GO) test ./internal/params -run '^$$' -fuzz '^FuzzDecodeParamsJSON$$' -fuzztime $(FUZZTIME)

## bench: every benchmark below (see BENCHMARKS.md)
bench: bench-client bench-decode bench-serve bench-batch

## bench-client: the client against a hand-written net/http call and a sign-per-call client, and
## its own CPU per call; prints benchstat's table and the medians with client/raw ratios
## (BENCHCOUNT rounds of the whole set, so that each round's raw and client run back to back
## and drift on a noisy machine cannot fall between them)
bench-client:
	$(GO) test -c -o bench.test ./api
	rm -f bench.txt
	for i in $$(seq $(BENCHCOUNT)); do ./bench.test -test.run '^$$' -test.bench '^Benchmark(Update|Overhead)$$' -test.benchmem >> bench.txt; done
	rm -f bench.test
	$(GO) run $(BENCHSTAT) -col /strategy bench.txt
	$(GO) run ./internal/benchratio < bench.txt

## bench-decode: GetSipRegistrations pages (20 rows, 20 rows with error_message, 100 rows) and
## Update against the same hand-written net/http + encoding/json call, over a transport stub
## and over loopback (BENCHCOUNT rounds of the whole set; medians and paired client/raw ratios)
bench-decode:
	$(GO) test -c -o decode.test ./api
	rm -f decode.txt
	for i in $$(seq $(BENCHCOUNT)); do \
		./decode.test -test.run '^$$' -test.bench '^Benchmark(GetPage|Overhead)$$' -test.benchmem >> decode.txt && \
		./decode.test -test.run '^$$' -test.bench '^BenchmarkUpdate$$/^mode=seq$$' -test.benchmem >> decode.txt; done
	rm -f decode.test
	$(GO) run ./internal/benchratio < decode.txt

## bench-peers: voxsip against stock oapi-codegen and ogen generated from openapi.yaml in a
## scratch module (the peers are never dependencies of this module); see BENCHMARKS.md
bench-peers:
	./.ci/bench-peers

## bench-serve: 100k requests through the client against the emulator as voxsip serve runs it;
## throughput, and RSS before and after (LOADN requests, LOADC workers)
LOADN ?= 100000
LOADC ?= 8
bench-serve:
	$(GO) run ./api/apitest/internal/loadtest -n $(LOADN) -c $(LOADC)

## bench-batch: voxsip update --batch against a plain Go worker pool, each its own process, both
## against a minimal API in a third (internal/batchbench): BATCHROUNDS paired rounds of BATCHLINES
## lines at concurrency 16 (which goes first alternates); lines/s, the ratio and its median, new
## TCP connections, CPU per line. BenchmarkBatch (cmd/voxsip) is the same in one process, to profile.
BATCHROUNDS ?= 7
BATCHLINES ?= 50000
bench-batch:
	$(GO) build -o voxsip.bench ./cmd/voxsip
	$(GO) run ./internal/batchbench -voxsip ./voxsip.bench -rounds $(BATCHROUNDS) -lines $(BATCHLINES); status=$$?; rm -f voxsip.bench; exit $$status
