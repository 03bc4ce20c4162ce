# Cartwheel's verbs. `make run` starts the whole shop on embedded defaults; `make test`
# runs everything CI runs.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

MODULES := idl pkg services/user services/product services/order services/payment gateway cmd/cartwheel
BIN     := bin

.PHONY: gen gen-check build run test unit browser schemathesis clients integration lint vet fmt-check import-names bench bench-up chaos invariants invariants-up help

help:
	@echo "make run    - the whole fleet in one process on embedded defaults (http://127.0.0.1:8080)"
	@echo "make test   - generated-code check, gofmt, go vet, every unit test, then the integration"
	@echo "              suite on MariaDB, Redis, RocketMQ and Nacos (started by scripts/infra.sh)"
	@echo "make gen    - regenerate idl/kitex_gen with the pinned kitex/thriftgo"
	@echo "make build  - build the dev server and the service binaries into ./bin"
	@echo "make up     - the real fleet: five processes on MariaDB, Redis, RocketMQ, Nacos, with Jaeger"
	@echo "              (trace viewer on :16686) and Prometheus (:9090)"
	@echo "make down   - stop what make up started, engines included"
	@echo "make images - OCI image layouts of the five binaries in build/images (no Docker needed)"
	@echo "make deploy-test - image and Helm chart tests (images-test, helm-test)"
	@echo "make bench  - the load scenarios against a fresh in-process dev server, medians of 3 runs"
	@echo "              (BENCH_ARGS='-runs 1 -duration 2s' for a quicker look; docs/benchmarks.md)"
	@echo "make bench-up - the same against make up's fleet, which it starts (or restarts) with the load settings"
	@echo "make schemathesis - schemathesis against /openapi.json of a dev server, as customer and admin (in make test)"
	@echo "make clients - clients generated from /openapi.json (Python, TypeScript, Go) built and run against a dev server (in make test)"
	@echo "make chaos  - the fault matrix on make up's fleet under a checkout load (docs/resilience.md, about 12 min)"
	@echo "make invariants / invariants-up - the invariant checker on ./data (make run) / make up's MySQL"

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

# The load generator: starts its own dev server on ephemeral ports with a fresh data
# folder, so it never collides with make run or make up. Bounded to about 10 minutes.
BENCH_ARGS ?=
bench:
	cd cmd/cartwheel && go run . bench $(BENCH_ARGS)

# Against make up's fleet: scripts/fleet.sh up with the settings the bench gives its own
# dev server (cartwheel bench -print-load-env: limits lifted, a 3 s payment timeout) and
# traces sampled at 5% (OTEL_TRACES_SAMPLER_ARG=1 for every request, as make up); a fleet
# already up with other settings is restarted with these. It stays up: make down stops
# it, make up brings back its own settings. The checker reads its MySQL schemas.
bench-up:
	@mkdir -p $(BIN)
	cd cmd/cartwheel && go build -o ../../$(BIN)/cartwheel .
	eval "$$($(BIN)/cartwheel bench -print-load-env)" && \
		OTEL_TRACES_SAMPLER_ARG="$${OTEL_TRACES_SAMPLER_ARG:-0.05}" scripts/fleet.sh up
	eval "$$(scripts/infra.sh env)" && $(BIN)/cartwheel bench -target http://127.0.0.1:8080 $(BENCH_ARGS)

# The fault matrix on make up's fleet (docs/resilience.md): bounded to about 30 minutes.
# CHAOS_ARGS='-scenarios kill-order,rolling-restart' for a subset.
CHAOS_ARGS ?=
chaos:
	cd cmd/cartwheel && go run . chaos $(CHAOS_ARGS)

invariants:
	cd cmd/cartwheel && go run . invariants -data ../../data

invariants-up:
	eval "$$(scripts/infra.sh env)" && cd cmd/cartwheel && go run . invariants -mysql "$$CARTWHEEL_MYSQL_DSN"

fmt-check:
	@out=$$(gofmt -l $(MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@echo "gofmt: clean"

vet:
	for m in $(MODULES); do echo "go vet $$m"; (cd $$m && go vet ./... && go vet -tags integration ./...); done

# One name per contract package (docs/service-layout.md, "Import names"). The checker is a
# module of its own outside go.work, like the deploy modules.
import-names:
	@out=$$(gofmt -l tools/importnames); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	cd tools/importnames && GOWORK=off go vet . && GOWORK=off go test -count=1 . && GOWORK=off go run . ../..

lint: fmt-check vet import-names

unit:
	scripts/unit.sh

# The storefront and admin console in headless Chromium (installed when missing).
browser:
	scripts/browser.sh

integration:
	scripts/integration.sh

# The served OpenAPI document against the server, every check (scripts/schemathesis.toml).
schemathesis:
	scripts/schemathesis.sh

# Python, TypeScript and Go clients generated from /openapi.json: built, and the Python
# one walks a shopper's and an admin's journey against a dev server.
clients:
	scripts/clients.sh

test: gen-check lint deploy-lint unit schemathesis clients browser deploy-check integration

# make test builds and checks one image (all five take minutes more on a cold cache) and
# every chart.
deploy-check:
	$(MAKE) images-test helm-test IMAGES=order

# Deployment: images without a Docker daemon and the Helm charts (deploy/README.md). The
# two Go modules under deploy/ stay out of go.work (GOWORK=off): Helm's and
# go-containerregistry's dependencies would otherwise raise shared modules (prometheus,
# otel, x/net) for every service built in the workspace.
.PHONY: images images-test helm-test deploy-test deploy-lint deploy-check
IMAGES     ?= gateway user product order payment
IMAGES_DIR := build/images
DEPLOY_MODULES := deploy/imagebuild deploy/helmtest

images:
	cd deploy/imagebuild && GOWORK=off go run . -root ../.. -out ../../$(IMAGES_DIR) $(IMAGES)

images-test: images
	cd deploy/imagebuild && CARTWHEEL_IMAGES=$(CURDIR)/$(IMAGES_DIR) CARTWHEEL_IMAGE_NAMES="$(IMAGES)" \
		GOWORK=off go test -count=1 .

helm-test:
	cd deploy/helmtest && GOWORK=off go test -count=1 .

deploy-lint:
	@out=$$(gofmt -l $(DEPLOY_MODULES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	for m in $(DEPLOY_MODULES); do (cd $$m && GOWORK=off go vet ./...); done

deploy-test: deploy-lint images-test helm-test
