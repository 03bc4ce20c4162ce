# Cartwheel's verbs. `make run` starts the whole shop on embedded defaults; `make test`
# runs everything CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

MODULES := idl pkg services/user services/product services/order services/payment gateway cmd/cartwheel
BIN     := bin

.PHONY: gen gen-check build run test unit integration lint vet fmt-check bench help

help:
	@echo "make run    - the whole fleet in one process on embedded defaults (http://127.0.0.1:8080)"
	@echo "make test   - generated-code check, gofmt, go vet, every unit test, then the integration"
	@echo "              suite on MariaDB, Redis, RocketMQ and Nacos (started by scripts/infra.sh)"
	@echo "make gen    - regenerate idl/kitex_gen with the pinned kitex/thriftgo"
	@echo "make build  - build the dev server and the service binaries into ./bin"
	@echo "make up     - the real fleet: five processes on MariaDB, Redis, RocketMQ, Nacos"
	@echo "make down   - stop what make up started, engines included"

gen:
	scripts/gen.sh

gen-check:
	scripts/gen.sh --check

build:
	@mkdir -p $(BIN)
	cd cmd/cartwheel && go build -o ../../$(BIN)/cartwheel .
	for s in user product order payment; do (cd services/$$s && go build -o ../../$(BIN)/$$s ./cmd/$$s); done
	cd gateway && go build -o ../$(BIN)/gateway ./cmd/gateway

# go build -v names each package as it compiles: the first build (about a minute)
# shows progress instead of silence; later ones print nothing and start at once.
run:
	@echo "building the dev server (the first build takes a minute; packages are listed as they compile)..."
	@cd cmd/cartwheel && go build -v -o ../../bin/cartwheel . 2>&1 | sed -u 's/^/  compiling /'
	@exec bin/cartwheel -data data

# The same binaries as separate processes on MariaDB, Redis, RocketMQ and Nacos.
.PHONY: up down
up:
	scripts/fleet.sh up

down:
	scripts/fleet.sh down

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@echo "gofmt: clean"

vet:
	for m in $(MODULES); do echo "go vet $$m"; (cd $$m && go vet ./... && go vet -tags integration ./...); done

lint: fmt-check vet

unit:
	scripts/unit.sh

integration:
	scripts/integration.sh

test: gen-check lint unit integration
