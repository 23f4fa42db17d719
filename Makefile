# meshproof: every target installs what it needs (Node 24 when the system one is too old,
# npm dependencies, haproxy when running as root), or says exactly what to install.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.ONESHELL:
.SHELLFLAGS := -eu -o pipefail -c

MESH ?= reference
ROUTING ?=
PLATFORM ?=
CONTEXT ?=
ONLY ?=
DEFECT ?=
OUTPUT ?= reports
A ?=
B ?=
DIFF_OUTPUT ?=
BENCH_FLAGS ?=
NODE_WANT := 24

TOOLS := $(CURDIR)/.tools
LOCAL_NODE := $(TOOLS)/node/bin/node

# The system Node is used when it is 22.18 or newer (it runs TypeScript natively); otherwise
# Node $(NODE_WANT) is installed into .tools/ from the npm registry's platform package.
SYSTEM_NODE_OK := $(shell node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=18)?0:1)' >/dev/null 2>&1 && echo yes)
ifeq ($(SYSTEM_NODE_OK),yes)
NODE_DEP :=
else
NODE_DEP := $(LOCAL_NODE)
export PATH := $(TOOLS)/node/bin:$(PATH)
endif

MESHPROOF := node lib/cli/main.ts
RUN_FLAGS = --mesh $(MESH) $(if $(ROUTING),--routing $(ROUTING)) $(if $(PLATFORM),--platform $(PLATFORM)) $(if $(CONTEXT),--context $(CONTEXT)) $(if $(ONLY),--only $(ONLY)) $(if $(DEFECT),--defect $(DEFECT)) $(if $(BENCH),--bench $(BENCH)) --output $(OUTPUT)

.PHONY: help setup deps ci-tools conformance plan features mutants soak diff bench wrk bench-stats test typecheck lint format readme-codes haproxy chromium clean clean-runs

help: ## show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  variables: MESH=reference|istio|istio-ambient|linkerd ROUTING=gateway-api (istio) PLATFORM=local|k3s|kubeconfig CONTEXT=name ONLY=pattern DEFECT=name OUTPUT=dir"

$(LOCAL_NODE):
	@command -v npm >/dev/null || { echo "MESHPROOF_NODE_MISSING: install Node.js 22.18+ with npm (e.g. apt-get install nodejs npm), then rerun"; exit 2; }
	os=$$(uname -s | tr '[:upper:]' '[:lower:]'); arch=$$(uname -m)
	case "$$arch" in x86_64|amd64) arch=x64 ;; aarch64|arm64) arch=arm64 ;; esac
	echo "system Node $$(node --version 2>/dev/null || echo 'not found') is older than 22.18: installing Node $(NODE_WANT) (node-$$os-$$arch) into .tools/"
	rm -rf $(TOOLS)/node-pkg $(TOOLS)/node && mkdir -p $(TOOLS)/node-pkg $(TOOLS)/node/bin
	npm install --silent --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --prefix $(TOOLS)/node-pkg "node-$$os-$$arch@$(NODE_WANT)"
	ln -sf $(TOOLS)/node-pkg/node_modules/node-$$os-$$arch/bin/node $(LOCAL_NODE)
	$(LOCAL_NODE) --version

node_modules/.installed: package.json package-lock.json | $(NODE_DEP)
	# npm ci refuses lock files without the optional binaries of other platforms (biome), so
	# install from the lock file without rewriting it.
	npm install --no-audit --no-fund --no-save --loglevel=error
	touch $@

# haproxy only where the reference mesh runs: a cluster run (MESH=istio|linkerd) needs none.
setup: node_modules/.installed $(if $(filter reference,$(MESH)),haproxy) ## install Node (if needed), npm dependencies and (for MESH=reference) haproxy

deps: node_modules/.installed ## install Node (if needed) and the npm dependencies only

haproxy:
	@command -v haproxy >/dev/null && exit 0
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	  echo "installing haproxy with apt-get"
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy >/dev/null
	else
	  echo "MESHPROOF_HAPROXY_MISSING: the reference mesh needs haproxy 2.6+: sudo apt-get install haproxy (Debian/Ubuntu) or brew install haproxy (macOS)"; exit 2
	fi

conformance: setup ## run the conformance checks (MESH=reference on the local platform by default; BENCH=reports/latest-bench shows a benchmark in report.html)
	$(MESHPROOF) run $(RUN_FLAGS)

plan: node_modules/.installed ## write every manifest and command of a cluster run without a cluster: $(OUTPUT)/plan/<mode>/ (MESH=istio|istio-ambient|linkerd, ROUTING=gateway-api for istio)
	$(MESHPROOF) plan --mesh $(if $(filter reference,$(MESH)),istio,$(MESH)) $(if $(ROUTING),--routing $(ROUTING)) $(if $(ONLY),--only $(ONLY)) --output $(OUTPUT)

