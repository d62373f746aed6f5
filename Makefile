# mlip.h — build, test and benchmark.
#   make                 the command-line tool ./mlip, the examples and the benchmarks
#   make test            compile checks (gcc, clang, C++) + the test runner
#   make test-asan       the test runner built with -fsanitize=address,undefined
#   make test-portable   the test runner without SIMD and without -march=native
#   make test-aarch64    cross-compiled for aarch64, run under qemu-user; must use NEON
#   make test-be         cross-compiled for big-endian s390x, run under qemu-user
#   make test-valgrind   the test runner (-O1 -g, SIMD by run-time dispatch) under valgrind memcheck
#   make test-opt        the test runner built with gcc -O0 and with clang -O2 (besides the default -O3)
#   make check-matrix    gcc and clang at -O0/-O2/-O3, C99 and C11, g++/clang++ (the header as C++), -Werror
#   make check-style     clang-format, 100 columns and function length (tools/check_style.py)
#   make check-all       all of the above and every test-* run; ends with the total "N passed, M failed"
#   make bench           GEMM against OpenBLAS (dlopen'ed at run time), side by side
#   make bench-tokenizer tokenizer MB/s and tokens/s on real reports (+ transformers.js)
#   make parity-tokenizer all real reports through mlip tokenize and transformers.js: same ids
#   make check-preprocess MLIP_IMAGE_BICUBIC against open_clip's preprocess on the real X-rays
#   make example         build and run the small end-to-end example
#   make fixtures        regenerate tests/data/*.fx with the PyTorch twin (needs python3-torch)
#   make fuzz-model      libFuzzer on the .mlip / safetensors loaders (FUZZ_TIME seconds, default 600)
# Switches: PORTABLE=1 (no SIMD, no -march=native), THREADS=0 (MLIP_NO_THREADS),
#           CC=clang, TEST_THREADS=N (threads the runner uses, default 2), OPT (default -O3:
#           gcc vectorises loops of unknown length, like the GELU's, only from -O3).

CC ?= cc
CXX ?= c++
CLANG ?= clang
CLANGXX ?= clang++
WARN = -Wall -Wextra -pedantic -Werror
OPT ?= -O3
ifeq ($(PORTABLE),1)
  ARCH =
  DEFS = -DMLIP_NO_SIMD
else
  ARCH ?= -march=native
  DEFS =
endif
ifeq ($(THREADS),0)
  DEFS += -DMLIP_NO_THREADS
  LIBS = -lm
else
  LIBS = -lm -lpthread
endif
CFLAGS_ALL = -std=c99 $(WARN) $(OPT) $(ARCH) $(DEFS) $(EXTRA)
CXXFLAGS_ALL = -std=c++11 $(WARN) $(OPT) $(ARCH) $(DEFS) $(EXTRA)
TEST_THREADS ?= 2
BUILD = build/$(if $(filter 1,$(PORTABLE)),portable,native)$(if $(filter 0,$(THREADS)),-nothreads,)$(SUFFIX)

TEST_SRC = tests/runner.c tests/test.h tests/infer_common.h $(wildcard tests/test_*.c) tools/synth.h
EXAMPLES = examples/tiny_block examples/zeroshot examples/embed_report examples/train_loop

.PHONY: check-style demo bench-train test-cli fixtures all test test-asan test-valgrind test-opt check-matrix check-all test-portable test-nothreads test-aarch64 test-be check-compile bench bench-tokenizer parity-tokenizer check-preprocess example clean fuzz-image fuzz-tokenizer fuzz-model

all: mlip tools/bench_gemm tools/bench_tokenizer $(EXAMPLES)

