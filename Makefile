# Transcendence — build, run and test. `make run` and `make test` are the two commands.
.DEFAULT_GOAL := build
SHELL := /bin/bash

CC      ?= cc
# the output folder: `B=/tmp/x make ...` keeps a second build apart (web/dist, the wasm
# module and the game tools stay in build/)
B       ?= build
CSTD    := -std=c17 -D_GNU_SOURCE
WARN    := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
CFLAGS_COMMON := $(CSTD) $(WARN) -g -pthread -MMD -MP
CFLAGS_REL  := $(CFLAGS_COMMON) -O2
CFLAGS_ASAN := $(CFLAGS_COMMON) -O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined

# ---- layers (docs/architecture.md, "Layers"): the build enforces them ----
# A folder's code sees only the headers of the folders in USES_<folder> (its own first):
# each gets its own -I, and no #include may walk out with ".." (scripts/check-includes.sh).
LAYERS     := base game net db auth model live api
USES_base  := base
USES_game  := game
USES_net   := net base
USES_db    := db base
USES_auth  := auth base
USES_model := model auth db base
USES_live  := live net model auth db base game
USES_api   := api live net model auth db base game
USES_root  := . api live net model auth db base game
# The libraries a folder may use. Every other library's header is shadowed by a stub in
# mk/forbid/<group>/ that stops the build with #error (the real headers all sit in
# /usr/include, where no -I order could hide them). mk/forbid/srv/server.h likewise hides
# net/server.h (starting and stopping the transport) from all but net/ and the root.
GROUPS      := lws openssl zlib sqlite pq sodium jwt jansson vips oath curl
PKG_lws     := libwebsockets
PKG_openssl := openssl
PKG_zlib    := zlib
PKG_sqlite  := sqlite3
PKG_pq      := libpq
PKG_sodium  := libsodium
PKG_jwt     := libjwt
PKG_jansson := jansson
PKG_vips    := vips
PKG_oath    := liboath
PKG_curl    := libcurl
LIBS_base  :=
LIBS_game  :=
LIBS_net   := lws openssl zlib
LIBS_db    := sqlite pq
LIBS_auth  := sodium jwt jansson oath
LIBS_model := vips sodium curl
LIBS_live  := jansson
LIBS_api   := jansson sodium
LIBS_root  := jansson

pkgs = $(foreach g,$(1),$(PKG_$(g)))
# -I flags of a layer: forbidden-library stubs first, then the folders it may use
layer_cflags = $(foreach g,$(filter-out $(LIBS_$(1)) $(2),$(GROUPS)),-Imk/forbid/$(g)) \
  $(if $(filter net root,$(1)),,-Imk/forbid/srv) \
  $(foreach u,$(USES_$(1)),-Isrc/$(patsubst .,,$(u))) \
  $(if $(strip $(LIBS_$(1)) $(2)),$(shell pkg-config --cflags $(call pkgs,$(LIBS_$(1)) $(2)) 2>/dev/null))
# everything a layer and the layers under it may link (libwebsockets only in pongd itself)
layer_libs = $(shell pkg-config --libs $(call pkgs,$(filter-out lws,$(sort $(2) $(foreach u,$(USES_$(1)),$(LIBS_$(u)))))) 2>/dev/null) -lm -pthread
# libraries a layer's tests use for their fixtures only (test_avatar writes PNGs with zlib)
TEST_LIBS_model := zlib

