name = hardened-2022
description = Windows Server 2022 with TLS 1.0 and 1.1 disabled (SCHANNEL\Protocols\TLS 1.0|1.1\Server Enabled=0)
side = server
base = windows-2022
versions = TLSv1.2, TLSv1.3
