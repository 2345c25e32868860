/* fuzz_options.c: libFuzzer harness: NUL-separated bytes as uhvt's command line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *argv[66] = {"uhvt"};
    int argc = 1;
    for (char *p = buf; argc < 65 && p < buf + size + 1; p += strlen(p) + 1)
        argv[argc++] = p;
    argv[argc] = NULL;
    struct options o;
    char why[OPTIONS_WHY_MAX];
    if (options_parse(argc, argv, &o, why) == OPTIONS_RUN) {
        for (size_t i = 0; i < o.ndev; i++)
            options_dev_value(&o, o.dev[i].type, o.dev[i].option,
                              o.dev[i].name ? o.dev[i].name : "x",
                              o.dev[i].name == NULL);
    }
    free(buf);
    return 0;
}
