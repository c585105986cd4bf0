/* stage_classify: the first stage. The worker sorts the text into a category
 * and unit (and may answer a consultation from the knowledge base). */
#include "stage.h"
#include <string.h>

static void encode_text(void *ctx, const char *text, size_t len) { wire_strn(ctx, text, len); }

void stage_classify_encode(step_env_t *env, const live_t *l, wire_enc_t *e)
{
    /* The text is not kept in memory (a million queued tickets stay small):
     * read inside the group transaction, encoded from SQLite's buffer. */
    wire_str(e, "text");
    if (store_ticket_text_with(env->store, l->t.id, encode_text, e) != 0) wire_str(e, "");
}

int stage_classify_apply(step_env_t *env, live_t *l, stage_result_t *r)
{
    uint8_t cat = stage_opt_code(r, "cat", ticket_category_index);
    uint8_t unit = stage_opt_code(r, "unit", ticket_unit_index);
    uint8_t alt = stage_opt_code(r, "alt", ticket_unit_index);
    int64_t at = stage_need_int(r, "at");
    char kb[sizeof r->kb] = "";
    if (!r->bad && wire_copy_str(r->o, "kb", kb, sizeof kb, r->err, sizeof r->err) < 0) r->bad = true;
    stage_check_time(r, at, "at");
    if (!r->bad && (cat == TICKET_NONE || unit == TICKET_NONE)) return stage_refuse(r, "classify result lacks 'cat' or 'unit'");
    if (r->bad) return -1;
    if (l->t.type != TT_CONSULT || !kb[0]) return step_classified(env, l, cat, unit, alt);
    memcpy(r->kb, kb, sizeof kb);
    return step_classified_answered(env, l, cat, unit, alt, at, kb);
}
