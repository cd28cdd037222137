/* Windows stand-in for <poll.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_POLL_H
#define TLSD_COMPAT_POLL_H
#include "platform.h"
#endif
