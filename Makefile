# Thin wrapper around CMake + Ninja. See README.md.
#   make            build release binary into build/
#   make demo       build, generate the Baiyun demo district, serve it on :8080
#   make test       unit + API + browser tests, plain and ASan/UBSan builds
#   make bench      run the benchmarks in bench/
BUILD      ?= build
ASAN_BUILD ?= build-asan
DEMO_DB    ?= demo.db
LISTEN     ?= 127.0.0.1:8080
SHARED     ?= ../shared/data

.PHONY: all deps build asan demo demo-db test test-unit test-api test-browser bench clean

all: build

deps:
	@scripts/install-deps.sh

build:
	@cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD)

asan:
	@cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWANGGE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD)

demo: deps build
	@scripts/demo.sh $(BUILD)/wangge $(DEMO_DB) $(LISTEN)

test: deps build asan
	@scripts/test.sh $(BUILD) $(ASAN_BUILD)

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure

test-api: build
	@WANGGE_BIN=$(BUILD)/wangge node --test --test-concurrency=2 tests/api/

test-browser: build
	@WANGGE_BIN=$(BUILD)/wangge node --test --test-concurrency=1 tests/browser/

bench: deps build
	@bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
