/*
 * fuzz_imgmeta.c - libFuzzer target of src/lib/imgmeta.c: any bytes, as
 * each of the three formats, must be cleaned or refused without reading or
 * writing out of bounds, and a cleaned image is never longer than the
 * input and cleans again to itself (nothing left to remove; a kept
 * orientation is written back the same).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -D_GNU_SOURCE \
 *         tests/fuzz/fuzz_imgmeta.c src/lib/imgmeta.c src/lib/err.c src/lib/str.c -lz \
 *         -o fuzz_imgmeta
 *   ./fuzz_imgmeta -max_len=4096 -max_total_time=300 CORPUS_DIR
 *
 * Seed the corpus with small JPEGs, PNGs and WebPs carrying metadata
 * (tests/unit/test_imgmeta.c builds such files).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/imgmeta.h"
#include "lib/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t n)
{
	static const enum imgmeta_format fmts[] = {IMGMETA_JPEG, IMGMETA_PNG, IMGMETA_WEBP};
	unsigned char *out = malloc(n ? n : 1), *again = malloc(n ? n : 1);

	if (!out || !again)
		abort();
	for (size_t k = 0; k < sizeof(fmts) / sizeof(fmts[0]); k++) {
		struct err e = ERR_INIT;
		struct imgmeta_stats st;
		size_t len = 0, len2 = 0;

		if (imgmeta_strip(fmts[k], data, n, out, &len, &st, &e) < 0) {
			if (e.status != 400 && e.status != 415)
				abort();
			continue;
		}
		if (len > n)
			abort();
		/* idempotent: the cleaned image has nothing more to lose */
		err_clear(&e);
		if (imgmeta_strip(fmts[k], out, len, again, &len2, &st, &e) < 0 || len2 != len ||
		    memcmp(out, again, len))
			abort();
	}
	free(out);
	free(again);
	return 0;
}
