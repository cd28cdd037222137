# An old multifunction printer: TLS 1.0 only, RSA key exchange with 3DES or RC4.
name = printer
side = client
description = MFD firmware that only speaks TLS 1.0 with RSA/3DES or RSA/RC4
versions = TLSv1.0
suites = TLS_RSA_WITH_3DES_EDE_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA
flags = -sends-groups, -sends-sigalgs
