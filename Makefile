# Tessera — the commands a developer and CI use. `make help` lists them.
SWIFT ?= swift
BUILD_FLAGS ?=
RELEASE_PATH ?= .build-release
# Arguments of tessera-bench for `make bench`, e.g. BENCH_ARGS="--only auth".
BENCH_ARGS ?=

.PHONY: help deps build run demo test ops-check lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

deps: ## Install missing Debian and Python packages (idempotent)
	@ops/install-deps.sh

build: deps ## Debug build of everything
	$(SWIFT) build $(BUILD_FLAGS)

run: deps ## Build and run the service: embedded SQLite store, development keys, a development caller
	$(SWIFT) build $(BUILD_FLAGS) --product tessera
	@ops/dev-run.sh

demo: deps ## A guided tour of the crypto core (hashing, TOTP, envelopes, tokens) with development keys
	$(SWIFT) build $(BUILD_FLAGS) --product tessera
	@mkdir -p data && chmod 700 data
	@bin="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/tessera" && "$$bin" migrate && "$$bin" demo

test: deps ops-check ## The whole test suite (unit, known-answer, interop, store and end-to-end), after ops-check
	$(SWIFT) test $(BUILD_FLAGS)

ops-check: deps ## Check the deployment files in ops/ (systemd-analyze, promtool, flags against `tessera serve --help`)
	$(SWIFT) build $(BUILD_FLAGS) --product tessera
	@TESSERA_BIN="$$($(SWIFT) build $(BUILD_FLAGS) --show-bin-path)/tessera" scripts/check-ops.sh

lint: ## Check formatting and that generated code is current
	$(SWIFT) format lint --strict --recursive --parallel Package.swift Sources Tests
	@if [ -x scripts/check-generated.sh ]; then scripts/check-generated.sh; fi

format: ## Rewrite sources in the project's format
	$(SWIFT) format format --in-place --recursive --parallel Package.swift Sources Tests

bench: deps ## Benchmarks (release build), printing ratios against raw baselines measured in the same run
	$(SWIFT) run -c release --scratch-path $(RELEASE_PATH) tessera-bench $(BENCH_ARGS)

clean: ## Remove build products
	rm -rf .build $(RELEASE_PATH)
