# keygate: GNU Makefile (pkg-config for every dependency).
#
#   make            build libkeygate.a and the keygate CLI into build/
#   make check      install deps, build with ASan+UBSan, run every test
#   make run        install deps, build, start the local stack
#   make unit       build with ASan+UBSan and run the unit tests only
#   make suite S=RE run the suites whose name matches RE (for example
#                   S=integration/gateway_core or S='unit/test_(json|str)')
#   make fuzz       run the libFuzzer targets (clang) for FUZZ_SECONDS each
#   make bench      run the benchmarks in tests/bench
#   make format     clang-format every C file
#   make deb        Debian packages into build/deb (lintian-checked)
#   make image-check build the container image and run it (buildah, root)
#
# SAN=1 builds with AddressSanitizer and UndefinedBehaviorSanitizer into
# build/asan; the default build goes to build/release.

PKGS      := apr-1 apr-util-1 libxml-2.0 openssl libpcre2-8 hiredis liboauth2 cjose \
             lasso xmlsec1-openssl libcurl gobject-2.0 glib-2.0 zlib
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CC        ?= cc
WARN      := -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes \
             -Wmissing-prototypes -Wshadow -Wpointer-arith -Wformat=2 \
             -Wvla -Wno-unused-parameter \
             -Wno-missing-field-initializers
BASEFLAGS := $(WARN) -D_GNU_SOURCE -fPIC -fvisibility=hidden \
             -I. $(PKG_CFLAGS)

ifeq ($(FUZZ),1)
CC        := clang
O         := build/fuzz
OPT       := -O1 -g -fno-omit-frame-pointer \
             -fsanitize=address,undefined,fuzzer-no-link
LDSAN     := -fsanitize=address,undefined,fuzzer
else ifeq ($(SAN),1)
O         := build/asan
OPT       := -O1 -g -fno-omit-frame-pointer \
             -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN     := -fsanitize=address,undefined
else
O         := build/release
OPT       := -O2 -g
LDSAN     :=
endif
CFLAGS    := $(BASEFLAGS) $(OPT) $(EXTRA_CFLAGS)

