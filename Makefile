# Build, run and test lambda-wasm. `make help` lists the targets.

CARGO ?= cargo
# The handlers: every crate directly under guest/ but the SDK (`make new-handler` adds one).
GUESTS := $(filter-out sdk,$(notdir $(patsubst %/Cargo.toml,%,$(wildcard guest/*/Cargo.toml))))
# The guest SDK the handlers are written with: linted and tested with them.
SDK := lambda-wasm-sdk
# The wasmtime CLI that runs the guests' tests has the major of the host's Wasmtime (Cargo.toml).
WASMTIME_MAJOR := $(shell sed -n 's/^wasmtime = { version = "\([0-9]*\)".*/\1/p' Cargo.toml)
CARGO_COMPONENT_VERSION := 0.21
# The hostile-guest corpus: test components that misbehave on purpose.
HOSTILE := $(addprefix hostile-,bad-header-name bad-status crlf-header env-probe error file-probe huge-response \
	log-flood loop many-headers memory-bomb network-probe outbound-probe panic recursion sleep)
WASM_DIR := target/wasm32-wasip2/release
# Python tools (SAM CLI, cfn-lint, moto): named here, before the targets that need them.
VENV := .venv
BOOTSTRAP := target/release/bootstrap
EVENT ?= host/tests/fixtures/events/tutorial-rest-api.json
COMPONENT ?= $(WASM_DIR)/hello_world.wasm
PORT ?= 3000
PAYLOAD ?= v1

.PHONY: help setup components host serve invoke serve-users stop-local-dynamodb test lint tools \
	test-guests test-cargo-component bench new-handler test-new-handler

help:
	@echo "make setup       install the Rust toolchain of rust-toolchain.toml, with wasm32-wasip2"
	@echo "make components  build every guest component into $(WASM_DIR)"
	@echo "make host        build bootstrap into $(BOOTSTRAP)"
	@echo "make serve       build hello-world and serve it on http://127.0.0.1:3000 (PORT, PAYLOAD=v1|v2)"
	@echo "make invoke      run EVENT (default: the tutorial request) through COMPONENT"
	@echo "make serve-users the users API on http://127.0.0.1:3000 against a local DynamoDB (moto)"
	@echo "make stop-local-dynamodb  stop that DynamoDB (its users go with it)"
	@echo "make test        lint, build the components, run every test"
	@echo "make new-handler NAME=orders  a new handler crate in guest/orders, built, with a passing test"
	@echo "make tools       install the wasmtime CLI (runs the guests' tests) and cargo-component"
	@echo "make test-guests the SDK's and handlers' unit tests, inside wasmtime"
	@echo "make test-cargo-component  build the handlers with cargo component; run the host's handler tests on them"
	@echo "make bench       every benchmark, ratios printed, BENCHMARKS.png drawn (see BENCHMARKS.md)"
	@echo "make package     build the layer (bootstrap) and each function's component as zips in target/deploy"
	@echo "make sam-build   sam build (no Docker): the same artifacts in .aws-sam/build, for sam deploy"

# rust-toolchain.toml names the toolchain, its components and the wasm32-wasip2 target.
setup:
	rustup toolchain install

# `cargo install` builds each tool once (minutes each); an installed version that fits is kept.
tools: setup
	wasmtime --version 2>/dev/null | grep -qF 'wasmtime $(WASMTIME_MAJOR).' || \
	  $(CARGO) install wasmtime-cli --version '^$(WASMTIME_MAJOR)' --locked
	$(CARGO) component --version 2>/dev/null | grep -qF ' $(CARGO_COMPONENT_VERSION).' || \
	  $(CARGO) install cargo-component --version '^$(CARGO_COMPONENT_VERSION)' --locked

# A new handler from guest/template: the crate, its workspace entry, and its component built.
new-handler: setup
	python3 guest/template/new_handler.py '$(NAME)'
	$(CARGO) fmt -p '$(NAME)'
	$(CARGO) build --release --target wasm32-wasip2 -p '$(NAME)'
	@echo "serve it: make serve COMPONENT=$(WASM_DIR)/$(subst -,_,$(NAME)).wasm"

test-new-handler: host tools
	guest/template/check_new_handler.sh

# The guests' unit tests, run inside wasmtime: .cargo/config.toml makes it the runner.
test-guests: setup tools
	$(CARGO) test --release --target wasm32-wasip2 $(addprefix -p ,$(SDK) $(GUESTS))

# The other way to build a handler: `cargo component build` (wasm32-wasip1 and the WASI adapter,
# into target/wasm32-wasip1/release). The host's handler tests then run on those components.
test-cargo-component: tools
	$(CARGO) component build --release $(addprefix -p ,$(GUESTS))
	LAMBDA_WASM_COMPONENTS=$(CURDIR)/target/wasm32-wasip1/release \
	  $(CARGO) test --release -p lambda-wasm-host --test handlers

components: setup
	$(CARGO) build --release --target wasm32-wasip2 $(addprefix -p ,$(GUESTS) $(HOSTILE))

host:
	$(CARGO) build --release -p lambda-wasm-host

serve: host setup
	$(CARGO) build --release --target wasm32-wasip2 -p hello-world
	$(BOOTSTRAP) serve --component $(COMPONENT) --port $(PORT) --payload $(PAYLOAD)

invoke: host components
	$(BOOTSTRAP) invoke --event $(EVENT) --component $(COMPONENT)

# The users API on a local DynamoDB: moto on a free port with template.yaml's table, left
# running between runs so that the users outlive a restart (deploy/serve-users.sh).
serve-users: host setup $(VENV)/.tools
	$(CARGO) build --release --target wasm32-wasip2 -p users
	deploy/serve-users.sh $(BOOTSTRAP) $(WASM_DIR)/users.wasm $(PORT)

stop-local-dynamodb:
	deploy/serve-users.sh --stop

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release -p lambda-wasm-host -p lambda-wasm-routes -p users-native --all-targets --all-features -- -D warnings
	$(CARGO) clippy --release --target wasm32-wasip2 $(addprefix -p ,$(SDK) $(GUESTS) $(HOSTILE) hostile-support http-hello) --all-targets -- -D warnings

# The host's tests start moto (the users API's DynamoDB) from the venv.
test: tools lint components package $(VENV)/.tools
	$(CARGO) test --release -p lambda-wasm-host -p lambda-wasm-routes
	$(MAKE) --no-print-directory test-guests test-cargo-component
	$(MAKE) --no-print-directory test-sam test-cargo-lambda test-new-handler

# Benchmarks: criterion, cold start, RSS over 1M invocations, serve under wrk against a native
# server and `wasmtime serve` (host/benches/run.py prints the ratios).
bench: host components tools $(VENV)/.tools
	$(CARGO) build --release -p lambda-wasm-host --examples
	$(CARGO) build --release -p users-native
	$(CARGO) build --release --target wasm32-wasip2 -p http-hello
	python3 host/benches/run.py

# Deploy. SAM's makefile builder runs `make build-<LogicalId>` from the root with ARTIFACTS_DIR set
# (template.yaml: ContextPath and WorkingDirectory); `make package` runs the same targets into
# target/deploy and zips them, without SAM.

DEPLOY_DIR := target/deploy
DEPLOY_ARTIFACTS := BootstrapLayer HelloWorldFunction UsersFunction
# Amazon Linux 2023 (provided.al2023) has glibc 2.34: the layer's bootstrap may need no newer one.
GLIBC_MAX := 2.34
# Empty: the layer ships the native release build, checked against GLIBC_MAX. Else a target for
# cargo-zigbuild: aarch64-unknown-linux-gnu.2.34 for arm64 (the suffix is the glibc to link
# against), x86_64-unknown-linux-gnu.2.34 when the native build needs too new a glibc.
LAYER_TARGET ?=
LAYER_BIN := $(if $(LAYER_TARGET),target/$(firstword $(subst ., ,$(LAYER_TARGET)))/release/bootstrap,$(BOOTSTRAP))
# SAM CLI, cfn-lint, moto (the local DynamoDB) and cargo-zigbuild come from PyPI into a
# virtualenv of their own (VENV, at the top).
PY_TOOLS := aws-sam-cli==1.170.0 cfn-lint==1.58.0 'moto[server]==5.2.5'
SAM := SAM_CLI_TELEMETRY=0 $(VENV)/bin/sam

.PHONY: package layer-bin check-glibc cfn-lint sam-build test-sam test-cargo-lambda \
	$(addprefix build-,$(DEPLOY_ARTIFACTS))

$(VENV)/.tools: Makefile
	test -x $(VENV)/bin/pip || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	touch $@

$(VENV)/bin/cargo-zigbuild: $(VENV)/.tools
	$(VENV)/bin/pip install --quiet --disable-pip-version-check cargo-zigbuild==0.24.0

layer-bin: $(if $(LAYER_TARGET),$(VENV)/bin/cargo-zigbuild)
ifeq ($(LAYER_TARGET),)
	$(CARGO) build --release -p lambda-wasm-host
else
	rustup target add $(firstword $(subst ., ,$(LAYER_TARGET)))
	PATH="$(abspath $(VENV))/bin:$$PATH" $(CARGO) zigbuild --release -p lambda-wasm-host --target $(LAYER_TARGET)
endif

# Refuses a bootstrap that needs a glibc symbol newer than Amazon Linux 2023's.
check-glibc: layer-bin
	@needs=$$(readelf -V -W $(LAYER_BIN) | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -uV | tail -n 1); \
	if [ -z "$$needs" ]; then \
	  echo "$(LAYER_BIN) needs no glibc"; \
	elif [ "$$(printf '%s\n' "$$needs" $(GLIBC_MAX) | sort -V | tail -n 1)" = "$(GLIBC_MAX)" ]; then \
	  echo "$(LAYER_BIN) needs glibc $$needs; Amazon Linux 2023 has $(GLIBC_MAX)"; \
	else \
	  echo "$(LAYER_BIN) needs glibc $$needs, newer than Amazon Linux 2023's $(GLIBC_MAX):" \
	       "build with LAYER_TARGET=x86_64-unknown-linux-gnu.$(GLIBC_MAX)" >&2; \
	  exit 1; \
	fi

# The layer: bootstrap at its root, so /opt/bootstrap on Lambda.
build-BootstrapLayer: check-glibc
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: `sam build` sets it; or run `make package`))
	install -D -m 755 $(LAYER_BIN) "$(ARTIFACTS_DIR)/bootstrap"

# $(call function-code,CRATE): the guest's release component, alone in ARTIFACTS_DIR.
define function-code
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: `sam build` sets it; or run `make package`))
	$(CARGO) build --release --target wasm32-wasip2 -p $(1)
	install -D -m 644 $(WASM_DIR)/$(subst -,_,$(1)).wasm "$(ARTIFACTS_DIR)/$(subst -,_,$(1)).wasm"
