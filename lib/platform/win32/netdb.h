/* Windows stand-in for <netdb.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_NETDB_H
#define TLSD_COMPAT_NETDB_H
#include "platform.h"
#endif
