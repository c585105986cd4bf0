/* fuzz: what every harness in tests/fuzz/ shares. A harness defines
 * LLVMFuzzerTestOneInput and is linked either with libFuzzer (clang,
 * -fsanitize=fuzzer: tests/fuzz/CMakeLists.txt, HOTLINE_FUZZ=ON) or with
 * replay.c (any compiler), which feeds it the saved corpus and crash inputs
 * under CTest. An invariant that fails aborts, so both drivers see a crash. */
#ifndef HOTLINE_FUZZ_H
#define HOTLINE_FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant of the code under test; abort() when it does not hold. */
#define FUZZ_CHECK(cond)                                                            \
    do {                                                                            \
        if (!(cond)) {                                                              \
            fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                \
        }                                                                           \
    } while (0)

#endif
