# onescreen — build, run, test and benchmark.
#
#   make run     build and open the dashboard on the embedded demo district
#   make test    every test: vet, unit, widget, integration, and the real-window smoke test
#   make bench   the benchmarks behind the README's figures
#   make fuzz    each reader's fuzzer for FUZZTIME, one after another (their seed
#                corpora and the crashers kept under testdata/fuzz run in make test)
#
# Fyne and go-sqlite3 need cgo and a few system packages. `make deps` installs
# what is missing with apt-get when it can (as root, or with sudo), and
# otherwise prints the exact command to run.

GO        ?= go
TAGS      := migrated_fynedo,no_emoji
TEST_TAGS := ci,migrated_fynedo,no_emoji
BIN       := bin
# The release, from the nearest tag (a bare commit when there is none); the
# binaries print it with --version and the About box shows it.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
VERSION   := $(VERSION)
LDFLAGS   := -X onescreen/internal/version.Version=$(VERSION)
export CGO_ENABLED := 1

# Packages needed to compile (Fyne's GL/X11 driver, ALSA for the alarm sound, cgo).
BUILD_PKGS := gcc pkg-config libasound2-dev libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev \
              libxinerama-dev libxi-dev libxxf86vm-dev libwayland-dev libxkbcommon-dev
# Extra packages the tests use: a real X server for the smoke test, xwd and
# ImageMagick for its screenshot, xmllint to validate CAP exports, nats-server
# (JetStream, clustering) for the NATS transport tests.
TEST_PKGS  := xvfb x11-apps libxml2-utils nats-server
TEST_PKGS_NORECOMMENDS := imagemagick
# `make package`: the mingw-w64 cross compiler for Windows (cgo: go-sqlite3,
# Fyne's GL driver), zip and xz for the archives. The fyne tool (icon and
# version resource of the .exe, the Linux tarball's layout) is built into
# build/tools from the Go module proxy.
PACKAGE_PKGS := gcc-mingw-w64-x86-64 zip unzip xz-utils
# `make package-arm64`: the aarch64 cross compiler and the arm64 -dev
# libraries (multiarch), qemu-user to run the result.
ARM64_PKGS := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user-static \
              libasound2-dev:arm64 libgl1-mesa-dev:arm64 libx11-dev:arm64 libxcursor-dev:arm64 \
              libxrandr-dev:arm64 libxinerama-dev:arm64 libxi-dev:arm64 libxxf86vm-dev:arm64 \
              libwayland-dev:arm64 libxkbcommon-dev:arm64
# `make test-windows`: Debian's Wine (64-bit) on the test X server.
WINE_PKGS := wine wine64
FYNE_TOOL := fyne.io/tools/cmd/fyne@v1.7.4
FYNE      := $(CURDIR)/build/tools/fyne
DIST      := dist
WINZIP    := $(DIST)/onescreen-$(VERSION)-windows-amd64.zip

.PHONY: all build run test bench deps deps-test vet fmt clean headless cityfeed fuzz \
        package package-windows package-linux package-arm64 test-windows test-arm64 deps-package deps-arm64 deps-wine

all: build

build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o $(BIN)/onescreen .
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN)/cityfeed ./cmd/cityfeed

run: build
	./$(BIN)/onescreen $(ARGS)

headless: build
	./$(BIN)/onescreen --headless $(ARGS)

cityfeed: build
	./$(BIN)/cityfeed serve $(ARGS)

test: deps deps-test vet test-windows
	# the real-window tests (root package: smoke, wall soak) run after the
	# others, so that their Xvfb load does not slow the cluster failover tests
	$(GO) test -race -tags $(TEST_TAGS) -timeout 40m $$($(GO) list ./... | grep -vx onescreen)
	$(GO) test -race -tags $(TEST_TAGS) -timeout 40m .

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || \
		{ echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet -tags $(TEST_TAGS) ./...

# Every reader's fuzzer, as package:function. FUZZTIME is per fuzzer (a
# duration, or a count of executions such as 10000000x).
FUZZ_TARGETS := feeds:FuzzDecode feeds:FuzzStepLogLines feeds:FuzzReadRecording cmd/cityfeed:FuzzAirCSV \
                assets:FuzzBaseMap city:FuzzSiteConfig city:FuzzCAPAlert
FUZZTIME     ?= 60s
FUZZPARALLEL ?= 1

fuzz:
	@missing=$$(grep -rhoE --include='*_test.go' '^func Fuzz[A-Za-z0-9_]+' . | sed 's/^func //' | sort -u | \
		while read f; do case " $(FUZZ_TARGETS) " in *":$$f "*) ;; *) echo $$f;; esac; done); \
		test -z "$$missing" || { echo "fuzzers not in FUZZ_TARGETS: $$missing"; exit 1; }
	@set -e; for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; \
		echo "== $$fn (./$$pkg) for $(FUZZTIME)"; \
		$(GO) test -tags $(TEST_TAGS) -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) \
			-parallel $(FUZZPARALLEL) -timeout 0 ./$$pkg/; \
	done

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s -tags $(TEST_TAGS) -timeout 60m ./... | tee bench.txt

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN) $(DIST) build/package build/wintest

# Release packages in dist/: the Windows zip, the Linux amd64 tarball and .deb.
package: package-windows package-linux

package-windows: deps deps-package $(FYNE)
	VERSION=$(VERSION) GO=$(GO) FYNE=$(FYNE) TAGS=$(TAGS) ./scripts/package windows-amd64

package-linux: deps deps-package $(FYNE)
	VERSION=$(VERSION) GO=$(GO) FYNE=$(FYNE) TAGS=$(TAGS) ./scripts/package linux-amd64

package-arm64: deps deps-package deps-arm64 $(FYNE)
	VERSION=$(VERSION) GO=$(GO) FYNE=$(FYNE) TAGS=$(TAGS) ./scripts/package linux-arm64

# The Windows package and the tests of city, feeds and cache, run under Wine
# on Xvfb (see scripts/test-windows); Wine's prefix is build/wineprefix.
test-windows: package-windows deps-test deps-wine
	VERSION=$(VERSION) GO=$(GO) TEST_TAGS=$(TEST_TAGS) ./scripts/test-windows $(CURDIR)/$(WINZIP)

# The arm64 .deb's binaries under qemu-user: --version, the headless demo,
# export readings (see scripts/test-arm64). Not part of `make test`: the
# arm64 build adds some ten minutes on two cores.
test-arm64: package-arm64
	VERSION=$(VERSION) ./scripts/test-arm64 "$$(ls -t $(DIST)/onescreen_*_arm64.deb | head -n 1)"

$(FYNE):
	GOBIN=$(CURDIR)/build/tools $(GO) install $(FYNE_TOOL)

deps:
	@./scripts/ensure-packages $(BUILD_PKGS)

deps-package:
	@./scripts/ensure-packages $(PACKAGE_PKGS)

deps-wine:
	@./scripts/ensure-packages $(WINE_PKGS)

deps-arm64:
	@dpkg --print-foreign-architectures | grep -qx arm64 || \
		{ echo "adding the arm64 architecture to dpkg"; dpkg --add-architecture arm64 && apt-get update -qq; }
	@./scripts/ensure-packages --no-install-recommends $(ARM64_PKGS)

deps-test:
	@./scripts/ensure-packages $(TEST_PKGS)
	@./scripts/ensure-packages --no-install-recommends $(TEST_PKGS_NORECOMMENDS)