features: node_modules/.installed ## the capability matrix of the three meshes
	$(MESHPROOF) features

diff: node_modules/.installed ## compare two runs: make diff A=reports/<base-run> B=reports/latest (or two bench runs: B=reports/latest-bench); exit 1 on a regression
	@[ -n "$(A)" ] && [ -n "$(B)" ] || { echo "MESHPROOF_BAD_FLAG: make diff needs A=BASE B=CANDIDATE (report.json or bench.json files, or run folders)"; exit 2; }
	$(MESHPROOF) diff $(A) $(B) $(if $(DIFF_OUTPUT),--output $(DIFF_OUTPUT))

chromium: ## install headless Chromium for the HTML report's browser tests (apt-get, as root)
	@[ -n "$${MESHPROOF_CHROMIUM:-}" ] || [ -x /usr/bin/chromium ] && exit 0
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	  echo "installing chromium with apt-get (for the HTML report's browser tests)"
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
	else
	  echo "MESHPROOF_CHROMIUM_MISSING: the HTML report's tests need Chromium: sudo apt-get install chromium, or set MESHPROOF_CHROMIUM to a Chromium binary"; exit 2
	fi

mutants: setup haproxy ## run the suite on the conformant reference mesh and once per defect; writes $(OUTPUT)/mutants.json
	$(MESHPROOF) mutants $(if $(ONLY),--only $(ONLY)) --output $(OUTPUT)

soak: setup ## run the suite RUNS times (default 20) on the conformant reference mesh, STRESS=1 with every CPU kept busy; writes $(OUTPUT)/soak/<soak-id>/; exit 1 on any false failure
	$(MESHPROOF) soak $(if $(RUNS),--runs $(RUNS)) $(if $(STRESS),--stress) $(if $(ONLY),--only $(ONLY)) --output $(OUTPUT)

bench: setup $(if $(filter reference,$(MESH)),wrk) ## sidecar-overhead benchmark (MESH, PLATFORM, BENCH_FLAGS); writes $(OUTPUT)/bench/<run-id>/{bench.json,bench.md,bench.html}
	$(MESHPROOF) bench --mesh $(MESH) $(if $(PLATFORM),--platform $(PLATFORM)) $(if $(CONTEXT),--context $(CONTEXT)) --calibrate $(if $(filter reference,$(MESH)),--driver-capacity) --output $(OUTPUT) $(BENCH_FLAGS)

wrk: ## install wrk (Debian) for the benchmark's driver-capacity comparison
	@command -v wrk >/dev/null && exit 0
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	  echo "installing wrk with apt-get"
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
	else
	  echo "wrk is not installed (sudo apt-get install wrk): the benchmark reports the driver capacity without the wrk comparison"
	fi

bench-stats: node_modules/.installed ## Monte Carlo of the ratio decision rule vs a fixed 500-request rule
	npm run --silent bench:stats

typecheck: node_modules/.installed ## typecheck everything
	npx tsc --noEmit -p tsconfig.json
	npx tsc --noEmit -p k6/tsconfig.json

lint: node_modules/.installed ## lint and check formatting
	npx biome check .

format: node_modules/.installed ## fix formatting and safe lint findings
	npx biome check --write .

readme-codes: node_modules/.installed ## write README's table of error codes from lib/errors/meshproof-error.ts (a test keeps them equal)
	node lib/errors/readme-codes.ts

ci-tools: ## install shellcheck and jq (apt-get, as root) for the tests of the workflows and the action
	@missing=""; for tool in shellcheck jq; do command -v "$$tool" >/dev/null || missing="$$missing $$tool"; done
	[ -z "$$missing" ] && exit 0
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	  echo "installing$$missing with apt-get (for the tests of the workflows and the action)"
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null
	else
	  echo "MESHPROOF_CI_TOOLS_MISSING: the tests lint every run: step of .github/workflows and action.yml with shellcheck, and run the action's gate with jq:$$missing is missing: sudo apt-get install$$missing (Debian/Ubuntu) or brew install$$missing (macOS)"; exit 2
	fi

test: setup haproxy chromium ci-tools typecheck lint ## typecheck, lint, and run every test (unit, golden, end to end, browser, the workflows with actionlint and shellcheck)
	npx vitest run

clean-runs: node_modules/.installed ## stop and remove the processes and temporary folders of runs whose meshproof was killed (never a live run's)
	$(MESHPROOF) clean

clean: ## remove run output and installed tools
	rm -rf $(OUTPUT)/2* $(OUTPUT)/latest .tools node_modules
