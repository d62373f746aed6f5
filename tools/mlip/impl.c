/* The one translation unit of ./mlip that compiles the library itself (MLIP_IMPLEMENTATION);
   every command file includes mlip.h for its declarations only. */
#define _POSIX_C_SOURCE 200809L
#define MLIP_IMPLEMENTATION
#include "../../mlip.h"
