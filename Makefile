# Tessera's build. Two commands matter to most people:
#
#   make run    install what building needs, build, start the app
#   make test   install what testing needs, then every check and test
#
# Go 1.26 is the only thing assumed; system packages come from .ci/deps.

GO        ?= go
FUZZTIME  ?= 3s
PREFIX    ?= /usr/local
DESTDIR   ?=

MODULE    := github.com/tessera-auth/tessera
APP_ID    := io.github.tessera_auth.tessera
# Version and build number live in FyneApp.toml, the one place to bump them.
VERSION   ?= $(shell sed -n 's/^[[:space:]]*Version[[:space:]]*=[[:space:]]*"\([^"]*\)".*/\1/p' FyneApp.toml)
BUILD_NUM := $(shell sed -n 's/^[[:space:]]*Build[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' FyneApp.toml)
GOARCH     = $(shell $(GO) env GOARCH)
TARBALL    = dist/tessera-$(VERSION)-linux-$(GOARCH).tar.xz

# Pinned tools, run through the module proxy so nothing is installed globally.
STATICCHECK := $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.7.0
FYNE        := $(GO) run fyne.io/tools/cmd/fyne@v1.7.4

# Fyne logs a locale error when LANG is unset; tests start processes with it.
# A race-enabled program sleeps 1 s at exit (GORACE atexit_sleep_ms): once
# per test binary, and in every child process a test starts.
TESTENV := LANG=en_US.UTF-8 GORACE=atexit_sleep_ms=0

# Release builds: Fyne's release mode, and the fyne.Do migration that
# FyneApp.toml declares (development builds read it from FyneApp.toml).
RELEASE_TAGS    := release,migrated_fynedo
RELEASE_LDFLAGS := -s -w -X $(MODULE)/app/cli.Version=$(VERSION)

# Packages that must cross-compile without cgo (no Fyne, no GUI). Patterns
# that match nothing yet are dropped, so the list grows as packages appear.
PORTABLE := ./otp/... ./vault/... ./sync/... ./app/cli/... ./app/screen/... ./app/instance/... ./app/filechooser/... \
            ./app/clock/... ./app/clipboard/... ./app/codeview/... ./app/iconpack/... \
            ./app/autobackup/... \
            ./app/approve/... ./app/loopback/...

# Steps run in the order written, even under make -j.
.NOTPARALLEL:

.PHONY: all deps test-deps run build release package install uninstall clean icons \
	test lint unit fuzz cross wine e2e bench bench-qr bench-gui

all: build

## Dependencies ------------------------------------------------------------

# gcc, pkg-config and the GL/X11 headers Fyne's cgo code needs.
deps:
	@.ci/deps build

# deps, plus the real programs the tests compare against or drive.
test-deps:
	@.ci/deps test

## Building -----------------------------------------------------------------

# The first build compiles Fyne's C code (GLFW) and takes minutes; -v names
# each package as it compiles, so the wait shows progress.
build: deps
	@echo "Building tessera. The first build compiles Fyne's C code and takes a few minutes; later ones take seconds."
	$(GO) build -v -o tessera .

run: build
	./tessera

release: deps
	@mkdir -p dist
	$(GO) build -trimpath -tags $(RELEASE_TAGS) -ldflags "$(RELEASE_LDFLAGS)" -o dist/tessera .

# Linux tarball (binary, .desktop file, icon, and a Makefile that installs
# them) made by the fyne tool from the release binary and FyneApp.toml. The
# tool bumps Build in FyneApp.toml after packaging; the copy taken first puts
# it back, so packaging never changes the tree.
package: release
	@mkdir -p build
	cp FyneApp.toml build/FyneApp.toml.orig
	$(FYNE) package --os linux --release --exe dist/tessera --name Tessera \
		--app-id $(APP_ID) --app-version $(VERSION) --app-build $(BUILD_NUM) \
		--icon assets/icon.png; \
	status=$$?; cp build/FyneApp.toml.orig FyneApp.toml; \
	[ $$status -eq 0 ] && mv Tessera.tar.xz $(TARBALL)
	@echo "packaged $(TARBALL)"

# Installs what the package holds under $(DESTDIR)$(PREFIX), through the
# Makefile the fyne tool put in the tarball.
install: package
	rm -rf build/install && mkdir -p build/install
	tar -xJf $(TARBALL) -C build/install
	$(MAKE) -C build/install/tessera install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/tessera \
		$(DESTDIR)$(PREFIX)/share/applications/$(APP_ID).desktop \
		$(DESTDIR)$(PREFIX)/share/pixmaps/$(APP_ID).png

