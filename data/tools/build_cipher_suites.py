#!/usr/bin/env python3
"""Regenerate data/cipher_suites.tsv (Python 3 standard library only).

Inputs: the IANA rows embedded below (transcribed from IANA tls-parameters-4.csv),
/etc/testssl/cipher-mapping.txt, `openssl ciphers -V -stdname ...`, `gnutls-cli --list`,
../shared/reference/windows_default_suites.tsv.  Usage: build_cipher_suites.py [OUT]
"""
import csv, io, os, re, subprocess, sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "data", "cipher_suites.tsv")
WIN = os.path.join(os.path.dirname(ROOT), "shared", "reference", "windows_default_suites.tsv")
TESTSSL = "/etc/testssl/cipher-mapping.txt"

# The assigned rows of IANA "TLS Cipher Suites" (tls-parameters-4.csv, verbatim) are in
# data/sources/iana-tls-cipher-suites.csv.
# A copy of the IANA "TLS Cipher Suites" registry (tls-parameters-4.csv; the stored copy
# named in data/cipher_suites.tsv's header), kept as data beside the other sources.
IANA_CSV_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sources",
                             "iana-tls-cipher-suites.csv")


# Non-IANA code points: code -> (conventional name, status, reference)
EXTRA = {
    0x001C: ("SSL_FORTEZZA_KEA_WITH_NULL_SHA", "vendor", "RFC6101 (SSLv3 only; IANA: reserved to avoid conflicts with SSLv3)"),
    0x001D: ("SSL_FORTEZZA_KEA_WITH_FORTEZZA_CBC_SHA", "vendor", "RFC6101 (SSLv3 only; IANA: reserved to avoid conflicts with SSLv3)"),
    0x0060: ("TLS_RSA_EXPORT1024_WITH_RC4_56_MD5", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0061: ("TLS_RSA_EXPORT1024_WITH_RC2_56_MD5", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0062: ("TLS_RSA_EXPORT1024_WITH_DES_CBC_SHA", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0063: ("TLS_DHE_DSS_EXPORT1024_WITH_DES_CBC_SHA", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0064: ("TLS_RSA_EXPORT1024_WITH_RC4_56_SHA", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0065: ("TLS_DHE_DSS_EXPORT1024_WITH_RC4_56_SHA", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0066: ("TLS_DHE_DSS_WITH_RC4_128_SHA", "vendor", "draft-ietf-tls-56-bit-ciphersuites-01"),
    0x0080: ("TLS_GOSTR341094_WITH_28147_CNT_IMIT", "draft", "draft-chudov-cryptopro-cptls-04"),
    0x0081: ("TLS_GOSTR341001_WITH_28147_CNT_IMIT", "draft", "draft-chudov-cryptopro-cptls-04"),
    0x0082: ("TLS_GOSTR341094_WITH_NULL_GOSTR3411", "draft", "draft-chudov-cryptopro-cptls-04"),
    0x0083: ("TLS_GOSTR341001_WITH_NULL_GOSTR3411", "draft", "draft-chudov-cryptopro-cptls-04"),
    0x16B7: ("TLS_CECPQ1_RSA_WITH_CHACHA20_POLY1305_SHA256", "vendor", "legacy (no RFC; Google CECPQ1 experiment 2016)"),
    0x16B8: ("TLS_CECPQ1_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "vendor", "legacy (no RFC; Google CECPQ1 experiment 2016)"),
    0x16B9: ("TLS_CECPQ1_RSA_WITH_AES_256_GCM_SHA384", "vendor", "legacy (no RFC; Google CECPQ1 experiment 2016)"),
    0x16BA: ("TLS_CECPQ1_ECDSA_WITH_AES_256_GCM_SHA384", "vendor", "legacy (no RFC; Google CECPQ1 experiment 2016)"),
    0xCC13: ("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD", "draft", "draft-agl-tls-chacha20poly1305-04"),
    0xCC14: ("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD", "draft", "draft-agl-tls-chacha20poly1305-04"),
    0xCC15: ("TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD", "draft", "draft-agl-tls-chacha20poly1305-04"),
    0xFEFE: ("SSL_RSA_FIPS_WITH_DES_CBC_SHA", "vendor", "legacy (no RFC; Netscape/NSS)"),
    0xFEFF: ("SSL_RSA_FIPS_WITH_3DES_EDE_CBC_SHA", "vendor", "legacy (no RFC; Netscape/NSS)"),
    0xFF00: ("TLS_GOSTR341094_RSA_WITH_28147_CNT_MD5", "vendor", "legacy (no RFC; OpenSSL ccgost private use)"),
    0xFF01: ("TLS_RSA_WITH_28147_CNT_GOST94", "vendor", "legacy (no RFC; OpenSSL ccgost private use)"),
    0xFF02: ("TLS_RSA_WITH_28147_CNT_GOST89MAC", "vendor", "legacy (no RFC; OpenSSL ccgost private use)"),
    0xFF03: ("TLS_RSA_WITH_28147_CNT_GOST89STREAM", "vendor", "legacy (no RFC; OpenSSL ccgost private use)"),
    0xFF85: ("TLS_GOSTR341112_256_WITH_28147_CNT_IMIT_OLD", "draft", "draft-smyshlyaev-tls12-gost-suites (pre-IANA value of 0xC102, RFC9189 sec 10)"),
    0xFF87: ("TLS_GOSTR341112_256_WITH_NULL_GOSTR3411", "vendor", "legacy (no RFC; gost-engine private use)"),
    0xFFE0: ("SSL_RSA_OLDFIPS_WITH_3DES_EDE_CBC_SHA", "vendor", "legacy (no RFC; Netscape/NSS experimental)"),
    0xFFE1: ("SSL_RSA_OLDFIPS_WITH_DES_CBC_SHA", "vendor", "legacy (no RFC; Netscape/NSS experimental)"),
}
SSL2_REF = "SSLv2 (draft-hickman-netscape-ssl-00)"
SSL2_LEGACY = "legacy SSLv2 (OpenSSL ssl2.h, no spec)"
SSL2 = {  # 3-byte SSLv2 CIPHER-KIND values
    # 0x000000 SSL_CK_NULL_WITH_MD5 is left out: as a number it cannot be told apart
    # from the 2-byte TLS_NULL_WITH_NULL_NULL, and no real SSLv2 server offers it.
    #     0x000000: ("SSL_CK_NULL_WITH_MD5", SSL2_LEGACY),
    0x010080: ("SSL_CK_RC4_128_WITH_MD5", SSL2_REF),
    0x020080: ("SSL_CK_RC4_128_EXPORT40_WITH_MD5", SSL2_REF),
    0x030080: ("SSL_CK_RC2_128_CBC_WITH_MD5", SSL2_REF),
    0x040080: ("SSL_CK_RC2_128_CBC_EXPORT40_WITH_MD5", SSL2_REF),
    0x050080: ("SSL_CK_IDEA_128_CBC_WITH_MD5", SSL2_REF),
    0x060040: ("SSL_CK_DES_64_CBC_WITH_MD5", SSL2_REF),
    0x060140: ("SSL_CK_DES_64_CBC_WITH_SHA", SSL2_LEGACY),
    0x0700C0: ("SSL_CK_DES_192_EDE3_CBC_WITH_MD5", SSL2_REF),
    0x0701C0: ("SSL_CK_DES_192_EDE3_CBC_WITH_SHA", SSL2_LEGACY),
    0x080080: ("SSL_CK_RC4_64_WITH_MD5", SSL2_LEGACY),
    0xFF0800: ("SSL_CK_DES_64_CFB64_WITH_MD5_1", SSL2_LEGACY),
    0xFF0810: ("SSL_CK_NULL", SSL2_LEGACY),
}
# testssl's cipher-mapping.txt lists the last two as 0xFF,0x80,0x00 / 0xFF,0x80,0x10;
# OpenSSL's ssl2.h (where they come from) has 0x02ff0800 / 0x02ff0810.
TESTSSL_CODE_FIX = {0xFF8000: 0xFF0800, 0xFF8010: 0xFF0810}

# OpenSSL names from libssl's own table for suites `openssl ciphers` lists only with gost-engine.
OPENSSL_ENGINE_NAMES = {
    0xC100: "GOST2012-KUZNYECHIK-KUZNYECHIKOMAC",
    0xC101: "GOST2012-MAGMA-MAGMAOMAC",
    0xC102: "IANA-GOST2012-GOST8912-GOST8912",
}
# Other OpenSSL spellings (OpenSSL 1.1.x/3.0 ssl3.h DHE-* names; 1.1.1 and 3.0 GOST names).
OPENSSL_ALIASES = {
    0x0011: ["EXP-DHE-DSS-DES-CBC-SHA"], 0x0012: ["DHE-DSS-DES-CBC-SHA"],
    0x0013: ["DHE-DSS-DES-CBC3-SHA"], 0x0014: ["EXP-DHE-RSA-DES-CBC-SHA"],
    0x0015: ["DHE-RSA-DES-CBC-SHA"], 0x0016: ["DHE-RSA-DES-CBC3-SHA"],
    0xFF85: ["LEGACY-GOST2012-GOST8912-GOST8912", "GOST2012-GOST8912-GOST8912"],
    0xFF87: ["GOST2012-NULL-GOST12"],
}
# testssl OpenSSL names shared by a TLS suite and an SSLv2 kind: the TLS code keeps them.
SSL2_NAME_COLLISIONS = {"NULL-MD5", "RC4-MD5", "EXP-RC4-MD5", "EXP-RC2-CBC-MD5",
                        "DES-CBC-SHA", "DES-CBC3-SHA", "NULL"}

KX = {  # name prefix -> (kx, auth, cert)
    "NULL": ("NONE", "NONE", "none"),
    "RSA": ("RSA", "RSA", "rsa"), "RSA_EXPORT": ("RSA_EXPORT", "RSA", "rsa"),
    "RSA_EXPORT1024": ("RSA_EXPORT", "RSA", "rsa"),
    "DH_DSS": ("DH", "DH", "dh"), "DH_RSA": ("DH", "DH", "dh"),
    "DH_DSS_EXPORT": ("DH_EXPORT", "DH", "dh"), "DH_RSA_EXPORT": ("DH_EXPORT", "DH", "dh"),
    "DHE_DSS": ("DHE", "DSS", "dsa"), "DHE_RSA": ("DHE", "RSA", "rsa"),
    "DHE_DSS_EXPORT": ("DHE_EXPORT", "DSS", "dsa"), "DHE_RSA_EXPORT": ("DHE_EXPORT", "RSA", "rsa"),
    "DHE_DSS_EXPORT1024": ("DHE_EXPORT", "DSS", "dsa"),
    "DH_anon": ("DHE", "anon", "none"), "DH_anon_EXPORT": ("DHE_EXPORT", "anon", "none"),
    "ECDH_ECDSA": ("ECDH", "ECDH", "ecdh"), "ECDH_RSA": ("ECDH", "ECDH", "ecdh"),
    "ECDHE_ECDSA": ("ECDHE", "ECDSA", "ecdsa"), "ECDHE_RSA": ("ECDHE", "RSA", "rsa"),
    "ECDH_anon": ("ECDHE", "anon", "none"),
    "PSK": ("PSK", "PSK", "none"), "DHE_PSK": ("DHE_PSK", "PSK", "none"),
    "PSK_DHE": ("DHE_PSK", "PSK", "none"), "ECDHE_PSK": ("ECDHE_PSK", "PSK", "none"),
    "RSA_PSK": ("RSA_PSK", "RSA", "rsa"),
    "SRP_SHA": ("SRP", "SRP", "none"), "SRP_SHA_RSA": ("SRP", "RSA", "rsa"),
    "SRP_SHA_DSS": ("SRP", "DSS", "dsa"),
    "KRB5": ("KRB5", "KRB5", "none"), "KRB5_EXPORT": ("KRB5_EXPORT", "KRB5", "none"),
    "ECCPWD": ("ECCPWD", "ECCPWD", "none"),
    "GOSTR341094": ("GOST", "GOST", "gost"), "GOSTR341001": ("GOST", "GOST", "gost"),
    "GOSTR341112_256": ("GOST", "GOST", "gost"), "GOSTR341094_RSA": ("RSA", "RSA", "rsa"),
    "CECPQ1_RSA": ("CECPQ1", "RSA", "rsa"), "CECPQ1_ECDSA": ("CECPQ1", "ECDSA", "ecdsa"),
    "FORTEZZA_KEA": ("FORTEZZA", "FORTEZZA", "kea"),
    "RSA_FIPS": ("RSA", "RSA", "rsa"), "RSA_OLDFIPS": ("RSA", "RSA", "rsa"),
}
CIPHER = {  # name part -> (token, bits)
    "NULL": ("NULL", 0), "RC4_40": ("RC4_40", 40), "RC4_56": ("RC4_56", 56),
    "RC4_128": ("RC4_128", 128), "RC2_CBC_40": ("RC2_CBC_40", 40), "RC2_CBC_56": ("RC2_CBC_56", 56),
    "RC2_56": ("RC2_CBC_56", 56),  # testssl's spelling of 0x0061
    "DES40_CBC": ("DES40_CBC", 40), "DES_CBC_40": ("DES40_CBC", 40), "DES_CBC": ("DES_CBC", 56),
    "3DES_EDE_CBC": ("3DES_EDE_CBC", 168), "IDEA_CBC": ("IDEA_CBC", 128), "SEED_CBC": ("SEED_CBC", 128),
    "CHACHA20_POLY1305": ("CHACHA20_POLY1305", 256), "28147_CNT": ("GOST28147", 256),
    "KUZNYECHIK_CTR_OMAC": ("KUZNYECHIK_CTR_OMAC", 256), "MAGMA_CTR_OMAC": ("MAGMA_CTR_OMAC", 256),
    "KUZNYECHIK_MGM_L": ("KUZNYECHIK_MGM_L", 256), "KUZNYECHIK_MGM_S": ("KUZNYECHIK_MGM_S", 256),
    "MAGMA_MGM_L": ("MAGMA_MGM_L", 256), "MAGMA_MGM_S": ("MAGMA_MGM_S", 256),
    "FORTEZZA_CBC": ("FORTEZZA_CBC", 80), "SM4_GCM": ("SM4_GCM", 128), "SM4_CCM": ("SM4_CCM", 128),
    "AEGIS_256": ("AEGIS_256", 256), "AEGIS_128L": ("AEGIS_128L", 128),
}
for alg in ("AES", "CAMELLIA", "ARIA"):
    for b in (128, 256):
        for mode in ("CBC", "GCM", "CCM", "CCM_8"):
            CIPHER["%s_%d_%s" % (alg, b, mode)] = ("%s_%d_%s" % (alg, b, mode), b)
AEAD_MARK = ("GCM", "CCM", "CHACHA20_POLY1305", "MGM", "AEGIS")
MACS = {"MD5": "MD5", "SHA": "SHA1", "SHA256": "SHA256", "SHA384": "SHA384",
        "GOSTR3411": "GOST", "IMIT": "GOST", "GOST94": "GOST", "GOST89MAC": "GOST",
        "GOST89STREAM": "GOST", "OMAC": "GOST"}
SSL2_CIPHER = {  # SSLv2 name body -> (cipher, bits)
    "NULL": ("NULL", 0), "RC4_128": ("RC4_128", 128), "RC4_128_EXPORT40": ("RC4_40", 40),
    "RC2_128_CBC": ("RC2_CBC_128", 128), "RC2_128_CBC_EXPORT40": ("RC2_CBC_40", 40),
    "IDEA_128_CBC": ("IDEA_CBC", 128), "DES_64_CBC": ("DES_CBC", 56),
    "DES_192_EDE3_CBC": ("3DES_EDE_CBC", 168), "RC4_64": ("RC4_64", 64),
    "DES_64_CFB64": ("DES_CFB64", 56),
}
TS_VERSION = {"SSLv2": "SSLv2", "SSLv3": "SSLv3", "TLSv1": "TLSv1.0", "TLSv1.2": "TLSv1.2", "TLSv1.3": "TLSv1.3"}
TLS13_GENERIC = {0x00C6, 0x00C7, 0xC0B4, 0xC0B5, 0xC103, 0xC104, 0xC105, 0xC106}


def parse_suite(code, name, status):
    """-> kx, auth, cert, cipher, bits, mac, aead flag, tls13 flag"""
    if code in (0x00FF, 0x5600):
        return "NONE", "NONE", "none", "NULL", 0, "NULL", False, False
    if status == "sslv2":  # SSLv2 CIPHER-KIND
        body = name[len("SSL_CK_"):]
        if body == "NULL":
            return "NONE", "NONE", "none", "NULL", 0, "NULL", False, False
        m = re.fullmatch(r"(.*?)(?:_WITH)?_(MD5|SHA)(?:_1)?", body)
        enc, mac = m.group(1), MACS[m.group(2)]
        if enc == "NULL":  # NULL-MD5: RSA key exchange, no encryption
            return "RSA", "RSA", "rsa", "NULL", 0, mac, False, False
        cipher, bits = SSL2_CIPHER[enc]
        kx = "RSA_EXPORT" if "EXPORT40" in enc else "RSA"
        return kx, "RSA", "rsa", cipher, bits, mac, False, False
    n = re.sub(r"^(TLS|SSL)_", "", name)
    n = re.sub(r"_OLD$", "", n)
    if code >> 8 == 0x13 or code in TLS13_GENERIC:  # TLS 1.3: cipher + hash only
        if code in (0xC0B4, 0xC0B5):
            return "ANY", "ANY", "any", "NULL", 0, n.split("_")[1], False, True
        n = re.sub(r"^GOSTR341112_256_WITH_", "", n)
        n = re.sub(r"_(SHA256|SHA384|SM3)$", "", n)
        n = n.replace("AES_128_CCM_8", "AES_128_CCM_8")
        cipher, bits = CIPHER[n]
        return "ANY", "ANY", "any", cipher, bits, "AEAD", True, True
    kxpart, enc = n.split("_WITH_")
    kx, auth, cert = KX[kxpart]
    if enc == "NULL_NULL":
        return kx, auth, cert, "NULL", 0, "NULL", False, False
    # split cipher / mac
    for suffix in ("_SHA256", "_SHA384", "_SHA", "_MD5", "_GOSTR3411", "_IMIT", "_GOST94",
                   "_GOST89MAC", "_GOST89STREAM", "_OMAC"):
        if enc.endswith(suffix) and enc[: -len(suffix)] in CIPHER:
            cpart, mac = enc[: -len(suffix)], MACS[suffix[1:]]
            break
    else:
        if enc.endswith("_CTR_OMAC"):
            cpart, mac = enc, "GOST"
        else:
            cpart, mac = enc, "AEAD"  # e.g. AES_128_CCM, AES_128_CCM_8
    cipher, bits = CIPHER[cpart]
    aead = any(k in cipher for k in AEAD_MARK)
    if aead:
        mac = "AEAD"
    if code == 0xFF00:
        mac = "MD5"
    return kx, auth, cert, cipher, bits, mac, aead, False


def min_version(code, status, aead, tls13, mac, ts_ver):
    if status == "sslv2":
        return "SSLv2"
    if tls13:
        return "TLSv1.3"
    if 0xC100 <= code <= 0xC102:
        return "TLSv1.2"  # RFC 9189 defines them for TLS 1.2 only
    if code in (0x0080, 0x0081, 0x0082, 0x0083) or 0xFF00 <= code <= 0xFF87:
        return "TLSv1.0"  # GOST suites need the TLS PRF
    if ts_ver:
        return TS_VERSION[ts_ver]
    if aead or mac in ("SHA256", "SHA384"):
        return "TLSv1.2"
    return "SSLv3"


def classify(code, name, status, kx, auth, cipher, mac, aead, tls13):
    if code in (0x00FF, 0x5600):
        return "secure", "signalling value, not a cipher suite"
    bad = []
    if status == "sslv2":
        bad.append("SSLv2 is broken (RFC 6176)")
    if cipher == "NULL":
        bad.append("integrity only, no encryption (RFC 9150)" if code in (0xC0B4, 0xC0B5)
                   else "no encryption (NULL cipher)")
    if auth == "anon":
        bad.append("anonymous, no server authentication")
    if "EXPORT" in kx or "EXPORT" in name:
        bad.append("export-grade")
    if cipher.startswith("RC4"):
        bad.append("RC4 is broken (RFC 7465)")
    if cipher in ("DES_CBC", "DES40_CBC", "DES_CFB64"):
        bad.append("DES is broken (56-bit or less)")
    if cipher.startswith("RC2"):
        bad.append("RC2 is broken")
    if cipher == "FORTEZZA_CBC":
        bad.append("Skipjack 80-bit key, Fortezza obsolete")
    if mac == "MD5":
        bad.append("MD5 MAC")
    if bad:
        return "insecure", "; ".join(dict.fromkeys(bad))
    weak = []
    if kx in ("RSA", "DH", "ECDH", "PSK", "RSA_PSK", "SRP", "KRB5", "FORTEZZA"):
        weak.append("no forward secrecy")
    if kx == "GOST" or cipher.startswith(("GOST", "KUZNYECHIK", "MAGMA")):
        weak.append("GOST national algorithms, not widely reviewed")
    if kx == "CECPQ1":
        weak.append("withdrawn post-quantum experiment, never standardised")
    if cipher.endswith("_CBC") or cipher == "SEED_CBC":
        weak.append("CBC mode")
    if cipher == "3DES_EDE_CBC":
        weak.append("3DES 64-bit block (Sweet32)")
    if cipher == "IDEA_CBC":
        weak.append("IDEA 64-bit block")
    if cipher == "SEED_CBC":
        weak.append("SEED, little reviewed")
    if mac == "SHA1":
        weak.append("SHA1 MAC")
    if weak:
        return "weak", "; ".join(weak)
    # forward secret AEAD from here on
    sec = []
    if status == "draft":
        sec.append("pre-standard draft code point")
    if cipher.endswith("CCM_8"):
        sec.append("CCM_8 has a short 64-bit tag")
    if kx in ("DHE_PSK", "ECDHE_PSK"):
        sec.append("PSK-based, needs a strong pre-shared key")
    if kx == "ECCPWD":
        sec.append("password-authenticated (RFC 8492), little deployed")
    if cipher.startswith(("ARIA", "CAMELLIA")):
        sec.append("ARIA/CAMELLIA little deployed")
    if cipher.startswith("SM4"):
        sec.append("SM4/SM3 national algorithms, little deployed")
    if cipher.startswith("AEGIS"):
        sec.append("AEGIS still an IRTF draft")
    if auth == "DSS":
        sec.append("DSA certificates are deprecated")
    if sec:
        return "secure", "forward secrecy with AEAD; " + "; ".join(sec)
    if kx == "DHE":
        return "recommended", "forward secrecy with AEAD; DHE needs a 2048-bit or larger group (RFC 7919)"
    return "recommended", "forward secrecy with AEAD"


def code_str(key):
    width, code = key
    return "0x%06X" % code if width == 3 else "0x%04X" % code


def parse_hex(s, width=None):
    """'0x00,0x0A' / '0x13, 0x01' / '0x002f' / 'sslv2:0x010080' -> (bytes, value)"""
    s = s.strip().lower()
    if s.startswith("sslv2:"):
        s, width = s[6:], 3
    digits = s.replace("0x", "").replace(",", "").replace(" ", "")
    if width is None:
        width = 3 if "," in s and len(s.split(",")) == 3 else len(digits) // 2
    return (width, int(digits, 16))


def main():
    rows = {}
    with open(IANA_CSV_PATH, encoding="utf-8") as f:
        iana_rows = list(csv.reader(f))[1:]
    for rec in iana_rows:
        key = parse_hex(rec[0]); code = key[1]
        ref = ",".join(re.findall(r"\[([^\]]+)\]", rec[4]))
        if ref == "RFC-smyshlyaev-tls13-gost-suites-08":
            ref = "RFC9367 (IANA copy: RFC-smyshlyaev-tls13-gost-suites-08)"
        if code == 0x001E:
            ref += " (0x001E is also SSLv3 SSL_FORTEZZA_KEA_WITH_RC4_128_SHA, IANA wins)"
        status = "scsv" if code in (0x00FF, 0x5600) else "iana"
        rows[key] = {"iana": rec[1], "status": status, "ref": ref}
    for code, (name, status, ref) in EXTRA.items():
        assert (2, code) not in rows, hex(code)
        rows[(2, code)] = {"iana": name, "status": status, "ref": ref}
    for code, (name, ref) in SSL2.items():
        rows[(3, code)] = {"iana": name, "status": "sslv2", "ref": ref}

    # testssl
    ts = {}
    for line in open(TESTSSL):
        f = line.split()
        code = parse_hex(f[0])
        if code[0] == 3:
            code = (3, TESTSSL_CODE_FIX.get(code[1], code[1]))
            if code[1] == 0:
                continue  # SSL_CK_NULL_WITH_MD5: left out, see the SSL2 table
        ts[code] = {"ossl": f[2], "iana": f[3], "ver": f[4]}
        if code not in rows:
            sys.exit("testssl code %s has no row" % code_str(code))
    # local OpenSSL
    out = subprocess.run(["openssl", "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         check=True, capture_output=True, text=True).stdout
    ossl = {}
    for line in out.splitlines():
        f = line.split()
        ossl[parse_hex(f[0], 2)] = {"std": f[2], "name": f[4]}
    # GnuTLS
    out = subprocess.run(["gnutls-cli", "--list"], check=True, capture_output=True, text=True).stdout
    gnutls = {}
    for line in out.splitlines():
        m = re.match(r"^(\S+)\s+(0x[0-9a-fA-F]{2}, 0x[0-9a-fA-F]{2})\s+(\S+)", line)
        if m:
            gnutls[parse_hex(m.group(2), 2)] = m.group(1)
    # Windows
    win = {}
    with open(WIN) as fh:
        lines = [l for l in fh if not l.startswith("#")]
    for rec in csv.DictReader(lines, delimiter="\t"):
        code = parse_hex(rec["code_point"], 2)
        win.setdefault(code, [])
        if rec["iana_name"] not in win[code]:
            win[code].append(rec["iana_name"])

    table = []
    for key in sorted(rows):
        r = rows[key]
        code = key[1]
        status = r["status"]
        t = ts.get(key, {})
        if key in ossl:
            oname = ossl[key]["name"]
        elif t.get("ossl", "-") != "-" and not (status == "sslv2" and t["ossl"] in SSL2_NAME_COLLISIONS):
            oname = t["ossl"]
        else:
            oname = OPENSSL_ENGINE_NAMES.get(code, "-")
        aliases = []
        if t.get("ossl", "-") not in ("-", oname) and not (status == "sslv2" and t["ossl"] in SSL2_NAME_COLLISIONS):
            aliases.append(t["ossl"])
        aliases += [a for a in OPENSSL_ALIASES.get(code, []) if a != oname and a not in aliases]
        kx, auth, cert, cipher, bits, mac, aead, tls13 = parse_suite(code, r["iana"], status)
        ver = min_version(code, status, aead, tls13, mac, t.get("ver"))
        klass, reason = classify(code, r["iana"], status, kx, auth, cipher, mac, aead, tls13)
        wn = sorted(win.get(key, []), key=lambda s: (len(s), s))
        table.append([code_str(key), r["iana"], oname, ",".join(aliases) or "-",
                      gnutls.get(key, "-"), ",".join(wn) or "-", kx, auth, cert, cipher,
                      str(bits), mac, ver, klass, reason, status, r["ref"]])
    for code in win:
        if code not in rows:
            sys.exit("windows code %s has no row" % code_str(code))

    header = HEADER_COMMENT.strip("\n") + "\n"
    with open(OUT, "w", newline="\n") as fh:
        fh.write(header)
        fh.write("\t".join(COLUMNS) + "\n")
        for row in table:
            assert all(f and "\t" not in f for f in row), row
            fh.write("\t".join(row) + "\n")
    print("wrote %d rows to %s" % (len(table), OUT))


COLUMNS = ["code", "iana_name", "openssl_name", "openssl_aliases", "gnutls_name", "windows_names",
           "kx", "auth", "cert", "cipher", "bits", "mac", "min_version", "class", "class_reason",
           "status", "reference"]

HEADER_COMMENT = """
# cipher_suites.tsv - every TLS/SSL cipher suite code point tlsdiag knows, one row each.
# Generated by data/tools/build_cipher_suites.py (Python 3 stdlib); edit the script, not this file.
#
# Sources:
#   IANA "TLS Cipher Suites" registry, tls-parameters-4.csv (copy with the Recommended column and
#     the 0x1306/0x1307 AEGIS rows), vendored in github.com/AnoyingShulkerMC/BootlegTLS,
#     path tls-parameters-4.csv, commit 921d744455495cebd0f543c31aa9664ba9f53aaa; all 352 assigned
#     values (incl. both SCSVs) are embedded in the build script verbatim. Reference column from it.
#   /etc/testssl/cipher-mapping.txt (Debian testssl.sh package, 370 rows).
#   `openssl ciphers -V -stdname 'ALL:COMPLEMENTOFALL:@SECLEVEL=0'` of the local OpenSSL 3.0 (158 suites).
#   `gnutls-cli --list` of the local GnuTLS 3.7 (cipher suite lines).
#   ../shared/reference/windows_default_suites.tsv (Microsoft Schannel docs), column iana_name.
#   Non-IANA names: NSS sslproto.h (SSL_RSA_FIPS/OLDFIPS), RFC 6101 (Fortezza), OpenSSL ssl2.h/ssl3.h
#     (SSLv2 kinds, EXP-DHE-/DHE-*-DES names), OpenSSL 3.0 libssl and gost-engine (GOST names).
#
# Columns (tab-separated, '-' = none, lists comma-separated):
#   code            0x + 4 hex digits (TLS/SSLv3 suites) or 6 hex digits (SSLv2 CIPHER-KIND).
#                   GREASE (0x?A?A, RFC 8701) and unassigned/reserved ranges are not listed.
#   iana_name       IANA name; for non-IANA codes the conventional (testssl/NSS/Windows) name.
#   openssl_name    as local `openssl ciphers` prints it; else testssl's name; else the name in
#                   OpenSSL 3.0's libssl table (GOST suites shown only with gost-engine); else '-'.
#   openssl_aliases other OpenSSL spellings of the same code (older/newer OpenSSL, testssl).
#   gnutls_name     as `gnutls-cli --list` prints it.
#   windows_names   every Schannel spelling (incl. _P256/_P384/_P521 curve-suffixed and SSL_CK_* names).
#   kx              RSA RSA_EXPORT DH DHE DHE_EXPORT DH_EXPORT ECDH ECDHE PSK DHE_PSK ECDHE_PSK RSA_PSK
#                   SRP KRB5 KRB5_EXPORT GOST ECCPWD FORTEZZA CECPQ1 ANY(TLS 1.3) NONE(SCSV, NULL_NULL).
#                   Anonymous suites (DH_anon, ECDH_anon) use ephemeral keys sent in ServerKeyExchange
#                   (RFC 5246 7.4.3, RFC 8422 2.3) so they are DHE/ECDHE(_EXPORT) with auth anon.
#                   CECPQ1 = Google's X25519+NewHope hybrid experiment (no other value fits).
#   auth            RSA DSS ECDSA DH ECDH anon PSK SRP KRB5 GOST ECCPWD FORTEZZA ANY NONE.
#   cert            server certificate key type: rsa dsa ecdsa dh ecdh gost kea(Fortezza KEA) none any.
#   cipher, bits    symmetric cipher token and key bits as OpenSSL's Enc=X(N) (3DES 168, NULL 0).
#   mac             AEAD MD5 SHA1 SHA256 SHA384 GOST(any GOST MAC: IMIT, GOST R 34.11, OMAC) NULL.
#   min_version     lowest protocol the suite can be negotiated on: SSLv2 SSLv3 TLSv1.0 TLSv1.2 TLSv1.3
#                   (testssl/OpenSSL's value where known; legacy GOST suites TLSv1.0 as they need the TLS PRF;
#                   RFC 9189 GOST suites TLSv1.2).
#   class           insecure | weak | secure | recommended (worst applicable, ciphersuite.info spirit).
#   class_reason    short reason for the class.
#   status          iana | scsv | draft (pre-standard code) | vendor (non-IANA legacy) | sslv2.
#   reference       defining document (IANA Reference column for IANA rows).
#
# Conflicts resolved:
#   0x001E: IANA TLS_KRB5_WITH_DES_CBC_SHA wins over SSLv3 SSL_FORTEZZA_KEA_WITH_RC4_128_SHA (RFC 6101).
#   0xFEFE/0xFEFF vs 0xFFE0/0xFFE1: testssl gives both pairs the SSL_RSA_FIPS_* names; NSS names
#     0xFFE0/0xFFE1 SSL_RSA_OLDFIPS_WITH_3DES_EDE_CBC_SHA / SSL_RSA_OLDFIPS_WITH_DES_CBC_SHA.
#   SSLv2 SSL_CK_DES_64_CFB64_WITH_MD5_1 / SSL_CK_NULL are 0xFF0800 / 0xFF0810 (OpenSSL ssl2.h);
#     testssl writes them as 0xFF,0x80,0x00 / 0xFF,0x80,0x10.
#   OpenSSL names used for both an SSLv2 kind and a TLS suite (NULL-MD5 RC4-MD5 EXP-RC4-MD5
#     EXP-RC2-CBC-MD5 DES-CBC-SHA DES-CBC3-SHA, and testssl's NULL) stay with the TLS suite.
#   0xFF85 carries the name of IANA 0xC102 in other tools; here it is ..._OLD to keep names unique.
#   0x0061: testssl spells it TLS_RSA_EXPORT1024_WITH_RC2_56_MD5; the draft's name is used.
#   0xFF02/0xFF03 have no IANA-style name anywhere; named after OpenSSL's GOST-GOST89MAC/-STREAM.
"""

if __name__ == "__main__":
    main()
