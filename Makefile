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
	log-flood loop many-headers memory-bomb network-probe outbound-probe panic recursion sleep \
	stream wasi-http)
# Standard wasi:http/proxy components (guest/wasi-http/): not handlers of the contract, so not
# in GUESTS; the JavaScript one is built by npm, the Rust one by cargo.
WASI_HTTP := wstd-hello
JS_HELLO := guest/wasi-http/js-hello
WASM_DIR := target/wasm32-wasip2/release
# Python tools (SAM CLI, cfn-lint, moto): named here, before the targets that need them.
VENV := .venv
BOOTSTRAP := target/release/bootstrap
EVENT ?= host/tests/fixtures/events/tutorial-rest-api.json
COMPONENT ?= $(WASM_DIR)/hello_world.wasm
PORT ?= 3000
PAYLOAD ?= v1

.PHONY: help setup components host serve invoke serve-users stop-local-dynamodb test lint tools \
	test-guests test-cargo-component bench new-handler test-new-handler check-docs

help:
	@echo "make setup       install the Rust toolchain of rust-toolchain.toml, with wasm32-wasip2"
	@echo "make components  build every guest component into $(WASM_DIR)"
	@echo "make host        build bootstrap into $(BOOTSTRAP)"
	@echo "make serve       build hello-world and serve it on http://127.0.0.1:3000 (PORT, PAYLOAD=v1|v2)"
	@echo "make invoke      run EVENT (default: the tutorial request) through COMPONENT"
	@echo "make serve-users the users API (writes behind its authorizer) on http://127.0.0.1:3000 against a local DynamoDB (moto)"
	@echo "make stop-local-dynamodb  stop that DynamoDB (its users go with it)"
	@echo "make test        lint, build the components, run every test"
	@echo "make check-docs  every make target and bootstrap subcommand and flag the docs name exists"
	@echo "make new-handler NAME=orders  a new handler crate in guest/orders, built, with a passing test"
	@echo "make tools       install the wasmtime CLI (runs the guests' tests) and cargo-component"
	@echo "make test-guests the SDK's and handlers' unit tests, inside wasmtime"
	@echo "make test-cargo-component  build the handlers with cargo component; run the host's handler tests on them"
	@echo "make bench       every benchmark, ratios printed, BENCHMARKS.png drawn (see BENCHMARKS.md)"
	@echo "make python-component APP=DIR HANDLER=module.function OUT=FILE.wasm  a Python Lambda handler as a component"
	@echo "make test-python the Python adapter's tests, and the Python examples against CPython"
	@echo "make package     build the layer (bootstrap) and each function's component as zips in target/deploy"
	@echo "make sam-build   sam build (no Docker): the same artifacts in .aws-sam/build, for sam deploy"
	@echo "make lambda-sim  every function of template.yaml, as packaged, and the native baseline, run as Lambda runs them (ARGS, ARTIFACTS)"
	@echo "make lambda-sim-arm64  the native baseline built for arm64, run in the sandbox under qemu-user"

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

components: setup $(WASM_DIR)/js_hello.wasm
	$(CARGO) build --release --target wasm32-wasip2 $(addprefix -p ,$(GUESTS) $(HOSTILE) $(WASI_HTTP))

# The JavaScript tutorial: componentize-js (pinned in its package-lock.json) builds it into a
# wasi:http/proxy component. `npm install` at the lock's versions: `npm ci` refuses this lock
# here, as out of sync, for other platforms' optional packages the registry did not resolve.
$(JS_HELLO)/node_modules/.package-lock.json: $(JS_HELLO)/package-lock.json
	cd $(JS_HELLO) && npm install --no-save --no-audit --no-fund

$(WASM_DIR)/js_hello.wasm: $(JS_HELLO)/node_modules/.package-lock.json $(addprefix $(JS_HELLO)/,hello.js build.mjs wit/world.wit)
	mkdir -p $(WASM_DIR)
	node $(JS_HELLO)/build.mjs $@

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
	$(CARGO) build --release --target wasm32-wasip2 -p users -p users-authorizer
	deploy/serve-users.sh $(BOOTSTRAP) $(WASM_DIR)/users.wasm $(WASM_DIR)/users_authorizer.wasm $(PORT)

stop-local-dynamodb:
	deploy/serve-users.sh --stop

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release -p lambda-wasm-host -p lambda-wasm-routes -p users-native -p hello-native --all-targets --all-features -- -D warnings
	$(CARGO) clippy --release --target wasm32-wasip2 $(addprefix -p ,$(SDK) $(GUESTS) $(HOSTILE) $(WASI_HTTP) hostile-support http-hello) --all-targets -- -D warnings

