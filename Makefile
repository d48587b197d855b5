# innative — the two commands the README promises:
#   make demo   compile bundled fixtures to native code and run them
#   make test   every test: unit + integration tests, the spec suite, then the
#               official WASI test suite at -O0 and -O2
#               (`make spec` runs the 2.0 suite, `make spec3` the 3.0 suite)
# Both first run scripts/setup.sh, which installs missing Debian packages.

SHELL := /bin/bash
CARGO ?= cargo
# The WebAssembly 2.0 core spec suite, beside the repository.
TESTSUITE ?= ../shared/testsuite/wasm-2.0
# The WebAssembly 3.0 suite: what needs SIMD or GC heap types is reported as
# skipped (with the reason); anything else must pass.
TESTSUITE3 ?= ../shared/testsuite/wasm-3.0

.PHONY: all setup build fixtures demo test unit-test spec spec3 wasi-testsuite
# One step at a time even under `make -j`: the steps share cargo's target dir.
.NOTPARALLEL:

all: build

setup:
	scripts/setup.sh

build: setup
	$(CARGO) build --workspace

fixtures: setup
	fixtures/build.sh

demo: build fixtures
	scripts/demo.sh

unit-test: build fixtures
	$(CARGO) test --workspace

# The spec run ends with the `N passed, M failed` line; its exit status is
# non-zero when anything fails.
spec: build
	@if compgen -G '$(TESTSUITE)/*.wast' >/dev/null; then \
	  echo "== innative wast $(TESTSUITE)/*.wast"; \
	  $(CARGO) run --quiet --bin innative -- wast --standard 2.0 $(TESTSUITE)/*.wast; \
	else \
	  echo "== spec suite not found at $(TESTSUITE); skipping the spec run"; \
	fi

spec3: build
	@if compgen -G '$(TESTSUITE3)/*.wast' >/dev/null; then \
	  echo "== innative wast $(TESTSUITE3)/*.wast"; \
	  $(CARGO) run --quiet --bin innative -- wast --standard 3.0 $(TESTSUITE3)/*.wast; \
	else \
	  echo "== 3.0 spec suite not found at $(TESTSUITE3); skipping the 3.0 spec run"; \
	fi

# The WASI preview 1 test suite (../shared/wasi-testsuite), on a fresh copy,
# at -O0 and -O2; fails unless every program passes at both.
wasi-testsuite: build
	scripts/wasi-testsuite.sh

test: unit-test spec spec3 wasi-testsuite
