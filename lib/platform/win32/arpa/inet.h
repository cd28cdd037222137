/* Windows stand-in for <arpa/inet.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_ARPA_INET_H
#define TLSD_COMPAT_ARPA_INET_H
#include "platform.h"
#endif
