name = hardened-2019
description = Windows Server 2019 with TLS 1.0 and 1.1 disabled (SCHANNEL\Protocols\TLS 1.0|1.1\Server Enabled=0)
side = server
base = windows-10-1809
versions = TLSv1.2
