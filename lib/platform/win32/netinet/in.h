/* Windows stand-in for <netinet/in.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_NETINET_IN_H
#define TLSD_COMPAT_NETINET_IN_H
#include "platform.h"
#endif
