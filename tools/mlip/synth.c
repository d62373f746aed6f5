/* mlip synth: synthetic frontal chest radiographs with pixel masks of localised findings and
   varied free-text reports, a benchmark for image-report pre-training. The generator is the
   header tools/synth.h (tests/test_synth.c includes it too); it parses its own options. */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include "../synth.h"

int cmd_synth_main(int argc, char **argv) { return cmd_synth(argc, argv); }