# The docs' commands: each `make` target and `bootstrap` subcommand and flag in README.md,
# docs/*.md and BENCHMARKS.md exists (docs/check.py; its self-test shows made-up ones failing).
check-docs: host
	python3 docs/check.py --self-test $(BOOTSTRAP)
	python3 docs/check.py $(BOOTSTRAP)

# python-examples: host/tests/python.rs runs with the host's other tests; they start moto (the
# users API's DynamoDB) from the venv.
test: tools qemu-user lint check-docs components package native-baseline python-examples \
	python-test-handlers $(VENV)/.tools
	$(CARGO) test --release -p lambda-wasm-host -p lambda-wasm-routes -p hello-native
	$(MAKE) --no-print-directory test-guests test-cargo-component
	$(MAKE) --no-print-directory test-sam test-cargo-lambda test-new-handler test-python-adapter
	$(MAKE) --no-print-directory test-lambda-sim lambda-sim-arm64
	$(RUN_LAMBDA_SIM)

# Benchmarks: criterion, cold start, RSS over 1M invocations, serve under wrk against a native
# server and `wasmtime serve` (host/benches/run.py prints the ratios).
bench: host components tools $(VENV)/.tools
	$(CARGO) build --release -p lambda-wasm-host --examples
	$(CARGO) build --release -p users-native
	$(CARGO) build --release --target wasm32-wasip2 -p http-hello -p wstd-hello
	$(MAKE) --no-print-directory python-component APP=guest/python/hello HANDLER=app.lambda_handler \
	  OUT=target/python/hello.wasm
	$(MAKE) --no-print-directory python-component APP=guest/python/users HANDLER=app.lambda_handler \
	  OUT=target/python/users.wasm
	python3 host/benches/run.py

# Deploy. SAM's makefile builder runs `make build-<LogicalId>` from the root with ARTIFACTS_DIR set
# (template.yaml: ContextPath and WorkingDirectory); `make package` runs the same targets into
# target/deploy and zips them, without SAM.

DEPLOY_DIR := target/deploy
DEPLOY_ARTIFACTS := BootstrapLayer HelloWorldFunction UsersFunction UsersAuthorizerFunction PythonHelloFunction \
	PythonUsersFunction JsHelloFunction ClockFunction
# The functions' architecture, as template.yaml's Architectures: x86_64 or arm64 (Graviton2).
ARCH ?= x86_64
ARCHES := x86_64 arm64
# Amazon Linux 2023 (provided.al2023) has glibc 2.34: the layer's bootstrap may need no newer one.
GLIBC_MAX := 2.34
# Empty: the layer ships the native release build, checked against GLIBC_MAX. Else a target for
# cargo-zigbuild, the suffix the glibc to link against: x86_64-unknown-linux-gnu.2.34 when the
# native build needs too new a glibc; arm64's layer is always cross-built for aarch64.
LAYER_TARGET ?= $(if $(filter arm64,$(ARCH)),aarch64-unknown-linux-gnu.$(GLIBC_MAX))
LAYER_BIN := $(if $(LAYER_TARGET),target/$(firstword $(subst ., ,$(LAYER_TARGET)))/release/bootstrap,$(BOOTSTRAP))
# Runs the layer's own bootstrap: natively, or under qemu-user for arm64 on another machine.
LAYER_RUN := $(if $(and $(filter arm64,$(ARCH)),$(filter-out aarch64,$(shell uname -m))),qemu-aarch64 -L /usr/aarch64-linux-gnu )$(LAYER_BIN)
# SAM CLI, cfn-lint, moto (the local DynamoDB), openapi-spec-validator (host/tests/openapi.rs
# checks `bootstrap openapi` with it) and cargo-zigbuild come from PyPI into a virtualenv of their
# own (VENV, at the top).
PY_TOOLS := aws-sam-cli==1.170.0 cfn-lint==1.58.0 'moto[server]==5.2.5' openapi-spec-validator==0.9.0
SAM := SAM_CLI_TELEMETRY=0 $(VENV)/bin/sam

.PHONY: package layer-bin check-glibc check-arch qemu-user cfn-lint sam-build test-sam \
	test-cargo-lambda test-arm64 $(addprefix build-,$(DEPLOY_ARTIFACTS))

$(VENV)/.tools: Makefile
	test -x $(VENV)/bin/pip || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_TOOLS)
	touch $@

