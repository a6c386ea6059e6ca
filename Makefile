# Cache-aside reference: C FastCGI responders behind nginx, Redis over MySQL.
#   make deps      install Debian/Ubuntu packages (sudo when not root)
#   make           build fcgi-app
#   make up        start the native stack (MODE=baseline|cached), make down
#   make up TOPOLOGY=ha  the scale-out topology instead (scripts/stack)
#   make env       KEY=value lines for the running stack
#   make test      deps, then lint, unit + integration tests (private stack on side ports)
#   make lint      shellcheck, shfmt -d and one-library checks on every shell file
#   make bench     before/after load test (SCENARIO=seed|capacity|ceiling)
#   make demo      deps check, build, up, bench, print the report
#   make test-compose  the Docker Compose stack, built and started for real
#   make test-ha   faults under load on the scale-out topology (TOPOLOGY=ha)
#   make test-repeat N=5  the integration suites N times, every check that failed

.PHONY: all deps build up down env status test lint unit asan valgrind fuzz integration \
        bench demo test-compose test-ha test-repeat clean purge

all: build

deps:
	scripts/deps

build:
	$(MAKE) -C fcgi-app

# TOPOLOGY=ha: replicas, Sentinels and two pools (scripts/stack,
# docs/scaling-out.md); `make down` stops whichever runs.
TOPOLOGY ?= single

up: build
	TOPOLOGY=$(TOPOLOGY) scripts/stack up

down:
	scripts/stack down

env:
	@scripts/stack env

status:
	@scripts/stack status

unit:
	$(MAKE) -C fcgi-app unit

asan:
	$(MAKE) -C fcgi-app asan

valgrind:
	$(MAKE) -C fcgi-app valgrind

# libFuzzer (clang) on the query, body, router, cache-entry and FastCGI
# framing code, FUZZ_SECONDS (60) each; see docs/testing.md.
fuzz:
	$(MAKE) -C fcgi-app fuzz

integration: build
	tests/integration/run

# Everything, with one closing "N passed, N failed" line; first installs
# what a fresh machine lacks (make deps), as make demo does.
test: deps
	@tests/run

lint:
	@tests/lint

bench: build
	scripts/bench

demo:
	scripts/demo

test-compose:
	tests/compose/run

test-ha: build
	tests/ha/run

# N rounds (5) of the integration suites, plain and ASan responder (PASSES);
# HOG=1 keeps both cores busy beside them. Lists each check that failed.
N ?= 5
test-repeat:
	N=$(N) tests/repeat

clean:
	$(MAKE) -C fcgi-app clean

purge: clean
	scripts/stack purge
