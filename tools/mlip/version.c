/* mlip version: the library's version and the GEMM kernels this CPU runs (the one in use
   first, then every one available). */
#include "cli.h"

int cmd_version_main(int argc, char **argv) {
    const char *names[8];
    int n;
    int i;
    if (cli_has_help(argc, argv)) {
        printf("usage: mlip version\n"
               "  Print the library version and the GEMM kernels this CPU runs.\n");
        return 0;
    }
    n = mlip_gemm_kernel_list(names, 8);
    printf("mlip.h %s\ngemm kernel: %s (available:", mlip_version(), mlip_gemm_kernel_name());
    for (i = 0; i < n && i < 8; i++) printf(" %s", names[i]);
    printf(")\n");
    return 0;
}