$(VENV)/bin/cargo-zigbuild: $(VENV)/.tools
	$(VENV)/bin/pip install --quiet --disable-pip-version-check cargo-zigbuild==0.24.0

check-arch:
	$(if $(filter $(ARCH),$(ARCHES)),,$(error ARCH must be one of $(ARCHES), not $(ARCH)))

# qemu-user (Debian packages) and the aarch64 loader and libc, to run arm64's layer on another
# machine; qemu-x86_64 also runs bootstrap on an emulated Lambda CPU (host/tests/precompiled.rs).
qemu-user:
	command -v qemu-aarch64 >/dev/null && test -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 || \
	  { apt-get update -q && apt-get install -y -q --no-install-recommends qemu-user libc6-arm64-cross; }

layer-bin: check-arch $(if $(LAYER_TARGET),$(VENV)/bin/cargo-zigbuild) $(if $(findstring qemu,$(LAYER_RUN)),qemu-user)
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

# $(call precompiled,COMPONENT,NAME): COMPONENT (a .wasm) compiled ahead of time by the layer's
# own bootstrap, for ARCH's Lambda CPU baseline, into ARTIFACTS_DIR/NAME.cwasm, the function's
# whole code; then loaded by it as Lambda mode loads it at Init, so that a .cwasm that does not
# fit the layer fails here, never on Lambda.
define precompiled
	$(if $(ARTIFACTS_DIR),,$(error ARTIFACTS_DIR is not set: `sam build` sets it; or run `make package`))
	mkdir -p "$(ARTIFACTS_DIR)"
	$(LAYER_RUN) compile $(1) -o "$(ARTIFACTS_DIR)/$(2).cwasm"
	$(LAYER_RUN) check "$(ARTIFACTS_DIR)/$(2).cwasm"
endef

# What every function's build needs: the layer's bootstrap, which compiles and checks its code.
FUNCTION_BUILD := setup layer-bin

build-HelloWorldFunction: $(FUNCTION_BUILD)
	$(CARGO) build --release --target wasm32-wasip2 -p hello-world
	$(call precompiled,$(WASM_DIR)/hello_world.wasm,hello_world)

build-UsersFunction: $(FUNCTION_BUILD)
	$(CARGO) build --release --target wasm32-wasip2 -p users
	$(call precompiled,$(WASM_DIR)/users.wasm,users)

build-UsersAuthorizerFunction: $(FUNCTION_BUILD)
	$(CARGO) build --release --target wasm32-wasip2 -p users-authorizer
	$(call precompiled,$(WASM_DIR)/users_authorizer.wasm,users_authorizer)

build-ClockFunction: $(FUNCTION_BUILD)
	$(CARGO) build --release --target wasm32-wasip2 -p clock
	$(call precompiled,$(WASM_DIR)/clock.wasm,clock)

# The JavaScript tutorial: its component is built by componentize-js, not cargo.
build-JsHelloFunction: $(FUNCTION_BUILD) $(WASM_DIR)/js_hello.wasm
	$(call precompiled,$(WASM_DIR)/js_hello.wasm,js_hello)

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

# Python handlers written for Lambda's Python runtime, as components of the `event-handler` world
# (wit/proxy.wit): `make python-component APP=DIR HANDLER=module.function OUT=FILE.wasm`.
PY_COMPONENT_TOOLS := componentize-py==0.25.1 pytest==8.3.4
PY_GUEST := guest/python
# The examples and the handler each exports.
PY_EXAMPLES := hello:app.lambda_handler inspector:app.lambda_handler user-id:app.handler users:app.lambda_handler \
	authorizer:app.lambda_handler
PY_WASM_DIR := target/python

.PHONY: python-component python-examples python-test-handlers test-python test-python-adapter \
	build-PythonHelloFunction \
	build-PythonUsersFunction

$(VENV)/.python-tools: Makefile $(PY_GUEST)/runtime-requirements.txt
	test -x $(VENV)/bin/pip || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check $(PY_COMPONENT_TOOLS) \
	  -r $(PY_GUEST)/runtime-requirements.txt
	touch $@

# Pure-Python wheels only (py3-none-any): a component loads no native code.
PY_WHEELS := $(VENV)/bin/pip install --quiet --disable-pip-version-check --only-binary=:all: \
	--platform any --implementation py
