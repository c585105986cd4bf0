/* fuzz_simtext: the simulator's text template loader (sim_texts_load_buf,
 * tools/sim_text.c) and the template filling over what it loaded.
 * Invariants: a rejected file says why; a loaded one has templates of the
 * four required kinds for every category; every filled ticket text and
 * knowledge-base answer is at most SIM_TEXT_MAX bytes, and valid UTF-8 when
 * the file is; keyword lists hold at most the number asked for. */
#include "fuzz.h"
#include "scenario_value.h"
#include "sim_text.h"
#include "units.h"
#include <string.h>

static const char *const TYPES[] = {"consult", "help", "complaint", "report", "suggest", "praise"};
static const char *const CHANNELS[] = {"phone", "web", "wechat", "app", "fax"};

static void check_text(char *s, bool utf8)
{
    size_t n = strlen(s);
    FUZZ_CHECK(n <= SIM_TEXT_MAX);
    if (utf8) FUZZ_CHECK(scnv_utf8_ok(s, n));
    free(s);
}

static void check_loaded(const sim_texts_t *t, bool utf8, uint64_t seed)
{
    rng_t r;
    rng_seed(&r, seed);
    for (int c = 0; c < UNITS_N_CATEGORIES; c++) FUZZ_CHECK(sim_texts_count(t, UNITS_CATEGORIES[c].code) >= 4);
    FUZZ_CHECK(sim_texts_count(t, "nonsense") == 0);
    for (int i = 0; i < 12; i++) {
        const char *type = TYPES[i % 6];
        sim_text_req_t q = {
            .type = type,
            .urgent = i >= 6 && strcmp(type, "praise") != 0,
            .category = UNITS_CATEGORIES[(seed + (uint64_t)i) % UNITS_N_CATEGORIES].code,
            .street = UNITS_STREETS[(seed >> 8) % UNITS_N_STREETS].code,
            .channel = CHANNELS[(seed >> 16) % 5],
            .date = i % 2 ? "3月5日" : NULL,
        };
        check_text(sim_texts_ticket(t, &q, &r), utf8);
    }
    check_text(sim_texts_kb_answer(t, "3月5日", "jinxia", &r), utf8);
    check_text(sim_texts_kb_answer(t, NULL, NULL, &r), utf8);
    char *kw = sim_texts_kb_keywords(t, 3, &r);
    int bars = 0;
    for (const char *p = kw; *p; p++) bars += *p == '|';
    FUZZ_CHECK(bars <= 2);
    check_text(kw, utf8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    sim_texts_t *t = sim_texts_load_buf((const char *)data, size, err, sizeof err);
    if (t) {
        uint64_t seed = rng_hash(1469598103934665603ull, data, size);
        check_loaded(t, scnv_utf8_ok((const char *)data, size), seed);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    sim_texts_destroy(&t);
    FUZZ_CHECK(t == NULL);
    return 0;
}
