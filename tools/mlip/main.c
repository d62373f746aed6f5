/* mlip: the command-line tool. Thin: parse arguments, call the library, print.
   main.c holds the usage text and hands argv to the command's file (tools/mlip/NAME.c);
   every command has --help. */
#include "cli.h"

#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
} command;

static const command commands[] = {
    {"version", cmd_version_main}, {"bench", cmd_bench_main},     {"tokenize", cmd_tokenize_main},
    {"vocab", cmd_vocab_main},     {"decode", cmd_decode_main},   {"convert", cmd_convert_main},
    {"info", cmd_info_main},       {"synth", cmd_synth_main},     {"train", cmd_train_main},
    {"eval", cmd_eval_main},       {"explain", cmd_explain_main}, {"embed", cmd_embed_main},
};

static void usage(FILE *f) {
    fprintf(f,
            "usage: mlip <command> [options]   (mlip <command> --help for details)\n"
            "commands:\n"
            "  version   library version and GEMM kernels\n"
            "  bench     time the GEMM or an encoder (ViT-B/16, BERT-base) on this machine\n"
            "  tokenize  text lines -> BERT WordPiece ids\n"
            "  vocab     learn a WordPiece vocabulary from a corpus\n"
            "  decode    decode a PGM/PPM, PNG or DICOM image to raw float32\n"
            "  convert   PyTorch checkpoints (open_clip, timm, HF CLIP) and safetensors to .mlip;\n"
            "            .mlip to safetensors, f16 / bf16 / int8\n"
            "  embed     the final embedding of one image or text, as the model preprocesses\n"
            "  info      config, tensors and sizes of a .mlip or safetensors model\n"
            "  synth     synthetic chest radiographs + masks + reports (a benchmark)\n"
            "  train     pre-train a model with the MLIP objective on image-report pairs\n"
            "  eval      zero-shot AUROC, linear probe, few-shot segmentation of a model on a TSV\n"
            "  explain   heat maps of where each sentence of a report lies in an image (PNG)\n");
}

int main(int argc, char **argv) {
    size_t i;
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(argv[1], commands[i].name)) return commands[i].run(argc - 2, argv + 2);
    fprintf(stderr, "mlip: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