# ./mlip: one object per file of tools/mlip/ (one command each; impl.c compiles the library),
# kept apart per compiler so that `make mlip CC=clang` rebuilds them.
MLIP_SRC = $(wildcard tools/mlip/*.c)
MLIP_OBJDIR = $(BUILD)/mlip-$(notdir $(CC))
MLIP_OBJ = $(MLIP_SRC:tools/mlip/%.c=$(MLIP_OBJDIR)/%.o)

mlip: $(MLIP_OBJ)
	$(CC) $(CFLAGS_ALL) -o $@ $(MLIP_OBJ) $(LIBS)

$(MLIP_OBJDIR)/%.o: tools/mlip/%.c tools/mlip/cli.h mlip.h
	@mkdir -p $(MLIP_OBJDIR)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(MLIP_OBJDIR)/synth.o: tools/synth.h

tools/bench_gemm: tools/bench_gemm.c mlip.h
	$(CC) -D_GNU_SOURCE $(filter-out -pedantic,$(CFLAGS_ALL)) -o $@ tools/bench_gemm.c $(LIBS) -ldl

tools/bench_tokenizer: tools/bench_tokenizer.c mlip.h
	$(CC) $(CFLAGS_ALL) -o $@ tools/bench_tokenizer.c $(LIBS)

examples/%: examples/%.c mlip.h
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LIBS)

# The README's main command: synthetic data, pre-training, zero-shot evaluation, explanation.
demo: mlip
	tools/demo.sh build/demo

# The ./mlip tool end to end: synth, train (exact resume), eval, explain, bad dataset rows.
test-cli: mlip
	tests/cli_test.sh

# One training step of the MLIP objective against the PyTorch twin (needs torch).
bench-train: mlip
	tools/bench_train.sh

# ---- tests ----
$(BUILD)/runner.o: $(TEST_SRC) mlip.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_ALL) -DMLIP_TEST_CXX -c -o $@ tests/runner.c
$(BUILD)/static_tu.o: tests/static_tu.c mlip.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_ALL) -c -o $@ tests/static_tu.c
$(BUILD)/oom_tu.o: tests/oom_tu.c mlip.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_ALL) -c -o $@ tests/oom_tu.c
$(BUILD)/noheap_tu.o: tests/noheap_tu.c tests/infer_common.h mlip.h
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS_ALL) -c -o $@ tests/noheap_tu.c
$(BUILD)/cxx_tu.o: tests/cxx_tu.cpp mlip.h
	@mkdir -p $(BUILD)
	$(CXX) $(CXXFLAGS_ALL) -c -o $@ tests/cxx_tu.cpp
$(BUILD)/runner: $(BUILD)/runner.o $(BUILD)/static_tu.o $(BUILD)/oom_tu.o $(BUILD)/noheap_tu.o $(BUILD)/cxx_tu.o
	$(CXX) $(EXTRA) -o $@ $^ $(LIBS)

# The header must compile cleanly as C99 and C++ under both compilers, with and without
# SIMD and threads (syntax and warnings only; the runner covers behaviour).
check-compile:
	@mkdir -p build
	@printf '#define MLIP_IMPLEMENTATION\n#include "../mlip.h"\n' > build/impl.c
	@pids=""; i=0; \
	for cc in gcc $(CLANG); do for v in "-std=c99 -O2" "-std=c99 -O2 -DMLIP_NO_SIMD -DMLIP_NO_THREADS" \
	    "-std=c99 -O2 -DMLIP_STATIC" "-std=c11 -O2 -march=native" "-std=c99 -O2 -DMLIP_NO_WEIGHT_CHECK"; do \
	  i=$$((i+1)); $$cc $$v $(WARN) -c build/impl.c -o build/impl$$i.o & pids="$$pids $$!"; \
	done; done; \
	for cxx in g++ $(CLANGXX); do \
	  i=$$((i+1)); $$cxx -std=c++11 $(WARN) -O2 -x c++ -c build/impl.c -o build/impl$$i.o & pids="$$pids $$!"; \
	done; \
	fail=0; for p in $$pids; do wait $$p || fail=1; done; rm -f build/impl*.o; \
	[ $$fail = 0 ] || { echo "check-compile: FAILED (see the messages above)"; exit 1; }
	@echo "check-compile: gcc, clang (C99 with and without SIMD/threads, MLIP_STATIC, MLIP_NO_WEIGHT_CHECK, C11) and g++, clang++ (C++11) compile mlip.h warning-free"

test: check-compile $(BUILD)/runner
	./$(BUILD)/runner --threads $(TEST_THREADS)

test-asan:
	$(MAKE) --no-print-directory $(if $(filter 1,$(PORTABLE)),PORTABLE=1,) SUFFIX=-asan OPT="-O1 -g" \
	  EXTRA="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  build/$(if $(filter 1,$(PORTABLE)),portable,native)-asan/runner
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ./build/$(if $(filter 1,$(PORTABLE)),portable,native)-asan/runner --threads $(TEST_THREADS)

test-portable:
	$(MAKE) --no-print-directory PORTABLE=1 build/portable/runner
	./build/portable/runner --threads $(TEST_THREADS)

test-nothreads:
	$(MAKE) --no-print-directory THREADS=0 build/native-nothreads/runner
	./build/native-nothreads/runner --threads 1

# valgrind memcheck over the whole suite: no -march=native (valgrind has no AVX-512), so the
# kernels valgrind can run are picked at run time. Any error or leak fails the run. The two
# slowest cases (large GEMMs, repeated tiny-model forwards: 140 s under valgrind) are left out;
# the odd GEMM shapes and the no-heap inference cover the same code. ~1.5 min here.
VALGRIND = valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
  --show-leak-kinds=definite,indirect,possible --track-origins=yes --quiet
test-valgrind:
	@if ! command -v valgrind >/dev/null; then echo "SKIP test-valgrind: needs valgrind (apt-get install valgrind)"; exit 0; fi; \
	$(MAKE) --no-print-directory ARCH= SUFFIX=-valgrind OPT="-O1 -g" build/native-valgrind/runner && \
	$(VALGRIND) ./build/native-valgrind/runner --threads $(TEST_THREADS) \
	  --skip gemm/large_shapes_threads --skip reliability/deterministic_inference

# Other optimisation levels: gcc -O0 (no inlining, every load and store as written) and clang -O2.
test-opt:
	$(MAKE) --no-print-directory CC=gcc CXX=g++ OPT="-O0 -g" SUFFIX=-gcc-O0 build/native-gcc-O0/runner
	./build/native-gcc-O0/runner --threads $(TEST_THREADS)
	$(MAKE) --no-print-directory CC=$(CLANG) CXX=$(CLANGXX) OPT=-O2 SUFFIX=-clang-O2 build/native-clang-O2/runner
	./build/native-clang-O2/runner --threads $(TEST_THREADS)

# Compile-only matrix (warnings are errors): both compilers at three optimisation levels (some
# warnings appear only with optimisation), C99 and C11, and the header as C++11.
check-matrix:
	@mkdir -p build
	@printf '#define MLIP_IMPLEMENTATION\n#include "../mlip.h"\n' > build/impl.c
	@fail=0; for cc in gcc $(CLANG); do pids=""; for o in -O0 -O2 -O3; do for std in c99 c11; do \
	  $$cc -std=$$std $$o $(WARN) -c build/impl.c -o build/matrix-$$cc$$o$$std.o & pids="$$pids $$!"; \
	done; done; for p in $$pids; do wait $$p || fail=1; done; done; \
	for cxx in g++ $(CLANGXX); do pids=""; for o in -O0 -O2 -O3; do \
	  $$cxx -std=c++11 $$o $(WARN) -x c++ -c build/impl.c -o build/matrix-$$cxx$$o.o & pids="$$pids $$!"; \
	done; for p in $$pids; do wait $$p || fail=1; done; done; rm -f build/matrix-*.o; \
	if [ $$fail = 0 ]; then echo "check-matrix: gcc, clang x -O0 -O2 -O3 x C99 C11 and g++, clang++ x -O0 -O2 -O3: warning-free"; \
	  echo "1 passed, 0 failed"; else echo "check-matrix: FAILED (see the messages above)"; echo "0 passed, 1 failed"; exit 1; fi

# Layout: clang-format (the .clang-format at the top) on the header, the CLI, the tests and the
# examples; mlip.h within 100 columns and no function in it over 120 lines.
check-style:
	@python3 tools/check_style.py

# Everything, each run's "N passed, M failed" summed into one total line; non-zero exit when any
# run failed (or gave no result line). A run that cannot happen here (no valgrind, no qemu)
# prints SKIP and counts as neither.
CHECK_ALL_RUNS = check-style test test-cli test-portable test-nothreads test-asan test-valgrind test-opt test-aarch64 test-be check-matrix
check-all:
	@mkdir -p build/check-all; total_p=0; total_f=0; status=0; \
	for t in $(CHECK_ALL_RUNS); do \
	  echo "== make $$t"; start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$t > build/check-all/$$t.log 2>&1; rc=$$?; \
	  grep -E '^(FAIL|SKIP|check-|    .*(kernel|threads|arena|operations))' build/check-all/$$t.log; \
	  lines=$$(grep -E '^[0-9]+ passed, [0-9]+ failed$$' build/check-all/$$t.log); \
	  p=0; f=0; for l in $$(echo "$$lines" | awk 'NF {print $$1 ":" $$3}'); do \
	    p=$$((p + $${l%%:*})); f=$$((f + $${l##*:})); done; \
	  if [ -z "$$lines" ] && ! grep -q '^SKIP' build/check-all/$$t.log; then \
	    tail -20 build/check-all/$$t.log | sed "s/^/  | /"; echo "$$t: no result line"; f=$$((f + 1)); fi; \
	  [ $$rc = 0 ] || { tail -5 build/check-all/$$t.log | sed "s/^/  | /"; echo "$$t: FAILED (exit $$rc, log build/check-all/$$t.log)"; status=1; }; \
	  echo "$$t: $$p passed, $$f failed ($$(( $$(date +%s) - start )) s)"; \
	  total_p=$$((total_p + p)); total_f=$$((total_f + f)); \
	done; \
	echo "$$total_p passed, $$total_f failed"; \
	[ $$status = 0 ] && [ $$total_f = 0 ]

# Cross-architecture runs (static binaries under qemu-user). Missing tools: a visible SKIP.
CROSS_AARCH64 ?= aarch64-linux-gnu-gcc
CROSS_BE ?= s390x-linux-gnu-gcc
define cross_test
	@if ! command -v $(1) >/dev/null || ! command -v $(2) >/dev/null; then \
	  echo "SKIP $(3): needs $(1) and $(2) (apt-get install $(4) qemu-user)"; exit 0; fi; \
	mkdir -p build/$(3) && \
	$(1) -std=c99 $(WARN) -O2 -c -o build/$(3)/runner.o tests/runner.c && \
	$(1) -std=c99 $(WARN) -O2 -c -o build/$(3)/static_tu.o tests/static_tu.c && \
	$(1) -std=c99 $(WARN) -O2 -c -o build/$(3)/oom_tu.o tests/oom_tu.c && \
	$(1) -std=c99 $(WARN) -O2 -c -o build/$(3)/noheap_tu.o tests/noheap_tu.c && \
	$(1) -static -o build/$(3)/runner build/$(3)/runner.o build/$(3)/static_tu.o build/$(3)/oom_tu.o \
	  build/$(3)/noheap_tu.o -lm -lpthread && \
	$(2) build/$(3)/runner --threads $(TEST_THREADS) $(5)
endef

CROSS_DEPS = $(TEST_SRC) tests/static_tu.c tests/oom_tu.c tests/noheap_tu.c mlip.h
test-aarch64: $(CROSS_DEPS)
	$(call cross_test,$(CROSS_AARCH64),qemu-aarch64,aarch64,gcc-aarch64-linux-gnu,--expect-kernel neon)

test-be: $(CROSS_DEPS)
	$(call cross_test,$(CROSS_BE),qemu-s390x,s390x,gcc-s390x-linux-gnu,--expect-kernel scalar)

bench: tools/bench_gemm
	./tools/bench_gemm

# Tokenizer throughput on the IU reports (../shared); then transformers.js on the same text
# when node and the npm package are there (npm install --no-save @huggingface/transformers).
bench-tokenizer: tools/bench_tokenizer
	./tools/bench_tokenizer
	@if command -v node >/dev/null && [ -d node_modules/@huggingface/transformers ]; then \
	  node tools/bench_tokenizer.mjs; else echo "SKIP: transformers.js comparison (no node or package)"; fi

# Whole-corpus parity: every IU report and COVID case note through `mlip tokenize` and through
# transformers.js, uncased and cased; the outputs must be byte-identical.
parity-tokenizer: mlip
	@set -e; V=../shared/data/vocab/bert-base-uncased-vocab.txt; mkdir -p build; \
	for f in ../shared/data/cxr/reports.tsv ../shared/data/cxr/pairs.tsv; do tail -n +2 $$f | cut -f4; done > build/parity_text.txt; \
	for mode in "" --cased; do \
	  ./mlip tokenize --vocab $$V $$mode < build/parity_text.txt > build/parity_c.txt; \
	  node tools/tokenizer_fixture.mjs --ids $$mode $$V < build/parity_text.txt > build/parity_js.txt; \
	  cmp build/parity_c.txt build/parity_js.txt; \
	  m=$${mode#--}; echo "parity-tokenizer $${m:-uncased}: $$(wc -l < build/parity_text.txt) texts, identical ids"; \
	done

# Every real chest X-ray through mlip_image_preprocess (bicubic, crop and pad) and through
# open_clip's own preprocess; skips with a message when ../shared or its refimpl is absent.
check-preprocess:
	@if [ -x /usr/bin/python3 ]; then /usr/bin/python3 tools/check_preprocess.py --quiet; \
	else python3 tools/check_preprocess.py --quiet; fi

example: examples/tiny_block
	./examples/tiny_block

fixtures:
	/usr/bin/python3 tools/make_fixtures.py
	/usr/bin/python3 tools/make_model_fixture.py

# Fuzz the model loaders (clang's libFuzzer + ASan + UBSan); not part of `make test`. Seeds come
# from tests/fuzz/make_seeds.c and the committed corpus tests/data/model_corpus (which the
# test suite replays); new inputs land in build/fuzz/corpus, crashes in build/fuzz/.
FUZZ_TIME ?= 600
fuzz-model: tests/fuzz/fuzz_model.c tests/fuzz/make_seeds.c mlip.h
	@mkdir -p build/fuzz/corpus
	$(CC) -std=c99 $(WARN) -O1 -o build/fuzz/make_seeds tests/fuzz/make_seeds.c $(LIBS)
	./build/fuzz/make_seeds build/fuzz/corpus
	$(CLANG) -std=c99 $(WARN) -g -O1 -DMLIP_NO_THREADS -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	  -o build/fuzz/fuzz_model tests/fuzz/fuzz_model.c -lm
	./build/fuzz/fuzz_model -max_total_time=$(FUZZ_TIME) -max_len=16384 -timeout=10 -rss_limit_mb=1024 \
	  -artifact_prefix=build/fuzz/ build/fuzz/corpus tests/data/model_corpus

clean:
	rm -rf build mlip tools/bench_gemm tools/bench_tokenizer $(EXAMPLES)

# ---- fuzzing (not part of `make test`) ----
# make fuzz-image [FUZZ_TIME=600]: libFuzzer on each image reader in turn (PNG, DICOM, PNM),
# seeded from tests/data; new crashes land in build/fuzz/crash-*. Needs clang with libFuzzer.
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
build/fuzz/fuzz_%: tests/fuzz/fuzz_image.c mlip.h
	@mkdir -p build/fuzz
	$(CLANG) $(FUZZ_CFLAGS) -DFUZZ_READER=mlip_image_read_$* -o $@ tests/fuzz/fuzz_image.c -lm -lpthread
# make fuzz-tokenizer [FUZZ_TIME=600]: libFuzzer on the tokenizer and the vocabulary loader.
build/fuzz/fuzz_tokenizer: tests/fuzz/fuzz_tokenizer.c mlip.h
	@mkdir -p build/fuzz
	$(CLANG) $(FUZZ_CFLAGS) -o $@ tests/fuzz/fuzz_tokenizer.c -lm -lpthread
fuzz-tokenizer: build/fuzz/fuzz_tokenizer
	@mkdir -p build/fuzz/corpus_tokenizer build/fuzz/seeds_tokenizer
	@printf 'No pleural effusion. Heart size is normal; 2.5 cm opacity at the left base!\n' > build/fuzz/seeds_tokenizer/a.txt
	@printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nthe\n##s\n\377\376The lungs\tare CLEAR. e.g. Dr. X\n' > build/fuzz/seeds_tokenizer/b.txt
	./build/fuzz/fuzz_tokenizer -max_total_time=$(FUZZ_TIME) -max_len=4096 -timeout=10 \
	  -artifact_prefix=build/fuzz/ -print_final_stats=1 build/fuzz/corpus_tokenizer build/fuzz/seeds_tokenizer \
	  2>&1 | grep -E '^(==|#[0-9]+ *DONE|stat::|INFO: Seed|SUMMARY|artifact)'

fuzz-image: build/fuzz/fuzz_png build/fuzz/fuzz_dicom build/fuzz/fuzz_pnm
	@for r in png dicom pnm; do \
	  mkdir -p build/fuzz/corpus_$$r build/fuzz/seeds_$$r; \
	  cp -f tests/data/image_corpus/* build/fuzz/seeds_$$r/ 2>/dev/null || true; \
	done; \
	cp -f tests/data/png/*.png build/fuzz/seeds_png/; \
	cp -f /usr/lib/python3/dist-packages/pydicom/data/test_files/*.dcm build/fuzz/seeds_dicom/ 2>/dev/null || true; \
	printf 'P2\n# c\n3 2\n10\n0 1 2\n3 4 10\n' > build/fuzz/seeds_pnm/a.pgm; \
	printf 'P3 2 1 255 1 2 3 4 5 6' > build/fuzz/seeds_pnm/b.ppm; \
	printf 'P5 2 1 65535\n\001\002\377\376' > build/fuzz/seeds_pnm/c.pgm; \
	printf 'P6 1 2 255\n\001\002\003\004\005\006' > build/fuzz/seeds_pnm/d.ppm; \
	for r in png dicom pnm; do \
	  echo "== fuzz $$r for $(FUZZ_TIME) s"; \
	  ./build/fuzz/fuzz_$$r -max_total_time=$(FUZZ_TIME) -max_len=65536 -timeout=10 \
	    -artifact_prefix=build/fuzz/ -print_final_stats=1 build/fuzz/corpus_$$r build/fuzz/seeds_$$r \
	    2>&1 | grep -E '^(==|#[0-9]+ *DONE|stat::|INFO: Seed|SUMMARY|artifact)' ; \
	done

# make fuzz-torch [FUZZ_TIME=600]: libFuzzer on the PyTorch checkpoint reader (zip + restricted
# pickle), seeded with tests/data/torch/*; new inputs in build/fuzz/corpus_torch, crashes in
# build/fuzz/.
.PHONY: fuzz-torch
build/fuzz/fuzz_torch: tests/fuzz/fuzz_torch.c mlip.h
	@mkdir -p build/fuzz
	$(CLANG) -std=c99 $(WARN) $(FUZZ_CFLAGS) -DMLIP_NO_THREADS -o $@ tests/fuzz/fuzz_torch.c -lm
fuzz-torch: build/fuzz/fuzz_torch
	@mkdir -p build/fuzz/corpus_torch
	./build/fuzz/fuzz_torch -max_total_time=$(FUZZ_TIME) -max_len=16384 -timeout=10 -rss_limit_mb=1024 \
	  -artifact_prefix=build/fuzz/ -print_final_stats=1 build/fuzz/corpus_torch tests/data/torch