ROOT_SRC := $(wildcard src/*.c)
$(foreach l,$(LAYERS),$(eval SRC_$(l) := $(wildcard src/$(l)/*.c src/$(l)/*.S)))
SRC      := $(ROOT_SRC) $(foreach l,$(LAYERS),$(SRC_$(l)))
# The libwebsockets glue is net/ too, but it is linked only into pongd: unit tests of the
# layers above net link net.a without it (live/ tests use a test double of ws.h).
NET_GLUE := src/net/server.c src/net/http_conn.c src/net/ws_conn.c src/net/redirect.c src/net/overflow.c
objs = $(patsubst src/%.S,$(1)/%.o,$(patsubst src/%.c,$(1)/%.o,$(2)))
OBJ      := $(call objs,$(B)/obj,$(SRC))
ASAN_OBJ := $(call objs,$(B)/asan/obj,$(SRC))
LDLIBS   := $(shell pkg-config --libs $(call pkgs,$(GROUPS)) 2>/dev/null) -lm -pthread

# build-test: see tests/build/
.PHONY: build-test build deps deps-test web wasm tools ai-table run test unit unit-asan integration integration-asan integration-pg browser game-test fuzz fuzz-short bench clean asan check-includes layer-probe security

deps:
	@scripts/deps.sh build

deps-test:
	@scripts/deps.sh test

build: $(B)/pongd

$(B)/pongd: $(OBJ)
	@echo "  LD $@"; $(CC) $(CFLAGS_REL) -o $@ $^ $(LDLIBS)

asan: $(B)/asan/pongd

$(B)/asan/pongd: $(ASAN_OBJ)
	@echo "  LD $@"; $(CC) $(CFLAGS_ASAN) -o $@ $^ $(LDLIBS)

# no ".." or absolute #include anywhere in C, game/ only the three freestanding headers
$(B)/includes.ok: scripts/check-includes.sh $(SRC) $(wildcard src/*/*.h src/*.h tests/unit/*/*.c fuzz/*.c)
	@scripts/check-includes.sh
	@mkdir -p $(@D) && touch $@
check-includes: $(B)/includes.ok

define LAYER_RULES
$(B)/obj/$(1)/%.o: src/$(1)/%.c $(B)/includes.ok
	@mkdir -p $$(@D)
	@echo "  CC $$<"; $$(CC) $$(CFLAGS_REL) $$(call layer_cflags,$(1)) -c -o $$@ $$<
$(B)/asan/obj/$(1)/%.o: src/$(1)/%.c $(B)/includes.ok
	@mkdir -p $$(@D)
	@echo "  CC $$<"; $$(CC) $$(CFLAGS_ASAN) $$(call layer_cflags,$(1)) -c -o $$@ $$<
# data built into the binary (.incbin): rebuilt when a file of the folder's data changes
$(B)/obj/$(1)/%.o: src/$(1)/%.S $$(wildcard src/$(1)/*/*.json src/$(1)/*/*.md)
	@mkdir -p $$(@D)
	@echo "  AS $$<"; $$(CC) -c -o $$@ $$<
$(B)/asan/obj/$(1)/%.o: src/$(1)/%.S $$(wildcard src/$(1)/*/*.json src/$(1)/*/*.md)
	@mkdir -p $$(@D)
	@echo "  AS $$<"; $$(CC) -c -o $$@ $$<
$(B)/lib/$(1).a: $$(call objs,$(B)/obj,$$(filter-out $$(NET_GLUE),$$(SRC_$(1))))
	@mkdir -p $$(@D) && rm -f $$@ && ar rcs $$@ $$^
$(B)/asan/lib/$(1).a: $$(call objs,$(B)/asan/obj,$$(filter-out $$(NET_GLUE),$$(SRC_$(1))))
	@mkdir -p $$(@D) && rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call LAYER_RULES,$(l))))

$(B)/obj/%.o: src/%.c $(B)/includes.ok
	@mkdir -p $(@D)
	@echo "  CC $<"; $(CC) $(CFLAGS_REL) $(call layer_cflags,root) -c -o $@ $<
$(B)/asan/obj/%.o: src/%.c $(B)/includes.ok
	@mkdir -p $(@D)
	@echo "  CC $<"; $(CC) $(CFLAGS_ASAN) $(call layer_cflags,root) -c -o $@ $<

# `make layer-probe LAYER=api PROBE=file.c`: compiles one file with a layer's flags (the
# build's layering tests, tests/build/, show that a forbidden include stops it)
layer-probe:
	$(CC) $(filter-out -MMD -MP,$(CFLAGS_REL)) $(call layer_cflags,$(LAYER)) -fsyntax-only $(PROBE)

-include $(OBJ:.o=.d) $(ASAN_OBJ:.o=.d)

# ---- the game simulation: natively for tools, in WebAssembly for the browser ----
# game/ is pure (no libc), so the same files build for wasm32 without a libc.
GAME_SRC := $(SRC_game)
GAME_HDR := $(wildcard src/game/*.h)
WASM_FLAGS := --target=wasm32 $(CSTD) -O2 -ffreestanding -nostdlib -fno-builtin -ffp-contract=off $(WARN) -Isrc/game \
  -Wl,--no-entry -Wl,--strip-all -Wl,-z,stack-size=65536 -Wl,--initial-memory=262144
wasm: build/wasm/pong.wasm
build/wasm/pong.wasm: wasm/pong_wasm.c $(GAME_SRC) $(GAME_HDR)
	@mkdir -p $(@D)
	clang $(WASM_FLAGS) -o $@ wasm/pong_wasm.c $(GAME_SRC)

TOOLS := build/tools/gamecheck build/tools/aisim build/tools/gamebench
tools: $(TOOLS)
build/tools/%: tools/%.c $(GAME_SRC) $(GAME_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_REL) -Isrc/game -o $@ $< $(GAME_SRC)
build/asan/tools/%: tools/%.c $(GAME_SRC) $(GAME_HDR)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ASAN) -Isrc/game -o $@ $< $(GAME_SRC)

# native vs WebAssembly determinism, the AI harness and the AI win-rate table
game-test: $(TOOLS) build/asan/tools/gamecheck build/wasm/pong.wasm
	node --test --test-concurrency=1 tests/game/

# docs/ai.md's table: make ai-table [AI_GAMES=1000]
AI_GAMES ?= 1000
ai-table: build/tools/aisim
	build/tools/aisim $(AI_GAMES)

# ---- web app ----
WEB_SRC := $(shell find web/src web/apidocs web/index.html web/build.mjs web/public -type f 2>/dev/null)
web: web/dist/index.html
web/dist/index.html: $(WEB_SRC) package-lock.json build/wasm/pong.wasm
	node web/build.mjs

# ---- run ----
# deps first, then a fresh make that sees the installed pkg-config files
run:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory build web
	$(B)/pongd

# ---- tests ----
# Unit tests mirror src/: tests/unit/<layer>/test_x.c links only the archives of its layer
# and the layers under it (USES_<layer>), so a test — and the code it tests — cannot reach
# a layer above. Test doubles sit next to the tests (tests/unit/live/ws_double.c).
UNIT_SRC  := $(foreach l,$(LAYERS),$(wildcard tests/unit/$(l)/test_*.c))
UNIT_BIN  := $(patsubst tests/unit/%.c,$(B)/unit/%,$(UNIT_SRC))
UNIT_ASAN := $(patsubst tests/unit/%.c,$(B)/asan/unit/%,$(UNIT_SRC))
unit_layer = $(firstword $(subst /, ,$(patsubst $(B)/unit/%,%,$(patsubst $(B)/asan/unit/%,%,$(1)))))
unit_doubles = $(wildcard tests/unit/$(1)/*_double.c) $(UNIT_DOUBLES_$(1))
# the api/ layer's tests also link live/ (presence) and need its ws.h double
UNIT_DOUBLES_api := tests/unit/live/ws_double.c tests/unit/live/timer_double.c

define UNIT_RULES
$(B)/unit/$(1)/%: tests/unit/$(1)/%.c $$(call unit_doubles,$(1)) $$(foreach u,$$(USES_$(1)),$(B)/lib/$$(u).a)
	@mkdir -p $$(@D)
	@echo "  LD $$@"; $$(CC) $$(CFLAGS_REL) $$(call layer_cflags,$(1),$$(TEST_LIBS_$(1))) -Itests/unit/lib -Itests/unit/$(1) -Itests/unit/live -o $$@ $$< \
	  $$(call unit_doubles,$(1)) $$(foreach u,$$(USES_$(1)),$(B)/lib/$$(u).a) $$(call layer_libs,$(1),$$(TEST_LIBS_$(1))) -lcmocka
$(B)/asan/unit/$(1)/%: tests/unit/$(1)/%.c $$(call unit_doubles,$(1)) $$(foreach u,$$(USES_$(1)),$(B)/asan/lib/$$(u).a)
	@mkdir -p $$(@D)
	@echo "  LD $$@"; $$(CC) $$(CFLAGS_ASAN) $$(call layer_cflags,$(1),$$(TEST_LIBS_$(1))) -Itests/unit/lib -Itests/unit/$(1) -Itests/unit/live -o $$@ $$< \
	  $$(call unit_doubles,$(1)) $$(foreach u,$$(USES_$(1)),$(B)/asan/lib/$$(u).a) $$(call layer_libs,$(1),$$(TEST_LIBS_$(1))) -lcmocka
endef
$(foreach l,$(LAYERS),$(eval $(call UNIT_RULES,$(l))))

# test_db runs against SQLite and a real PostgreSQL (scripts/with-pg.sh starts one if
# PONGD_TEST_DATABASE_URL does not name one already)
unit: $(UNIT_BIN)
	@scripts/with-pg.sh scripts/run-unit.sh $(UNIT_BIN)

unit-asan: $(UNIT_ASAN)
	@scripts/with-pg.sh scripts/run-unit.sh $(UNIT_ASAN)

# the build's own rules: forbidden includes stop the build (tests/build/)
build-test: $(B)/includes.ok
	node --test tests/build/

integration: build web
	node --test --test-concurrency=1 tests/integration/

# the same suite against PostgreSQL (each server gets its own schema in a throwaway PostgreSQL)
# *-long.test.mjs (resume deadlines, restarts) run in the SQLite pass only
INTEGRATION_SHORT = $(filter-out %-long.test.mjs,$(wildcard tests/integration/*.test.mjs))
integration-pg: build web
	PONGD_INTEGRATION_DB=postgres scripts/with-pg.sh node --test --test-concurrency=1 $(INTEGRATION_SHORT)

integration-asan: $(B)/asan/pongd web
	PONGD_BIN=$(B)/asan/pongd ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=23 \
	  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 node --test --test-concurrency=1 $(INTEGRATION_SHORT)

browser: build web
	node --test --test-concurrency=1 tests/browser/

# libFuzzer targets (clang): each parser of network input, with a committed corpus. Each
# target lists the sources it is built from (FUZZ_SRC_<target>).
# the base helpers every target needs
BASE_CORE := src/base/err.c src/base/mem.c src/base/span.c src/base/buf.c src/base/now.c src/base/utf8.c
FUZZ_BIN := $(patsubst fuzz/%.c,$(B)/fuzz/%,$(wildcard fuzz/fuzz_*.c))
FUZZ_SRC_fuzz_path   := src/net/path.c src/net/mime.c $(BASE_CORE)
FUZZ_SRC_fuzz_env    := src/base/config.c $(BASE_CORE)
FUZZ_SRC_fuzz_game   := $(SRC_game)
FUZZ_SRC_fuzz_avatar := src/model/avatar.c $(BASE_CORE)
FUZZ_SRC_fuzz_chatframe := src/live/chat_frame.c $(BASE_CORE)
FUZZ_LAYER_fuzz_path   := net
FUZZ_LAYER_fuzz_env    := base
FUZZ_LAYER_fuzz_game   := game
FUZZ_LAYER_fuzz_avatar := model
FUZZ_LAYER_fuzz_chatframe := live
FUZZ_SRC_fuzz_reqparse := src/net/reqparse.c $(BASE_CORE)
FUZZ_LAYER_fuzz_reqparse := net
FUZZ_SRC_fuzz_matchproto := src/live/matchproto.c $(BASE_CORE)
FUZZ_LAYER_fuzz_matchproto := live
FUZZ_SRC_fuzz_chatrule := src/model/chatrule.c $(BASE_CORE)
FUZZ_LAYER_fuzz_chatrule := model
FUZZ_SRC_fuzz_logesc := src/base/log.c $(BASE_CORE)
FUZZ_LAYER_fuzz_logesc := base
FUZZ_SRC_fuzz_oauth := src/auth/oauth.c src/auth/auth.c src/auth/otp.c $(BASE_CORE)
FUZZ_LAYER_fuzz_oauth := auth
$(B)/fuzz/%: fuzz/%.c $(B)/includes.ok
	@mkdir -p $(@D)
	clang $(CSTD) -g -O1 -fsanitize=fuzzer,address,undefined $(foreach u,$(USES_$(FUZZ_LAYER_$*)),-Isrc/$(u)) -Itests/unit/live \
	  $(shell pkg-config --cflags $(call pkgs,$(GROUPS)) 2>/dev/null) -o $@ $< $(FUZZ_SRC_$*) $(call layer_libs,$(FUZZ_LAYER_$*))
.SECONDEXPANSION:
$(FUZZ_BIN): $$(FUZZ_SRC_$$(notdir $$@))

FUZZ_SECONDS ?= 60
fuzz: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(B)/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZ_SECONDS)s"; \
	  $$f -max_total_time=$(FUZZ_SECONDS) -max_len=70000 $(B)/fuzz/corpus-$$n fuzz/corpus/$$n || exit 1; done

# new inputs go to build/, never into the committed seed corpus
fuzz-short: $(FUZZ_BIN)
	@for f in $(FUZZ_BIN); do n=$$(basename $$f); mkdir -p $(B)/fuzz/corpus-$$n; \
	  $$f -runs=20000 -max_len=70000 $(B)/fuzz/corpus-$$n fuzz/corpus/$$n >$(B)/fuzz/$$n.log 2>&1 || { cat $(B)/fuzz/$$n.log; exit 1; }; \
	  echo "fuzz: $$n 20000 runs + corpus: ok"; done

# Every layer; any failure fails the whole.
test:
	@scripts/deps.sh test
	@$(MAKE) --no-print-directory build web
	@scripts/test-all.sh

# The field's scanners (testssl.sh, sqlmap) against a real pongd on loopback; not part of
# `make test` (minutes). docs/security.md, "Scanners".
security:
	@scripts/deps.sh security
	@$(MAKE) --no-print-directory build web
	@scripts/security.sh

bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory build web tools
	bench/run-all.sh

clean:
	rm -rf build web/dist