# The core: every layer below the binding. New files are picked up
# without editing this list.
CORE_DIRS := gateway/base conf mappers sessions policy gateway/proto gateway/flow
CORE_SRC  := $(sort $(shell find $(CORE_DIRS) -name '*.c'))
CORE_OBJ  := $(CORE_SRC:%.c=$(O)/%.o)
CLI_SRC   := $(wildcard gateway/cli/*.c)
CLI_OBJ   := $(CLI_SRC:%.c=$(O)/%.o)

MOD_SRC   := $(wildcard gateway/httpd/*.c)
MOD_OBJ   := $(MOD_SRC:%.c=$(O)/%.o)
MOD       := $(O)/mod_keygate.so
HTTPD_INC := $(shell apxs -q INCLUDEDIR 2>/dev/null)

LIB       := $(O)/libkeygate.a
CLI       := $(O)/keygate
LIBS      := $(PKG_LIBS) -lm

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BIN  := $(UNIT_SRC:%.c=$(O)/%)
UNIT_HELP := $(filter-out $(UNIT_SRC),$(wildcard tests/unit/*.c))
CMOCKA    := $(shell pkg-config --cflags --libs cmocka 2>/dev/null)

FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_REPLAY := $(FUZZ_SRC:%.c=$(O)/%_replay)
ITEST_SRC := $(wildcard tests/integration/*.c)
ITEST_BIN := $(ITEST_SRC:%.c=$(O)/%)
BENCH_SRC := $(wildcard tests/bench/bench_*.c)
BENCH_BIN := $(BENCH_SRC:%.c=$(O)/%)

.PHONY: all deps deb image-check check unit suite run fuzz fuzzers bench format clean tests install

all: $(LIB) $(CLI) $(MOD)

deps:
	@scripts/deps.sh

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

# The binding is the only code compiled against httpd's headers.
$(O)/gateway/httpd/%.o: gateway/httpd/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -I$(HTTPD_INC) -MMD -MP -c $< -o $@

# mod_keygate.so exports keygate_module and nothing else.
$(MOD): $(MOD_OBJ) $(LIB)
	$(CC) -shared $(LDSAN) $(EXTRA_LDFLAGS) -o $@ $(MOD_OBJ) $(LIB) $(LIBS) \
		-Wl,--exclude-libs,ALL

$(LIB): $(CORE_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(CLI): $(CLI_OBJ) $(LIB)
	$(CC) $(CFLAGS) $(LDSAN) $(EXTRA_LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LIBS)

UNIT_HDR  := $(wildcard tests/unit/*.h)

$(O)/tests/unit/%: tests/unit/%.c $(UNIT_HELP) $(UNIT_HDR) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDSAN) -o $@ $< \
		$(UNIT_HELP) $(LIB) $(LIBS) $(CMOCKA)

# The binding's test: httpd's headers, the binding's objects, and
# stand-ins for the httpd symbols those objects call (kept outside
# tests/unit/*.c, so no other test sees httpd).
HTTPD_TEST_OBJ := $(addprefix $(O)/gateway/httpd/,mod_keygate.o req.o \
                  status.o config.o log.o authz.o)
HTTPD_STUBS    := tests/unit/httpd/server_stubs.c
$(O)/tests/unit/test_httpd_req: tests/unit/test_httpd_req.c $(HTTPD_STUBS) \
		tests/unit/httpd/server_stubs.h $(UNIT_HELP) $(UNIT_HDR) \
		$(HTTPD_TEST_OBJ) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(HTTPD_INC) -Wno-missing-prototypes $(LDSAN) \
		-o $@ $< $(HTTPD_STUBS) $(HTTPD_TEST_OBJ) $(UNIT_HELP) \
		$(LIB) $(LIBS) $(CMOCKA)

$(O)/tests/fuzz/%_replay: tests/fuzz/%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< tests/fuzz/replay.c $(LIB) $(LIBS)

$(O)/tests/fuzz/%_fuzzer: tests/fuzz/%.c tests/fuzz/fuzz.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LIBS)

fuzzers: $(FUZZ_SRC:%.c=$(O)/%_fuzzer)

# A program that calls the SAML SP (gateway/proto/saml/sp.c, which every
# lasso file of that folder calls) links GLib too (lasso.pc does not
# name it).
GLIB_LIBS := $(shell pkg-config --libs gobject-2.0 glib-2.0 2>/dev/null)
$(O)/tests/fuzz/fuzz_saml_acs_replay $(O)/tests/fuzz/fuzz_saml_acs_fuzzer: \
	LIBS += $(GLIB_LIBS)

$(O)/tests/bench/%: tests/bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDSAN) -o $@ $< $(LIB) $(LIBS)

$(O)/tests/integration/%: tests/integration/%.c tests/integration/driver.h $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Wno-missing-prototypes $(LDSAN) -o $@ $< $(LIB) $(LIBS)

tests: all $(UNIT_BIN) $(FUZZ_REPLAY) $(BENCH_BIN) $(ITEST_BIN)

# make check: deps first, then the sanitizer build, then every suite.
check: deps
	@$(MAKE) --no-print-directory SAN=1 tests
	@$(MAKE) --no-print-directory tests
	@$(MAKE) --no-print-directory deb
	@tests/run.sh build/asan build/release

# make unit / make suite: the tight loop. No deps step and no release
# build: the sanitizer build of what the chosen suites need, then those
# suites only (tests/run.sh's KG_SUITES).
unit:
	@$(MAKE) --no-print-directory SAN=1 all $(UNIT_BIN:build/release/%=build/asan/%)
	@KG_SUITES='^unit/' tests/run.sh build/asan build/release

suite:
	@test -n "$(S)" || { echo "make suite S=REGEX (a suite name pattern)"; exit 2; }
	@$(MAKE) --no-print-directory SAN=1 tests
	@KG_SUITES='$(S)' tests/run.sh build/asan build/release

run: deps all
	@scripts/run.sh $(O)

FUZZ_SECONDS ?= 60
fuzz: deps
	@tests/fuzz/run-libfuzzer.sh $(FUZZ_SECONDS)

bench: deps
	@scripts/deps.sh --bench
	@$(MAKE) --no-print-directory tests
	@tests/bench/run.sh build/release

# make install: the module into apxs's LIBEXECDIR, keygate.load and
# keygate.conf for a2enmod, and the CLI. DESTDIR stages a package.
PREFIX      ?= /usr/local
LIBEXECDIR  := $(shell apxs -q LIBEXECDIR 2>/dev/null)
MODS_AVAIL  ?= /etc/apache2/mods-available
install: all
	install -d $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(MODS_AVAIL) \
		$(DESTDIR)$(PREFIX)/bin
	install -m 644 $(MOD) $(DESTDIR)$(LIBEXECDIR)/mod_keygate.so
	install -m 644 packaging/keygate.load $(DESTDIR)$(MODS_AVAIL)/
	install -m 644 packaging/keygate.conf $(DESTDIR)$(MODS_AVAIL)/
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/keygate

# make deb: the Debian packages (libapache2-mod-keygate, keygate) into
# build/deb/, built from a copy of the tracked files (every file but
# build/ in an unpacked source archive) with dpkg-buildpackage, then
# checked with lintian (no errors allowed). It installs only the build
# packages (deps.sh --deb), so a machine that only installs keygate
# (scripts/install.sh) gets no test stack.
deb:
	@scripts/deps.sh --deb
	@rm -rf build/deb && mkdir -p build/deb/src
	@if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then \
		git ls-files -z; \
	else \
		find . \( -path ./build -o -path ./.git -o -name node_modules \) \
			-prune -o -type f -print0; \
	fi | tar --null -T - -cf - | tar -xf - -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b
	lintian --fail-on error build/deb/*.changes
	@ls -l build/deb/*.deb

# make image-check: the container image (packaging/image/Containerfile)
# built FROM a local debootstrap base with buildah, run from its mount
# with chroot, and checked against packaging/k8s (tests/image/check.sh).
image-check: deps
	@$(MAKE) --no-print-directory deb
	@KG_SUITES='^image/' tests/run.sh build/asan build/release

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(MOD_OBJ:.o=.d)