# The libraries every component carries (boto3, as Lambda's runtime ships it), downloaded once.
PY_RUNTIME := target/python/runtime
# Where the adapter finds the directories of libraries to import whole (lambda_wasm/component.py).
PY_LIBRARIES_MARKER := .lambda-wasm-libraries

$(PY_RUNTIME)/$(PY_LIBRARIES_MARKER): $(PY_GUEST)/runtime-requirements.txt $(VENV)/.python-tools
	rm -rf '$(PY_RUNTIME)' && mkdir -p '$(PY_RUNTIME)'
	$(PY_WHEELS) --no-deps --target '$(PY_RUNTIME)' -r $<
	touch $@

# The app directory, its requirements.txt's packages, the runtime's libraries and the adapter,
# bundled by componentize-py; the app module it builds from prepares the handler, whose module
# runs at Init with the function's environment (lambda_wasm/component.py). AWS_SERVICES names the
# AWS services (botocore's names, comma separated) whose models the component carries besides
# those the code names in `boto3.client("...")` or `boto3.resource("...")`.
python-component: $(VENV)/.python-tools $(PY_RUNTIME)/$(PY_LIBRARIES_MARKER)
	$(if $(and $(APP),$(HANDLER),$(OUT)),,$(error usage: make python-component APP=DIR HANDLER=module.function OUT=FILE.wasm [AWS_SERVICES=s3,sqs]))
	$(eval PY_BUILD := $(abspath $(OUT)).build)
	rm -rf '$(PY_BUILD)' && mkdir -p '$(PY_BUILD)/deps' '$(dir $(abspath $(OUT)))'
	touch '$(PY_BUILD)/deps/$(PY_LIBRARIES_MARKER)'
	if [ -f '$(APP)/requirements.txt' ]; then \
	  $(PY_WHEELS) --target '$(PY_BUILD)/deps' -r '$(APP)/requirements.txt'; \
	fi
	printf 'from lambda_wasm.component import make_world\nWitWorld = make_world("%s", services="%s".split(","))\n' \
	  '$(HANDLER)' '$(AWS_SERVICES)' > '$(PY_BUILD)/lambda_wasm_app.py'
	$(VENV)/bin/componentize-py -d wit -w event-handler componentize -p '$(PY_BUILD)' -p '$(APP)' \
	  -p '$(PY_BUILD)/deps' -p '$(PY_RUNTIME)' -p $(PY_GUEST) lambda_wasm_app -o '$(OUT)'
	rm -rf '$(PY_BUILD)'

