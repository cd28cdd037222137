/* reg_probe KEY: prints what the portability layer's registry reader (tlsd_reg_subkeys,
 * tlsd_reg_values) and tlsd_os_version give for HKLM\KEY, for test_wine_registry.sh.
 * Built by the Windows build only. Exit 0 read, 1 no such key, 3 not readable. */
#include <stdio.h>

#include "platform.h"

static int print_key(void *ctx, const char *subkey)
{
    (void)ctx;
    printf("key %s\n", subkey);
    return 0;
}

static int print_value(void *ctx, const char *name, enum tlsd_live_type type, uint32_t number,
                       const char *text)
{
    (void)ctx;
    switch (type) {
    case TLSD_LIVE_DWORD:
        printf("value %s dword %lu\n", name, (unsigned long)number);
        break;
    case TLSD_LIVE_TEXT:
        printf("value %s text %s\n", name, text);
        break;
    case TLSD_LIVE_TEXT_LIST:
        printf("value %s list %s\n", name, text);
        break;
    case TLSD_LIVE_OTHER:
        printf("value %s other\n", name);
        break;
    }
    return 0;
}

int main(int argc, char **argv)
{
    unsigned major, minor, build;
    if (argc != 2) {
        fputs("usage: reg_probe KEY\n", stderr);
        return 2;
    }
    if (tlsd_os_version(&major, &minor, &build))
        printf("os %u.%u.%u\n", major, minor, build);
    enum tlsd_reg_status st = tlsd_reg_subkeys(argv[1], print_key, NULL);
    if (st == TLSD_REG_OK)
        st = tlsd_reg_values(argv[1], print_value, NULL);
    return st == TLSD_REG_OK ? 0 : st == TLSD_REG_NO_KEY ? 1 : 3;
}
