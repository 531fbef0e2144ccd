# Transcendence — build, run and test. `make run` and `make test` are the two commands.
.DEFAULT_GOAL := build
SHELL := /bin/bash

CC      ?= cc
PKGS    := libwebsockets openssl jansson zlib sqlite3 libpq libsodium libjwt vips
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
CFLAGS_COMMON := $(CSTD) $(WARN) -g -pthread -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -pthread
CFLAGS_REL  := $(CFLAGS_COMMON) -O2
CFLAGS_ASAN := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

SRC     := $(wildcard src/*.c)
LIB_SRC := $(filter-out src/main.c,$(SRC))
HDRS    := $(wildcard src/*.h)
OBJ      := $(SRC:src/%.c=build/obj/%.o)
ASAN_OBJ := $(SRC:src/%.c=build/asan/obj/%.o)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=build/unit/%)
UNIT_ASAN := $(UNIT_SRC:tests/unit/%.c=build/asan/unit/%)
FUZZ_SRC  := $(wildcard fuzz/fuzz_*.c)
FUZZ_BIN  := $(FUZZ_SRC:fuzz/%.c=build/fuzz/%)

.PHONY: build deps deps-test web wasm tools ai-table run test unit unit-asan integration integration-asan integration-pg browser game-test fuzz fuzz-short bench clean asan

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: build/pongd

build/pongd: $(OBJ)
	$(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS)

build/obj/%.o: src/%.c $(HDRS) | build/obj
	$(CC) $(CFLAGS_REL) -c -o $@ $<

asan: build/asan/pongd

build/asan/pongd: $(ASAN_OBJ)
	$(CC) $(CFLAGS_ASAN) -o $@ $^ $(LDLIBS)

build/asan/obj/%.o: src/%.c $(HDRS) | build/asan/obj
	$(CC) $(CFLAGS_ASAN) -c -o $@ $<

build/obj build/asan/obj build/unit build/asan/unit build/fuzz build/wasm build/tools build/asan/tools:
	@mkdir -p $@

# ---- the game simulation: natively for tools, in WebAssembly for the browser ----
# game.c and ai.c are pure (no libc), so the same files build for wasm32 without a libc.
GAME_SRC := src/game.c src/ai.c
GAME_HDR := src/game.h src/ai.h
WASM_FLAGS := --target=wasm32 $(CSTD) -O2 -ffreestanding -nostdlib -fno-builtin -ffp-contract=off $(WARN) -Isrc \
  -Wl,--no-entry -Wl,--strip-all -Wl,-z,stack-size=65536 -Wl,--initial-memory=262144
wasm: build/wasm/pong.wasm
build/wasm/pong.wasm: wasm/pong_wasm.c $(GAME_SRC) $(GAME_HDR) | build/wasm
	clang $(WASM_FLAGS) -o $@ wasm/pong_wasm.c $(GAME_SRC)

TOOLS := build/tools/gamecheck build/tools/aisim build/tools/gamebench
tools: $(TOOLS)
build/tools/%: tools/%.c $(GAME_SRC) $(GAME_HDR) | build/tools
	$(CC) $(CFLAGS_REL) -o $@ $< $(GAME_SRC)
build/asan/tools/%: tools/%.c $(GAME_SRC) $(GAME_HDR) | build/asan/tools
	$(CC) $(CFLAGS_ASAN) -o $@ $< $(GAME_SRC)

# native vs WebAssembly determinism, the AI harness and the AI win-rate table
game-test: $(TOOLS) build/asan/tools/gamecheck build/wasm/pong.wasm
	node --test --test-concurrency=1 tests/game/

# docs/ai.md's table: make ai-table [AI_GAMES=1000]
AI_GAMES ?= 1000
ai-table: build/tools/aisim
	build/tools/aisim $(AI_GAMES)

# ---- web app ----
WEB_SRC := $(shell find web/src web/index.html web/build.mjs web/public -type f 2>/dev/null)
web: web/dist/index.html
web/dist/index.html: $(WEB_SRC) package-lock.json build/wasm/pong.wasm
	node web/build.mjs

# ---- run ----
# deps first, then a fresh make that sees the installed pkg-config files
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build web
	build/pongd

# ---- tests ----
# Unit tests link every module except main.c (cmocka).
build/unit/%: tests/unit/%.c $(LIB_SRC:src/%.c=build/obj/%.o) | build/unit
	$(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS) -lcmocka

build/asan/unit/%: tests/unit/%.c $(LIB_SRC:src/%.c=build/asan/obj/%.o) | build/asan/unit
	$(CC) $(CFLAGS_ASAN) -o $@ $^ $(LDLIBS) -lcmocka

# test_db runs against SQLite and a real PostgreSQL (scripts/with-pg.sh starts one if
# PONGD_TEST_DATABASE_URL does not name one already)
unit: $(UNIT_BIN)
	@scripts/with-pg.sh scripts/run-unit.sh $(UNIT_BIN)

unit-asan: $(UNIT_ASAN)
	@scripts/with-pg.sh scripts/run-unit.sh $(UNIT_ASAN)

integration: build web
	node --test --test-concurrency=1 tests/integration/

# the same suite against PostgreSQL (each server gets its own schema in a throwaway PostgreSQL)
integration-pg: build web
	PONGD_INTEGRATION_DB=postgres scripts/with-pg.sh node --test --test-concurrency=1 tests/integration/

integration-asan: build/asan/pongd web
	PONGD_BIN=build/asan/pongd ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 node --test --test-concurrency=1 tests/integration/

browser: build web
	node --test --test-concurrency=1 tests/browser/

# libFuzzer targets (clang): each parser of network input, with a committed corpus.
# the pure modules, plus chat.c whose ws_* calls fuzz/server_stubs.h provides (abort if reached)
FUZZ_LIB := $(filter-out src/main.c src/server.c src/app.c src/api%.c src/presence.c src/store.c,$(SRC))
build/fuzz/%: fuzz/%.c $(FUZZ_LIB) $(HDRS) fuzz/server_stubs.h | build/fuzz
	clang $(CSTD) -g -O1 -Isrc -fsanitize=fuzzer,address,undefined $(shell pkg-config --cflags $(PKGS) 2>/dev/null) \
	  -o $@ $< $(FUZZ_LIB) $(LDLIBS)

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 build/fuzz/corpus-$$n fuzz/corpus/$$n || exit 1; done

# new inputs go to build/, never into the committed seed corpus
fuzz-short: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p build/fuzz/corpus-$$n; \
	  $$f -runs=20000 -max_len=70000 build/fuzz/corpus-$$n fuzz/corpus/$$n >build/fuzz/$$n.log 2>&1 || { cat build/fuzz/$$n.log; exit 1; }; \
	  echo "fuzz: $$n 20000 runs + corpus: ok"; done

# Every layer; any failure fails the whole.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build web
	@scripts/test-all.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build web tools
	bench/run-all.sh

clean:
	rm -rf build web/dist
