// SPDX-License-Identifier: GPL-2.0
/* udpconn: udpsend with a connect()ed sending socket (see udpsend.c). */
#define UDP_CONNECTED 1
#include "udpsend.c"