# The examples, into $(PY_WASM_DIR)/<name>.wasm.
python-examples:
	for example in $(PY_EXAMPLES); do \
	  $(MAKE) --no-print-directory python-component APP=$(PY_GUEST)/$${example%%:*} \
	    HANDLER=$${example#*:} OUT=$(PY_WASM_DIR)/$${example%%:*}.wasm || exit 1; \
	done

# Handlers written as Lambda code is, that the project never saw as examples (boto3 and
# urllib.request without a requirements.txt, requests with one), into $(PY_WASM_DIR)/tests:
# host/tests/python.rs runs them against moto and a local HTTP server, and under CPython.
PY_TEST_HANDLERS := orders:app.lambda_handler weather:app.lambda_handler fetcher:app.handler \
	flood:app.lambda_handler
python-test-handlers:
	for handler in $(PY_TEST_HANDLERS); do \
	  $(MAKE) --no-print-directory python-component APP=host/tests/fixtures/python/$${handler%%:*} \
	    HANDLER=$${handler#*:} OUT=$(PY_WASM_DIR)/tests/$${handler%%:*}.wasm || exit 1; \
	done

# The adapter's unit tests, under CPython with pytest.
test-python-adapter: $(VENV)/.python-tools
	$(VENV)/bin/python -m pytest -q $(PY_GUEST)/tests

# Those, then each example as a component through `bootstrap invoke` against the same file under
# CPython, on every front end's events (host/tests/python.rs; `make test` runs it with the rest).
test-python: test-python-adapter python-examples python-test-handlers host $(VENV)/.tools
	LAMBDA_WASM_PYTHON=$(abspath $(VENV))/bin/python LAMBDA_WASM_PYTHON_COMPONENTS=$(abspath $(PY_WASM_DIR)) \
	  $(CARGO) test --release -p lambda-wasm-host --test python

# The deployed Python function's code: its component alone, precompiled (template.yaml:
# PythonHelloFunction).
build-PythonHelloFunction: $(FUNCTION_BUILD)
	$(MAKE) --no-print-directory python-component APP=$(PY_GUEST)/hello HANDLER=app.lambda_handler \
	  OUT=$(PY_WASM_DIR)/hello.wasm
	$(call precompiled,$(PY_WASM_DIR)/hello.wasm,hello)

# The users API's Python handler, with boto3 on DynamoDB (template.yaml: PythonUsersFunction).
build-PythonUsersFunction: $(FUNCTION_BUILD)
	$(MAKE) --no-print-directory python-component APP=$(PY_GUEST)/users HANDLER=app.lambda_handler \
	  OUT=$(PY_WASM_DIR)/users.wasm
	$(call precompiled,$(PY_WASM_DIR)/users.wasm,python_users)

# The Lambda sandbox (deploy/lambda_sim, docs/sandbox.md): each function of template.yaml as
# `make package` built it (ARTIFACTS=.aws-sam/build: as `sam build` did), and the native baseline,
# started and invoked as Lambda does, at their memory size's CPU share and memory. ARGS adds
# options, e.g. ARGS='--memory 1769 --function HelloWorldFunction'.
ARTIFACTS ?= $(DEPLOY_DIR)
ARGS ?=
NATIVE_TEMPLATE := host/benches/hello-native/template.yaml
NATIVE_DIR := target/native
NATIVE_ARM64_DIR := target/native-arm64
LAMBDA_SIM := PYTHONPATH=deploy $(VENV)/bin/python -m lambda_sim
RUN_LAMBDA_SIM := $(LAMBDA_SIM) --template template.yaml --artifacts $(ARTIFACTS) \
	--template $(NATIVE_TEMPLATE) --artifacts $(NATIVE_DIR) $(ARGS)

.PHONY: lambda-sim native-baseline test-lambda-sim native-baseline-arm64 lambda-sim-arm64

lambda-sim: $(if $(filter .aws-sam/build,$(ARTIFACTS)),sam-build,package) native-baseline $(VENV)/.tools
	$(RUN_LAMBDA_SIM)

# The baseline: the tutorial on lambda_http, as an OS-only function whose code is `bootstrap`.
native-baseline:
	$(CARGO) build --release -p hello-native
	install -D -m 755 target/release/hello-native $(NATIVE_DIR)/NativeHelloFunction/bootstrap

# The sandbox's own tests: a function over Lambda's Init limit, a timeout, an out-of-memory kill,
# a wrong answer, and the sandbox as a runtime sees it (they use `package`'s layer).
test-lambda-sim: $(VENV)/.tools $(VENV)/.python-tools
	PYTHONPATH=deploy $(VENV)/bin/python -m pytest -q -W ignore::DeprecationWarning deploy/lambda_sim/tests

# The baseline for arm64 (Graviton), against Amazon Linux 2023's glibc.
native-baseline-arm64: $(VENV)/bin/cargo-zigbuild
	rustup target add aarch64-unknown-linux-gnu
	PATH="$(abspath $(VENV))/bin:$$PATH" $(CARGO) zigbuild --release -p hello-native \
	  --target aarch64-unknown-linux-gnu.$(GLIBC_MAX)
	install -D -m 755 target/aarch64-unknown-linux-gnu/release/hello-native \
	  $(NATIVE_ARM64_DIR)/NativeHelloFunction/bootstrap

# arm64 (Graviton2) on this machine: the layer cross-built for aarch64 and hello-world's .cwasm
# compiled and checked by that bootstrap under qemu-user (`make package ARCH=arm64` for them
# all), started in the sandbox under qemu-user beside the arm64 native baseline. At 1769 MB: the
# emulator's own translation cache is charged to the function's memory (245 MB for hello-world,
# 30 MB natively), and at 128 MB it alone gets the runtime killed at Init.
ARM64_DEPLOY_DIR := target/deploy-arm64
lambda-sim-arm64: qemu-user native-baseline-arm64 $(VENV)/.tools
	$(MAKE) --no-print-directory package ARCH=arm64 DEPLOY_DIR=$(ARM64_DEPLOY_DIR) \
	  DEPLOY_ARTIFACTS="BootstrapLayer HelloWorldFunction"
	$(CARGO) test --release -p lambda-wasm-host --test precompiled -- --ignored
	$(LAMBDA_SIM) --arch arm64 --template template.yaml --artifacts $(ARM64_DEPLOY_DIR) \
	  --function HelloWorldFunction --template $(NATIVE_TEMPLATE) --artifacts $(NATIVE_ARM64_DIR) \
	  --function NativeHelloFunction --memory 1769 $(ARGS)
