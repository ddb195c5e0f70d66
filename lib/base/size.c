/* size.c - memory sizes as admins write them ("4G", "512M"). */
#include "base/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "base/error.h"

static const struct {
    const char *suffix;
    unsigned long long kib;
} size_units[] = {
    {"K", 1ULL},           {"KiB", 1ULL},           {"M", 1024ULL},    {"MiB", 1024ULL},
    {"G", 1024ULL * 1024}, {"GiB", 1024ULL * 1024}, {"T", 1ULL << 30}, {"TiB", 1ULL << 30},
};

int gf_size_parse(const char *what, const char *text, unsigned long long *kib)
{
    unsigned long long value;
    char *end;

    if (!text || !isdigit((unsigned char)text[0])) {
        gf_err(GF_ERR_INPUT, "%s '%s': expected a size like 4G or 512M", what, text ? text : "");
        return -1;
    }
    errno = 0;
    value = strtoull(text, &end, 10);
    if (errno == ERANGE) {
        gf_err(GF_ERR_INPUT, "%s '%s': too large", what, text);
        return -1;
    }
    if (*end == '\0') {
        gf_err(GF_ERR_INPUT, "%s '%s': needs a unit (K, M, G or T)", what, text);
        return -1;
    }
    for (size_t i = 0; i < sizeof(size_units) / sizeof(size_units[0]); i++) {
        if (strcasecmp(end, size_units[i].suffix) != 0)
            continue;
        if (value > (1ULL << 50) / size_units[i].kib) {
            gf_err(GF_ERR_INPUT, "%s '%s': too large", what, text);
            return -1;
        }
        if (value == 0) {
            gf_err(GF_ERR_INPUT, "%s '%s': must be more than zero", what, text);
            return -1;
        }
        *kib = value * size_units[i].kib;
        return 0;
    }
    gf_err(GF_ERR_INPUT, "%s '%s': unknown unit '%s' (use K, M, G or T)", what, text, end);
    return -1;
}

void gf_size_format(unsigned long long kib, char *buf, unsigned long len)
{
    if (kib && kib % (1ULL << 30) == 0)
        snprintf(buf, len, "%lluT", kib >> 30);
    else if (kib && kib % (1ULL << 20) == 0)
        snprintf(buf, len, "%lluG", kib >> 20);
    else if (kib && kib % 1024 == 0)
        snprintf(buf, len, "%lluM", kib >> 10);
    else
        snprintf(buf, len, "%lluK", kib);
}