endef

build-HelloWorldFunction: setup
	$(call function-code,hello-world)

build-UsersFunction: setup
	$(call function-code,users)

# The artifacts without SAM: target/deploy/<LogicalId>/ and target/deploy/<LogicalId>.zip.
package:
	rm -rf $(DEPLOY_DIR)
	for id in $(DEPLOY_ARTIFACTS); do \
	  $(MAKE) --no-print-directory build-$$id ARTIFACTS_DIR="$(abspath $(DEPLOY_DIR))/$$id" || exit 1; \
	  (cd $(DEPLOY_DIR)/$$id && zip -q -X -r ../$$id.zip .) || exit 1; \
	done

cfn-lint: $(VENV)/.tools
	$(VENV)/bin/cfn-lint template.yaml

sam-build: $(VENV)/.tools
	$(SAM) build

# `sam build` without Docker, then the deploy test on its output (`make test` runs this).
test-sam: cfn-lint sam-build
	LAMBDA_WASM_ARTIFACTS=.aws-sam/build $(CARGO) test --release -p lambda-wasm-host --test deploy_artifacts

$(VENV)/bin/cargo-lambda: $(VENV)/.tools
	$(VENV)/bin/pip install --quiet --disable-pip-version-check cargo-lambda==1.9.2

# The tutorial's event through `cargo lambda watch` and `cargo lambda invoke`.
test-cargo-lambda: $(VENV)/bin/cargo-lambda components
	PATH="$(abspath $(VENV))/bin:$$PATH" deploy/cargo-lambda-invoke.sh $(WASM_DIR)/hello_world.wasm \
	  host/tests/fixtures/events/tutorial-rest-api.json "Good evening, John of Seattle. Happy Thursday!"
