/* fuzz_kb: the knowledge-base TSV loader (kb_load_tsv_buf, core/kb.c) and the
 * classifier over what it loaded (classify_text, core/classify.c).
 * Input: the first line (at most 512 bytes) is a ticket text, the rest is the
 * TSV; without a newline in the first 512 bytes, all of it is the TSV.
 * Invariants: a rejected file adds nothing and says why; a loaded one holds
 * each id once, in order, at rev 0 from valid_from on; classification
 * succeeds with known, distinct unit and alt_unit, answers only consultations
 * from an entry with an answer, sees nothing before valid_from, and does not
 * change when an entry is re-put unchanged or gains a revision valid later
 *. */
#include "fuzz.h"
#include "classify.h"
#include "kb.h"
#include "log.h"
#include "units.h"
#include <string.h>

#define TEXT_MAX 512
#define VALID_FROM 1640966400 /* 2022-01-01 00:00 UTC */

static void classify_ok(const kb_t *kb, const char *text, const char *type, const char *street, int64_t at,
                        classify_result_t *out)
{
    FUZZ_CHECK(classify_text(kb, text, type, street, at, out) == 0);
    FUZZ_CHECK(units_category(out->category) != NULL);
    FUZZ_CHECK(units_is_unit(out->unit) && units_is_unit(out->alt_unit) && strcmp(out->unit, out->alt_unit) != 0);
    FUZZ_CHECK(out->street[0] == '\0' || units_street(out->street) != NULL);
    if (out->kb_id[0]) {
        const kb_entry_t *e = kb_get(kb, out->kb_id, at);
        FUZZ_CHECK(strcmp(type, "consult") == 0 && e && e->answer[0] && strcmp(e->category, out->category) == 0);
    }
}

static void check_loaded(kb_t *kb, const char *text)
{
    size_t n = kb_count(kb);
    FUZZ_CHECK(kb_max_rev(kb) == (n ? 0 : -1));
    for (size_t i = 0; i < n; i++) {
        const kb_entry_t *e = kb_entry_at(kb, i);
        FUZZ_CHECK(e && e->rev == 0 && e->valid_from == VALID_FROM);
        FUZZ_CHECK(kb_get(kb, e->id, INT64_MAX) == e && kb_get(kb, e->id, VALID_FROM - 1) == NULL);
        if (i) FUZZ_CHECK(strcmp(kb_entry_at(kb, i - 1)->id, e->id) < 0);
    }
    FUZZ_CHECK(kb_entry_at(kb, n) == NULL);

    static const char *const streets[] = {NULL, "xinjin"};
    classify_result_t before[2][2], now;
    for (int s = 0; s < 2; s++) {
        classify_ok(kb, text, "consult", streets[s], VALID_FROM, &before[s][0]);
        classify_ok(kb, text, "complaint", streets[s], INT64_MAX, &before[s][1]);
    }
    classify_ok(kb, text, "consult", NULL, VALID_FROM - 1, &now); /* the KB is empty then */
    FUZZ_CHECK(now.score == 0 && strcmp(now.category, "community") == 0 && now.kb_id[0] == '\0');
    FUZZ_CHECK(classify_text(kb, text, "nonsense", NULL, VALID_FROM, &now) == -1);
    FUZZ_CHECK(classify_text(kb, text, "consult", "nowhere", VALID_FROM, &now) == -1);

    /* Re-put each entry unchanged (replaces (id, 0)), and give it a revision
     * valid later whose keywords come from the text: nothing changes at VALID_FROM. */
    char kw[64];
    size_t kl = strcspn(text, "|\t\r\n");
    if (kl >= sizeof kw) kl = sizeof kw - 1;
    while (kl > 0 && ((unsigned char)text[kl] & 0xc0) == 0x80) kl--; /* whole UTF-8 characters */
    memcpy(kw, text, kl);
    kw[kl] = '\0';
    for (size_t i = 0; i < n; i++) {
        /* Own copies: kb_put frees the revision it replaces before copying. */
        const kb_entry_t *old = kb_entry_at(kb, i);
        char *id = strdup(old->id), *cat = strdup(old->category), *unit = strdup(old->unit);
        char *kws = strdup(old->keywords), *ans = strdup(old->answer);
        FUZZ_CHECK(id && cat && unit && kws && ans);
        kb_entry_t e = {id, 0, VALID_FROM, cat, unit, kws, ans};
        FUZZ_CHECK(kb_put(kb, &e) == 0);
        e.rev = 1;
        e.valid_from = VALID_FROM + 3600;
        e.category = UNITS_CATEGORIES[i % UNITS_N_CATEGORIES].code;
        if (kl && strcspn(kw, " ") != 0) e.keywords = kw;
        kb_put(kb, &e); /* may be refused (keywords of blanks only) */
        free(id), free(cat), free(unit), free(kws), free(ans);
    }
    FUZZ_CHECK(kb_count(kb) == n);
    for (int s = 0; s < 2; s++) {
        classify_ok(kb, text, "consult", streets[s], VALID_FROM, &now);
        FUZZ_CHECK(memcmp(&now, &before[s][0], sizeof now) == 0);
        classify_ok(kb, text, "complaint", streets[s], INT64_MAX, &now);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int quiet;
    if (!quiet) { log_set_level(LOG_ERROR); quiet = 1; } /* rejections log a warning each */
    const char *buf = (const char *)data;
    char text[TEXT_MAX + 1] = "";
    const char *nl = memchr(buf, '\n', size < TEXT_MAX ? size : TEXT_MAX);
    if (nl) {
        size_t tl = (size_t)(nl - buf);
        memcpy(text, buf, tl);
        text[tl] = '\0'; /* a NUL inside just ends the text early */
        size -= tl + 1;
        buf = nl + 1;
    }
    kb_t *kb = kb_new();
    char err[512] = "";
    if (kb_load_tsv_buf(kb, buf, size, VALID_FROM, err, sizeof err) == 0) {
        check_loaded(kb, text);
    } else {
        FUZZ_CHECK(err[0] != '\0' && kb_count(kb) == 0 && kb_max_rev(kb) == -1);
    }
    kb_destroy(&kb);
    FUZZ_CHECK(kb == NULL);
    return 0;
}
