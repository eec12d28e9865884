# Frugal: the commands a person and CI use. `make demo` and `make test` do all set-up themselves.
BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
WERROR ?= ON
JOBS ?= $(shell nproc)

.PHONY: all deps configure build test test-sanitized fuzz demo bench docs clean

all: build

deps:
	@scripts/deps.sh

$(BUILD_DIR)/build.ninja:
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) -DFRUGAL_WERROR=$(WERROR)

configure: $(BUILD_DIR)/build.ninja

build: deps configure
	ninja -C $(BUILD_DIR) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure -j $(JOBS)

# The unit and end-to-end suite again, built with AddressSanitizer and UndefinedBehaviorSanitizer in a
# folder of its own; any report fails the test that made it. Warnings are the main build's business:
# GCC 12 misreads the instrumented code (free-nonheap-object, maybe-uninitialized). -O1 -g1 (line
# tables: reports still name file and line) builds in about two thirds of -O2 -g's time, which on
# CI's two cores is a quarter of an hour.
SANITIZED_DIR ?= build-sanitized
test-sanitized: deps
	cmake -S . -B $(SANITIZED_DIR) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DFRUGAL_SANITIZE=ON -DFRUGAL_WERROR=OFF \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1"
	ninja -C $(SANITIZED_DIR) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(SANITIZED_DIR) --output-on-failure -j $(JOBS)

# libFuzzer harnesses (tests/fuzz/) for every parser that takes outside bytes, built with clang 19 in a
# folder of their own (CMakePresets.json's "fuzz"; GCC stays the main compiler): each replays the
# inputs that once crashed it, then fuzzes for FUZZ_SECONDS from a scratch copy of its seeds. Any
# crash, leak, timeout or sanitizer report fails it. Warnings are the main build's business.
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 15
FUZZ_CXX ?= clang++-19
fuzz: deps
	cmake --preset fuzz -B $(FUZZ_DIR) -DCMAKE_CXX_COMPILER=$(FUZZ_CXX)
	ninja -C $(FUZZ_DIR) -j $(JOBS)
	tests/fuzz/run.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

demo: build
	scripts/demo.sh $(BUILD_DIR)/frugal

bench: build
	bench/run_all.sh $(BUILD_DIR)

# Regenerates the documented schema from the migrations.
docs: build
	$(BUILD_DIR)/frugal sql --schema > docs/schema.md

clean:
	rm -rf $(BUILD_DIR)
