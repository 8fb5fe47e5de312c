# Build, run and test lambda-wasm. `make help` lists the targets.

CARGO ?= cargo
GUESTS := echo hello-world inspector
# The hostile-guest corpus: test components that misbehave on purpose.
HOSTILE := $(addprefix hostile-,bad-status crlf-header env-probe error file-probe huge-response \
	log-flood loop memory-bomb network-probe panic recursion sleep)
WASM_DIR := target/wasm32-wasip2/release
BOOTSTRAP := target/release/bootstrap
EVENT ?= host/tests/fixtures/events/tutorial-rest-api.json
COMPONENT ?= $(WASM_DIR)/hello_world.wasm
PORT ?= 3000
PAYLOAD ?= v1

.PHONY: help setup components host serve invoke test lint

help:
	@echo "make setup       install the wasm32-wasip2 target"
	@echo "make components  build every guest component into $(WASM_DIR)"
	@echo "make host        build bootstrap into $(BOOTSTRAP)"
	@echo "make serve       build hello-world and serve it on http://127.0.0.1:3000 (PORT, PAYLOAD=v1|v2)"
	@echo "make invoke      run EVENT (default: the tutorial request) through COMPONENT"
	@echo "make test        lint, build the components, run every test"

setup:
	rustup target add wasm32-wasip2

components: setup
	$(CARGO) build --release --target wasm32-wasip2 $(addprefix -p ,$(GUESTS) $(HOSTILE))

host:
	$(CARGO) build --release -p lambda-wasm-host

serve: host components
	$(BOOTSTRAP) serve --component $(COMPONENT) --port $(PORT) --payload $(PAYLOAD)

invoke: host components
	$(BOOTSTRAP) invoke --event $(EVENT) --component $(COMPONENT)

lint: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release -p lambda-wasm-host --all-targets -- -D warnings
	$(CARGO) clippy --release --target wasm32-wasip2 $(addprefix -p ,$(GUESTS) $(HOSTILE) hostile-support) --all-targets -- -D warnings

test: lint components
	$(CARGO) test --release -p lambda-wasm-host
	$(CARGO) test --release $(addprefix -p ,$(GUESTS))
