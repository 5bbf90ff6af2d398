# onescreen — build, run, test and benchmark.
#
#   make run     build and open the dashboard on the embedded demo district
#   make test    every test: vet, unit, widget, integration, and the real-window smoke test
#   make bench   the benchmarks behind the README's figures
#
# Fyne and go-sqlite3 need cgo and a few system packages. `make deps` installs
# what is missing with apt-get when it can (as root, or with sudo), and
# otherwise prints the exact command to run.

GO        ?= go
TAGS      := migrated_fynedo
TEST_TAGS := ci,migrated_fynedo
BIN       := bin
# The release, from the nearest tag (a bare commit when there is none); the
# binaries print it with --version and the About box shows it.
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
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

.PHONY: all build run test bench deps deps-test vet fmt clean headless cityfeed fuzz

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

test: deps deps-test vet
	# the real-window tests (root package: smoke, wall soak) run after the
	# others, so that their Xvfb load does not slow the cluster failover tests
	$(GO) test -race -tags $(TEST_TAGS) -timeout 40m $$($(GO) list ./... | grep -vx onescreen)
	$(GO) test -race -tags $(TEST_TAGS) -timeout 40m .

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || \
		{ echo "gofmt would change:"; gofmt -l .; exit 1; }
	$(GO) vet -tags $(TEST_TAGS) ./...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzDecode -fuzztime 60s ./feeds/

bench: deps
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 3s -tags $(TEST_TAGS) -timeout 60m ./... | tee bench.txt

fmt:
	gofmt -w $$(git ls-files '*.go')

clean:
	rm -rf $(BIN)

deps:
	@./scripts/ensure-packages $(BUILD_PKGS)

deps-test:
	@./scripts/ensure-packages $(TEST_PKGS)
	@./scripts/ensure-packages --no-install-recommends $(TEST_PKGS_NORECOMMENDS)
