/* Windows stand-in for <sys/socket.h> (see ../platform.h). */
#ifndef TLSD_COMPAT_SYS_SOCKET_H
#define TLSD_COMPAT_SYS_SOCKET_H
#include "platform.h"
#endif
