# tlsdiag: the two commands of the quick start, and the developer targets.
#   make demo   install what is missing, build, run the main job on an embedded default
#   make check  install what is missing, build (ASan+UBSan), run every test through ctest
#   make windows  cross-build tlsdiag.exe (mingw-w64) and dist/tlsdiag-VERSION-win64.zip;
#               make check then also runs it under Wine (tests/wine/)
BUILD      ?= build
RELEASE    ?= build-release
FUZZBUILD  ?= build-fuzz
WINBUILD   ?= build-windows
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_TIME  ?= 60
CTEST_ARGS ?=

.PHONY: all setup build release check demo fuzz bench format clean windows

all: build

setup:
	@scripts/setup

$(BUILD)/build.ninja $(BUILD)/Makefile:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Debug -DTLSD_SANITIZE=ON

build: setup $(BUILD)/Makefile
	cmake --build $(BUILD) -j $(JOBS)

release: setup
	cmake -S . -B $(RELEASE) -DCMAKE_BUILD_TYPE=Release
	cmake --build $(RELEASE) -j $(JOBS)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

demo: build
	@scripts/demo $(BUILD)/tlsdiag

# Static tlsdiag.exe; dependencies built once from Debian source packages into a cache
# outside the clone (scripts/windows-deps).
windows: setup
	JOBS=$(JOBS) scripts/windows-build $(WINBUILD)

# libFuzzer targets built with clang; each runs FUZZ_TIME seconds on its corpus.
fuzz: setup
	CC=clang cmake -S . -B $(FUZZBUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTLSD_FUZZ=ON
	cmake --build $(FUZZBUILD) -j $(JOBS)
	@scripts/fuzz $(FUZZBUILD) $(FUZZ_TIME)

bench: release
	@bench/run $(RELEASE)/tlsdiag

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) $(RELEASE) $(FUZZBUILD) $(WINBUILD) dist
