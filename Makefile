# rtlreward — plain Makefile. `make run` and `make test` do all set-up on a fresh Debian 12.
#
# Knobs: SANITIZE=address,undefined   build with sanitizers into build-san/
#        PORT=8080 BIND=127.0.0.1     for `make run`
#        SHARED=../shared             third-party data for the conformance tests

CC       ?= gcc
SHARED   ?= $(abspath ../shared)
PORT     ?= 8080
BIND     ?= 127.0.0.1
ifdef SANITIZE
B        ?= build-san
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      ?= -O1
else
B        ?= build
OPT      ?= -O2
endif

# Debian packages the project needs, at build, run and test time.
DEB_PKGS := build-essential pkg-config libmicrohttpd-dev libprotobuf-c-dev protobuf-c-compiler \
	libjson-c-dev libseccomp-dev libssl-dev zlib1g-dev check verilator iverilog yosys opensta \
	redis-server libhiredis-dev libsqlite3-dev gnuplot-nox python3 valgrind clang

PKGS     := libmicrohttpd libprotobuf-c json-c libseccomp libcrypto zlib sqlite3 hiredis
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

WARN     := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wvla
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=gnu11 $(CFLAGS) $(WARN) $(SANFLAGS) -D_GNU_SOURCE -MMD -MP \
	-include common/banned.h -Icommon -Isandbox -Ireward -Iserver -I$(B)/proto $(PKG_CFLAGS)
LDFLAGS  += $(SANFLAGS) -pthread
LIBS      = $(PKG_LIBS) -lm

PROTO_C  := $(B)/proto/reward.pb-c.c
PROTO_H  := $(B)/proto/reward.pb-c.h
GEN_BUILTIN := $(B)/gen/builtin_problems.c

LIB_SRC  := $(wildcard common/*.c) $(wildcard sandbox/*.c) $(wildcard reward/*.c) \
	$(filter-out server/main.c,$(wildcard server/*.c))
LIB_SRC  := $(filter-out sandbox/probe.c,$(LIB_SRC))
LIB_OBJ  := $(patsubst %.c,$(B)/obj/%.o,$(LIB_SRC)) $(B)/obj/proto/reward.pb-c.o \
	$(B)/obj/gen/builtin_problems.o
TEST_SRC := $(wildcard tests/check_*.c)
# helpers shared by several test suites, linked into every test binary
TEST_LIB_SRC := $(wildcard tests/lib_*.c)
TEST_LIB_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(TEST_LIB_SRC))
TEST_BIN := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))
SERVER   := $(B)/rtlreward-server
PROBE    := $(B)/sb-probe
LOADGEN  := $(B)/rtlreward-load
LOADGEN_OBJ := $(patsubst %.c,$(B)/obj/%.o,$(wildcard loadtest/*.c))

.PHONY: all deps run test unit integration conformance bench asan valgrind clean check-deps help
.DEFAULT_GOAL := all

all: $(SERVER) $(PROBE) $(LOADGEN) $(TEST_BIN)

help:
	@echo "make run      install packages, build, start the server on $(BIND):$(PORT)"
	@echo "make test     install packages, build, run unit + integration + conformance tests"
	@echo "make bench    benchmarks (prints ratios)"
	@echo "make asan     unit tests under ASan/UBSan;  make valgrind  unit tests under valgrind"

# --- set-up ---------------------------------------------------------------------------------
deps:
	@missing=""; for p in $(DEB_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q --no-install-recommends $$missing; \
	else echo "deps: all Debian packages present"; fi

# --- build ----------------------------------------------------------------------------------
$(PROTO_C) $(PROTO_H): proto/reward.proto
	@mkdir -p $(B)/proto
	protoc-c --c_out=$(B)/proto -Iproto proto/reward.proto

$(B)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O1 $(WARN) -include common/banned.h -o $@ $<

$(GEN_BUILTIN): $(B)/tools/embed $(shell find problems -type f 2>/dev/null)
	@mkdir -p $(dir $@)
	$(B)/tools/embed problems > $@.tmp && mv $@.tmp $@

$(B)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# the bundled liberty is embedded with .incbin (reward/ppa.c)
$(B)/obj/reward/ppa.o: reward/lib/rtlr_generic.lib

$(B)/obj/proto/%.o: $(B)/proto/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/obj/gen/%.o: $(B)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/librtlr.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(SERVER): $(B)/obj/server/main.o $(B)/librtlr.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(PROBE): $(B)/obj/sandbox/probe.o
	$(CC) $(LDFLAGS) -o $@ $^

$(B)/tests/%: $(B)/obj/tests/%.o $(TEST_LIB_OBJ) $(B)/librtlr.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LIBS)

# the load generator is plain C + POSIX (sockets, pthreads): no library of the server
$(LOADGEN): $(LOADGEN_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ -lm

# --- run and test ---------------------------------------------------------------------------
run: deps
	$(MAKE) $(SERVER)
	$(SERVER) --bind $(BIND) --port $(PORT) --cache-dir $(CURDIR)/.cache

unit: all
	@fail=0; for t in $(TEST_BIN); do \
	  echo "== $$t"; RTLR_PROBE=$(CURDIR)/$(PROBE) $$t || fail=1; done; exit $$fail

integration: all
	RTLR_SERVER=$(CURDIR)/$(SERVER) SHARED=$(SHARED) python3 tests/integration/run.py

test: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) integration

bench: deps
	$(MAKE) all
	RTLR_SERVER=$(CURDIR)/$(SERVER) RTLR_BUILD=$(CURDIR)/$(B) SHARED=$(SHARED) python3 bench/run.py

asan:
	$(MAKE) SANITIZE=address,undefined unit

valgrind: all
	@fail=0; for t in $(TEST_BIN); do echo "== $$t"; \
	  CK_FORK=no RTLR_PROBE=$(CURDIR)/$(PROBE) valgrind -q --error-exitcode=99 --leak-check=full \
	    --errors-for-leak-kinds=definite $$t || fail=1; done; exit $$fail

clean:
	rm -rf build build-san

-include $(shell find $(B)/obj -name '*.d' 2>/dev/null)
