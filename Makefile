# coldpack — one GNU Makefile. `make` builds build/coldpack; see README for targets.
CC      ?= cc
PKGS    := libcurl libarchive libcrypto libzstd libdeflate sqlite3 inih expat jansson zlib
CSTD    := -std=c11 -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla \
           -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef -Wno-unused-parameter
WERROR  ?=
OPT     ?= -O2 -g
CFLAGS_ALL = $(CSTD) $(WARN) $(WERROR) $(OPT) -pthread $(shell pkg-config --cflags $(PKGS)) -Isrc $(CFLAGS)
LIBS    := $(shell pkg-config --libs $(PKGS)) -pthread

B       := build
SRCS    := $(sort $(wildcard src/*.c))
LIBSRCS := $(filter-out src/main.c,$(SRCS))
OBJS    := $(SRCS:src/%.c=$(B)/obj/%.o)
LIBOBJS := $(LIBSRCS:src/%.c=$(B)/obj/%.o)
SANOBJS := $(LIBSRCS:src/%.c=$(B)/san/%.o)
UNIT    := $(sort $(wildcard tests/unit/test_*.c))
UNITBIN := $(UNIT:tests/unit/%.c=$(B)/unit/%)
UNITSAN := $(UNIT:tests/unit/%.c=$(B)/unit-san/%)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

.PHONY: all deps demo test unit unit-san e2e fuzz fuzz-regress bench format format-check check-layers clean
all: $(B)/coldpack $(B)/loggen

$(B)/coldpack: $(OBJS)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS)

$(B)/loggen: tools/loggen.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $< -lm

$(B)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

$(B)/san/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SANFLAGS) -O1 -MMD -MP -c -o $@ $<

$(B)/unit/%: tests/unit/%.c tests/unit/testutil.c $(LIBOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LIBS) $(shell pkg-config --cflags --libs cmocka)

$(B)/unit-san/%: tests/unit/%.c tests/unit/testutil.c $(SANOBJS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_ALL) $(SANFLAGS) -O1 -o $@ $^ $(LIBS) $(shell pkg-config --cflags --libs cmocka)

-include $(OBJS:.o=.d) $(SANOBJS:.o=.d)

deps:
	@tools/deps.sh build

deps-test:
	@tools/deps.sh test

unit: $(UNITBIN)
	@tools/run-unit.sh $(UNITBIN)

unit-san: $(UNITSAN)
	@ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 tools/run-unit.sh $(UNITSAN)

e2e: all
	@tests/e2e/run.sh

JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
test:
	$(MAKE) -j$(JOBS) WERROR=-Werror all
	$(MAKE) WERROR=-Werror format-check
	$(MAKE) check-layers
	@tools/check-docs.sh
	$(MAKE) -j$(JOBS) WERROR=-Werror unit
	$(MAKE) -j$(JOBS) WERROR=-Werror unit-san
	$(MAKE) -j$(JOBS) fuzz-regress
	$(MAKE) WERROR=-Werror e2e

demo: deps
	$(MAKE) all
	@tools/demo.sh

bench: all
	@bench/run.sh

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c tests/fuzz/*.c tools/*.c

format-check:
	@out=$$(for f in src/*.c src/*.h tests/unit/*.c tests/fuzz/*.c tools/*.c; do clang-format --dry-run -Werror $$f >/dev/null 2>&1 || echo $$f; done); \
	if [ -n "$$out" ]; then echo "format-check: not clang-formatted:"; echo "$$out"; exit 1; fi; echo "format-check: ok"

# No lower layer of src/ includes a higher one (the table is in the script).
check-layers:
	@tools/check-layers.sh

clean:
	rm -rf $(B)

# ---- install: GNU-style PREFIX and DESTDIR (make install DESTDIR=/tmp/root PREFIX=/usr) ----
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/coldpack
UNITDIR    ?= $(PREFIX)/lib/systemd/system
# the binary reads /etc/coldpack/coldpack.conf by default, whatever PREFIX is
SYSCONFDIR ?= /etc
INSTALL    ?= install
MANPAGES   := $(B)/man/coldpack.1.gz $(B)/man/coldpack.conf.5.gz
SUBST      = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g'

.PHONY: install uninstall man deps-test .install-vars
man: $(MANPAGES)

# Regenerate the substituted files when BINDIR, SYSCONFDIR or DOCDIR change.
$(B)/install.vars: .install-vars
	@mkdir -p $(@D); v='$(BINDIR) $(SYSCONFDIR) $(DOCDIR)'; \
	[ "$$(cat $@ 2>/dev/null)" = "$$v" ] || echo "$$v" >$@

# man(7) sources; compressed as Debian ships them (gzip -9n: no name, no timestamp)
$(B)/man/%.gz: docs/man/%.in $(B)/install.vars
	@mkdir -p $(@D)
	$(SUBST) $< | gzip -9n >$@

$(B)/systemd/coldpack.service: etc/systemd/coldpack.service.in $(B)/install.vars
	@mkdir -p $(@D)
	$(SUBST) $< >$@

install: $(B)/coldpack $(MANPAGES) $(B)/systemd/coldpack.service
	$(INSTALL) -d -m 0755 $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(SYSCONFDIR)/coldpack
	$(INSTALL) -m 0755 $(B)/coldpack $(DESTDIR)$(BINDIR)/coldpack
	$(INSTALL) -m 0644 $(B)/man/coldpack.1.gz $(DESTDIR)$(MANDIR)/man1/coldpack.1.gz
	$(INSTALL) -m 0644 $(B)/man/coldpack.conf.5.gz $(DESTDIR)$(MANDIR)/man5/coldpack.conf.5.gz
	$(INSTALL) -m 0644 README.md docs/*.md etc/coldpack.conf.example $(DESTDIR)$(DOCDIR)/
	$(INSTALL) -m 0644 etc/cron.d/coldpack $(DESTDIR)$(DOCDIR)/coldpack.cron.d
	$(INSTALL) -m 0644 $(B)/systemd/coldpack.service etc/systemd/coldpack.timer $(DESTDIR)$(UNITDIR)/
	$(INSTALL) -m 0644 etc/coldpack.conf.example $(DESTDIR)$(SYSCONFDIR)/coldpack/coldpack.conf.example
	@echo "installed. Next: cp $(SYSCONFDIR)/coldpack/coldpack.conf.example $(SYSCONFDIR)/coldpack/coldpack.conf," \
	      "edit it, coldpack init, then systemctl daemon-reload && systemctl enable --now coldpack.timer"

# Leaves $(SYSCONFDIR)/coldpack/coldpack.conf (yours) and /var/lib/coldpack (the catalog).
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/coldpack $(DESTDIR)$(MANDIR)/man1/coldpack.1.gz \
	    $(DESTDIR)$(MANDIR)/man5/coldpack.conf.5.gz $(DESTDIR)$(UNITDIR)/coldpack.service \
	    $(DESTDIR)$(UNITDIR)/coldpack.timer $(DESTDIR)$(SYSCONFDIR)/coldpack/coldpack.conf.example
	rm -f $(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir README.md $(wildcard docs/*.md)) \
	    coldpack.conf.example coldpack.cron.d)
	rmdir --ignore-fail-on-non-empty $(DESTDIR)$(DOCDIR) $(DESTDIR)$(SYSCONFDIR)/coldpack 2>/dev/null || true

# ---- fuzzing (clang + libFuzzer); see tests/fuzz/README.md ----
# The targets link the library objects, built once more with clang's coverage
# and sanitizers under $(B)/fuzzobj/ (as unit-san does under $(B)/san/).
FUZZCC    ?= clang
FUZZSAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZCFLAGS = $(CSTD) -g -O1 -pthread $(shell pkg-config --cflags $(PKGS)) -Isrc
FUZZOBJS  := $(LIBSRCS:src/%.c=$(B)/fuzzobj/%.o)
FUZZBIN   := $(B)/fuzz/fuzz_config $(B)/fuzz/fuzz_index $(B)/fuzz/fuzz_restore_paths \
             $(B)/fuzz/fuzz_manifest $(B)/fuzz/fuzz_s3_xml $(B)/fuzz/fuzz_restore_tar
FUZZTIME  ?= 60

fuzz: $(FUZZBIN)
	@for f in $(FUZZBIN); do n=$${f##*/fuzz_}; mkdir -p $(B)/fuzz/corpus-$$n; \
	  echo "fuzz: $$n for $(FUZZTIME)s"; \
	  d=; [ -f tests/fuzz/$$n.dict ] && d=-dict=tests/fuzz/$$n.dict; \
	  $$f -max_total_time=$(FUZZTIME) -close_fd_mask=3 -artifact_prefix=$(B)/fuzz/ $$d \
	      $(B)/fuzz/corpus-$$n tests/fuzz/corpus/$$n || exit 1; done

$(B)/fuzzobj/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) -fsanitize=fuzzer-no-link $(FUZZSAN) -MMD -MP -c -o $@ $<

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/memstore.h $(FUZZOBJS)
	@mkdir -p $(@D)
	$(FUZZCC) $(FUZZCFLAGS) $(WARN) -Werror -fsanitize=fuzzer $(FUZZSAN) -o $@ $(filter-out %.h,$^) $(LIBS)

.SECONDARY: $(FUZZOBJS)
-include $(FUZZOBJS:.o=.d)

# Replay the seed corpora and the inputs that once crashed a fuzzer
# (tests/fuzz/regress/<target>-<name>); part of make test.
fuzz-regress: $(FUZZBIN)
	@for f in $(FUZZBIN); do n=$${f##*/fuzz_}; \
	  $$f $$(ls -d tests/fuzz/corpus/$$n/* tests/fuzz/regress/$$n-* 2>/dev/null) >/dev/null 2>&1 || \
	    { echo "fuzz-regress: fuzz_$$n failed (replay: $$f tests/fuzz/corpus/$$n/* tests/fuzz/regress/$$n-*)"; exit 1; }; done
	@echo "fuzz-regress: ok"
