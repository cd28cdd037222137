/* Windows stand-in for <netinet/tcp.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_NETINET_TCP_H
#define TLSD_COMPAT_NETINET_TCP_H
#include "platform.h"
#endif