clean:
	rm -rf tessera dist build tmp-pkg Tessera.tar.xz

# Refreshes the bundled brand logos (assets/issuers/simpleicons.json and
# its licence) from the simple-icons release pinned in
# .ci/simple-icons/package-lock.json, for the slugs assets/issuers/
# simpleicons.txt lists. Only this needs npm; building uses the vendored file.
icons:
	npm ci --prefix .ci/simple-icons --no-audit --no-fund
	node .ci/simple-icons/subset.mjs

## Checks and tests ---------------------------------------------------------

# Everything, in order of cost: formatting and static checks, unit tests
# under the race detector, short fuzz runs, cross-compiles, the Windows
# tests under Wine, then the end-to-end tests with a real window under Xvfb.
test: test-deps lint unit fuzz cross wine e2e

lint:
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' \
		-not -path './dist/*' -not -path './build/*' | xargs gofmt -l); \
	if [ -n "$$files" ]; then echo "gofmt -w needed on:"; echo "$$files"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e,wine ./...
	$(STATICCHECK) -tags e2e,wine ./...

unit:
	$(TESTENV) $(GO) test -race ./...

fuzz:
	FUZZTIME=$(FUZZTIME) GO=$(GO) .ci/fuzz

# Non-GUI packages build for Windows and macOS, and pass go vet there with
# their tests (which go build does not compile), and every package but main
# builds without cgo.
cross:
	@pkgs=$$($(GO) list -e $(PORTABLE) 2>/dev/null | grep '^$(MODULE)/'); \
	for os in windows darwin; do \
		echo "CGO_ENABLED=0 GOOS=$$os go build" $$pkgs | sed 's|$(MODULE)/||g'; \
		CGO_ENABLED=0 GOOS=$$os $(GO) build $$pkgs || exit 1; \
		echo "CGO_ENABLED=0 GOOS=$$os go vet -tags wine (the same)"; \
		CGO_ENABLED=0 GOOS=$$os $(GO) vet -tags wine $$pkgs || exit 1; \
	done
	@pkgs=$$($(GO) list ./... | grep -vx '$(MODULE)'); \
	echo "CGO_ENABLED=0 go build (every package but main)"; \
	CGO_ENABLED=0 $(GO) build $$pkgs

# The Windows code run for real: the test binaries of the vault (file lock,
# crash and two-process tests), the command line's scripts, GDI screen
# capture and clipboard images, cross-compiled for windows/amd64 and run
# under Wine, each in a private prefix; capture reads a picture shown on a
# private Xvfb, the clipboard what xclip offers there. What is left out, and
# why, is in app/internal/wine/wine_test.go.
wine: test-deps
	$(TESTENV) $(GO) test -tags wine -count=1 -v -run '^TestWine' ./app/internal/wine

# End-to-end tests: real binary, real window under Xvfb, real Chromium.
# They live in files tagged e2e, in functions named TestE2E...
# Artefacts the tests keep (the main window's screenshot, ...) land in
# artifacts/, which git ignores.
e2e: test-deps
	@mkdir -p artifacts
	$(TESTENV) $(GO) test -tags e2e -count=1 -run '^TestE2E' -artifacts -outputdir $(CURDIR)/artifacts ./...

## Benchmarks ---------------------------------------------------------------

bench:
	$(TESTENV) $(GO) test -run '^$$' -bench . -benchmem ./...

# QR decoding: Tessera, zbarimg and ZXingReader on the same generated
# screenshots and photos (otp/qr/internal/benchqr): decode rate per variant
# and total times, BENCH_QR_N images per variant.
BENCH_QR_N ?= 40
bench-qr: test-deps
	$(TESTENV) $(GO) run ./otp/qr/internal/benchqr -n $(BENCH_QR_N)

# The GUI's figures: start-up to a usable window with 1,000 entries and one
# second's refresh work (Fyne's test driver), then Tessera with 200 entries
# beside a bare Fyne window and KeePassXC, each under its own Xvfb, measured
# over the same 60 s: idle CPU, resident memory, time to the first window;
# and the real binary's start-up on 1,000 entries (key derivation left out).
bench-gui: test-deps
	@command -v keepassxc >/dev/null || { sudo=; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && $$sudo apt-get install -y -qq keepassxc; }
	$(TESTENV) $(GO) test -run '^$$' -bench '^Benchmark(Startup1000|Tick)$$' -benchmem ./app/gui
	$(TESTENV) $(GO) test -tags e2e -run '^$$' -bench '^BenchmarkGUI(Startup1000|Idle|Memory)$$' -benchtime 1x -timeout 15m ./app/gui
