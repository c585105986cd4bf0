/* units: static tables (categories → units) and the district's 10 streets. */
#include "units.h"
#include <stdio.h>
#include <string.h>

const units_street_t UNITS_STREETS[UNITS_N_STREETS] = {
    {"jinxia", "金霞"},     {"zhuchi", "珠池"}, {"xinjin", "新津"}, {"longxiang", "龙祥"},
    {"outing", "鸥汀"},     {"waisha", "外砂"}, {"xinxi", "新溪"},  {"longhua", "龙华"},
    {"xinhai", "新海"},     {"longteng", "龙腾"},
};

const units_category_t UNITS_CATEGORIES[UNITS_N_CATEGORIES] = {
    {"city", "城市管理", "unit.chengguan", "区城市管理和综合执法局"},
    {"housing", "住房建设与物业", "unit.zhujian", "区住房和城乡建设局"},
    {"market", "市场监管", "unit.shichang", "区市场监督管理局"},
    {"transport", "交通运输", "unit.jiaotong", "区交通运输局"},
    {"environment", "生态环境", "unit.huanjing", "市生态环境局龙湖分局"},
    {"labor", "人社", "unit.renshe", "区人力资源和社会保障局"},
    {"education", "教育", "unit.jiaoyu", "区教育局"},
    {"health", "卫生健康", "unit.weijian", "区卫生健康局"},
    {"police", "公安", "unit.gongan", "市公安局龙湖分局"},
    {"civil", "民政", "unit.minzheng", "区民政局"},
    {"utility", "公用事业", "unit.gongyong", "区公用事业服务中心"},
    {"community", "街道与社区事务", NULL, "街道办事处"},
};

/* Every unit service: the departments in category order, then the street
 * offices. Built once from the two tables above, so a unit is named in one
 * place only. */
#define N_DEPARTMENTS (UNITS_N_CATEGORIES - 1)   /* every category but community has its department */
static const char *ALL_UNITS[N_DEPARTMENTS + UNITS_N_STREETS];
static char street_units[UNITS_N_STREETS][32];

__attribute__((constructor)) static void build_units(void)
{
    size_t n = 0;
    for (int i = 0; i < UNITS_N_CATEGORIES; i++)
        if (UNITS_CATEGORIES[i].unit) ALL_UNITS[n++] = UNITS_CATEGORIES[i].unit;
    for (int i = 0; i < UNITS_N_STREETS; i++) {
        snprintf(street_units[i], sizeof street_units[i], "unit.street.%s", UNITS_STREETS[i].code);
        ALL_UNITS[n++] = street_units[i];
    }
}

const units_street_t *units_street(const char *code)
{
    for (int i = 0; code && i < UNITS_N_STREETS; i++)
        if (strcmp(UNITS_STREETS[i].code, code) == 0) return &UNITS_STREETS[i];
    return NULL;
}

const units_category_t *units_category(const char *code)
{
    for (int i = 0; code && i < UNITS_N_CATEGORIES; i++)
        if (strcmp(UNITS_CATEGORIES[i].code, code) == 0) return &UNITS_CATEGORIES[i];
    return NULL;
}

int units_resolve(const char *category, const char *street, char *buf, size_t len)
{
    const units_category_t *c = units_category(category);
    if (!c) return -1;
    if (c->unit) {
        snprintf(buf, len, "%s", c->unit);
        return 0;
    }
    if (!units_street(street)) return -1;
    snprintf(buf, len, "unit.street.%s", street);
    return 0;
}

const char *const *units_all(size_t *n)
{
    *n = sizeof ALL_UNITS / sizeof ALL_UNITS[0];
    return ALL_UNITS;
}

bool units_is_unit(const char *service)
{
    size_t n;
    const char *const *all = units_all(&n);
    for (size_t i = 0; service && i < n; i++)
        if (strcmp(all[i], service) == 0) return true;
    return false;
}

const char *units_display_name(const char *service, char *buf, size_t len)
{
    if (service && strncmp(service, "unit.street.", 12) == 0) {
        const units_street_t *s = units_street(service + 12);
        snprintf(buf, len, "%s街道办事处", s ? s->name : service + 12);
        return buf;
    }
    for (int i = 0; service && i < UNITS_N_CATEGORIES; i++)
        if (UNITS_CATEGORIES[i].unit && strcmp(UNITS_CATEGORIES[i].unit, service) == 0) {
            snprintf(buf, len, "%s", UNITS_CATEGORIES[i].unit_name);
            return buf;
        }
    snprintf(buf, len, "%s", service ? service : "-");
    return buf;
}
