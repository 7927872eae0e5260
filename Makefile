# dkata: one program (build/dkata) over one library (build/libdkata.a). Plain GNU make.
CC      ?= cc
BUILD   ?= build
SAN     ?=
PKGS    := jansson libmicrohttpd sqlite3 libpq libcrypto libcurl
OPT     ?= -O2
CFLAGS_ALL := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
              -Wno-missing-field-initializers -Isrc $(shell pkg-config --cflags $(PKGS) cmocka 2>/dev/null) $(SAN) $(CFLAGS)
LIBS    := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm -lpthread
TLIBS   := $(shell pkg-config --libs cmocka 2>/dev/null)
# Simulation code may not read the wall clock, use libc randomness or start threads (see src/core/banned.h).
SIMDIRS := src/core src/katas src/check

LIB_SRC := $(sort $(filter-out src/cli/main.c,$(shell find src -name '*.c')))
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
TEST_SRC := $(sort $(wildcard tests/*/test_*.c))
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# Example nodes for `dkata test` (the user's own programs, built as a user would: plain C with jansson).
EX_SRC  := $(sort $(wildcard examples/*.c))
EX_BIN  := $(EX_SRC:examples/%.c=$(BUILD)/examples/%)

.PHONY: all deps run check test test-asan bench fuzz clean format
all: $(BUILD)/dkata $(TEST_BIN) $(BENCH_BIN) $(EX_BIN)

deps:
	@./scripts/install-deps

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $<"
	@$(CC) $(CFLAGS_ALL) $(EXTRA) -MMD -MP -c $< -o $@

SIM_OBJ := $(patsubst %.c,$(BUILD)/%.o,$(filter $(addsuffix /%,$(SIMDIRS)),$(LIB_SRC)))
$(SIM_OBJ): EXTRA := -include src/core/banned.h

$(BUILD)/libdkata.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

# `dkata --version` names the commit it was built from: build/commit.h changes only when the commit (or whether
# the tree has uncommitted changes) does, so main.c is recompiled then and only then.
COMMIT := $(shell c=$$(git rev-parse --short=12 HEAD 2>/dev/null) && { git diff --quiet HEAD -- 2>/dev/null && echo $$c || echo $$c-dirty; })
.PHONY: FORCE
$(BUILD)/commit.h: FORCE
	@mkdir -p $(dir $@)
	@echo '#define DKATA_COMMIT "$(COMMIT)"' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/src/cli/main.o: $(BUILD)/commit.h
$(BUILD)/src/cli/main.o: EXTRA := -I$(BUILD)

$(BUILD)/dkata: $(BUILD)/src/cli/main.o $(BUILD)/libdkata.a
	@echo "  LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/%.c $(BUILD)/libdkata.a
	@mkdir -p $(dir $@)
	@echo "  LD $@"
	@$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libdkata.a $(LIBS) $(TLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libdkata.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(BUILD)/libdkata.a $(LIBS)

$(BUILD)/examples/%: examples/%.c examples/node.h
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror $(SAN) -o $@ $< -ljansson

# The main job: the raft-election kata on the simulator, with its table.
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/dkata run raft-election

test: all
	@./scripts/run-tests $(BUILD)

test-asan:
	@$(MAKE) --no-print-directory BUILD=build/asan OPT=-O1 \
	  SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" all

# Every test, then every test again under AddressSanitizer + UndefinedBehaviorSanitizer, then short fuzz runs.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory test-asan
	@$(MAKE) --no-print-directory fuzz-build
	@./scripts/check

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=build/fuzz/%)
.PHONY: fuzz-build
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
fuzz-build:
	@$(MAKE) --no-print-directory CC=clang BUILD=build/fuzzlib OPT=-O1 \
	  SAN="-fsanitize=fuzzer-no-link $(FUZZ_SAN)" build/fuzzlib/libdkata.a
	@$(MAKE) --no-print-directory fuzz-bins
.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BIN)
build/fuzz/%: tests/fuzz/%.c build/fuzzlib/libdkata.a
	@mkdir -p build/fuzz
	clang -std=c11 -D_GNU_SOURCE -O1 -g -Isrc $(shell pkg-config --cflags $(PKGS)) -fsanitize=fuzzer $(FUZZ_SAN) \
	  -o $@ $< build/fuzzlib/libdkata.a $(LIBS)
fuzz: fuzz-build
	@./scripts/run-fuzz 60

bench: all
	@./scripts/bench $(BUILD)

format:
	clang-format -i $$(find src tests bench -name '*.[ch]')

clean:
	rm -rf build

-include $(LIB_OBJ:.o=.d) $(BUILD)/src/cli/main.d
