/* No-heap inference: a private copy of the library (MLIP_STATIC) whose allocation hooks abort
   the process, so any malloc on the inference path is a crash, not a silent pass. The whole of
   infer_run (tests/infer_common.h) runs inside a caller-provided arena (mlip_use_memory) of the
   size the heap-backed copy measured (mlip_measure_memory_begin/end in test_reliability.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *noheap_abort(const char *what) {
    fprintf(stdout, "noheap_tu: %s called in no-heap mode\n", what);
    fflush(stdout);
    abort();
    return NULL;
}
#define MLIP_MALLOC(n) ((void)(n), noheap_abort("MLIP_MALLOC"))
#define MLIP_REALLOC(p, n) ((void)(p), (void)(n), noheap_abort("MLIP_REALLOC"))
#define MLIP_FREE(p) ((void)(p), (void)noheap_abort("MLIP_FREE"))
#define MLIP_STATIC
#define MLIP_IMPLEMENTATION
#include "../mlip.h"
#include "infer_common.h"

#ifdef MLIP_NO_THREADS
static void noheap_serial(void *sched, int n_tasks, mlip_task_fn fn, void *arg) {
    int t;
    (void)sched;
    for (t = 0; t < n_tasks; t++) fn(arg, t, n_tasks);
}
#endif

/* Run the inference in buffer[0, bytes) (64-byte aligned by the caller) with n_threads threads.
   Returns its status; *in_use gets what the arena still holds afterwards (0: all freed). */
mlip_status noheap_tu_infer(void *buffer, size_t bytes, int n_threads, const void *model_bytes,
                            size_t model_len, const void *image_bytes, size_t image_len,
                            const char *const *prompts, int n_prompts, float *scores,
                            size_t *in_use);
mlip_status noheap_tu_infer(void *buffer, size_t bytes, int n_threads, const void *model_bytes,
                            size_t model_len, const void *image_bytes, size_t image_len,
                            const char *const *prompts, int n_prompts, float *scores,
                            size_t *in_use) {
    mlip_status st;
    mlip__blk *b;
    *in_use = 0;
#ifdef MLIP_NO_THREADS /* the runner's copy then runs a serial scheduler that claims n threads */
    if (n_threads > 1 && (st = mlip_set_scheduler(noheap_serial, NULL, n_threads))) return st;
#else
    if (n_threads > 1 && (st = mlip_set_num_threads(n_threads))) return st;
#endif
    if ((st = mlip_use_memory(buffer, bytes))) return st;
    st = infer_run(model_bytes, model_len, image_bytes, image_len, prompts, n_prompts, scores);
    for (*in_use = 0, b = mlip__mem.first; b; b = b->next) *in_use += b->end - b->start;
    mlip_use_memory(NULL, 0);
    mlip_set_scheduler(NULL, NULL, 1);
    mlip_shutdown();
    return st;
}

/* mlip_last_error() of this copy (the runner's copy has its own). */
const char *noheap_tu_last_error(void);
const char *noheap_tu_last_error(void) { return mlip_last_error(); }
