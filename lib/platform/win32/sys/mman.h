/* Windows stand-in for <sys/mman.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_SYS_MMAN_H
#define TLSD_COMPAT_SYS_MMAN_H
#include "platform.h"
#endif
