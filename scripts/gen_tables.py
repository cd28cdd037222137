#!/usr/bin/env python3
"""Generate the C registry tables from data/*.tsv.

data/ is the single source of truth; this script turns each TSV into a const
array of the structs declared in include/tlsdiag/registry.h and checks the data
on the way (header, field count, unique sorted codes, unique names).  Any
inconsistency stops the build with the file and line, so a bad edit to data/
can never produce a table.

It also writes OUTPUT.h (tlsdiag/registry_codes.h): the typed vocabulary of the
registry's property columns (key exchange with its flags, authentication, certificate
kind, cipher with its flags, MAC, status; group kind; signature hash and algorithm),
each an enum whose names this script knows, so that a value not listed here (a typo in
a data column) stops the build; and one named constant per registry code
(TLSD_VERSION_*, TLSD_ALERT_*, TLSD_GROUP_*, TLSD_SIGSCHEME_*, TLSD_EXT_*, TLSD_HS_*,
TLSD_CT_*).

Usage: gen_tables.py DATA_DIR OUTPUT.c OUTPUT.h
"""
import sys

CLASSES = {"insecure": "TLSD_CLASS_INSECURE", "weak": "TLSD_CLASS_WEAK",
           "secure": "TLSD_CLASS_SECURE", "recommended": "TLSD_CLASS_RECOMMENDED"}
VERSIONS = {"SSLv2": 0x0002, "SSLv3": 0x0300, "TLSv1.0": 0x0301,
            "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}

# The vocabulary of each property column: value -> flags. The enum constant is
# PREFIX + the value in upper case (non-alphanumerics as '_'); the order is the enum's.
KX_FLAGS = ["EPHEMERAL", "EC", "DH", "PSK", "EXPORT", "RSA"]
KX = {"NONE": [], "ANY": ["EPHEMERAL"], "RSA": ["RSA"], "RSA_EXPORT": ["RSA", "EXPORT"],
      "DH": ["DH"], "DH_EXPORT": ["DH", "EXPORT"], "DHE": ["DH", "EPHEMERAL"],
      "DHE_EXPORT": ["DH", "EPHEMERAL", "EXPORT"], "ECDH": ["EC"],
      "ECDHE": ["EC", "EPHEMERAL"], "PSK": ["PSK"], "DHE_PSK": ["DH", "EPHEMERAL", "PSK"],
      "RSA_PSK": ["RSA", "PSK"], "ECDHE_PSK": ["EC", "EPHEMERAL", "PSK"], "SRP": [],
      "GOST": [], "KRB5": [], "KRB5_EXPORT": ["EXPORT"], "ECCPWD": [], "CECPQ1": [],
      "FORTEZZA": []}
AUTH = {v: [] for v in ["NONE", "ANY", "RSA", "DSS", "ECDSA", "DH", "ECDH", "PSK", "anon",
                        "KRB5", "GOST", "ECCPWD", "SRP", "FORTEZZA"]}
CERT = {v: [] for v in ["none", "any", "rsa", "dsa", "ecdsa", "dh", "ecdh", "gost", "kea"]}
CIPHER_FLAGS = ["CBC", "AEAD", "STREAM", "CHACHA20", "CCM_8", "NULL"]
CIPHER = {"NULL": ["NULL"], "RC4_40": ["STREAM"], "RC4_56": ["STREAM"], "RC4_64": ["STREAM"],
          "RC4_128": ["STREAM"], "RC2_CBC_40": ["CBC"], "RC2_CBC_56": ["CBC"],
          "RC2_CBC_128": ["CBC"], "IDEA_CBC": ["CBC"], "DES40_CBC": ["CBC"],
          "DES_CBC": ["CBC"], "DES_CFB64": [], "3DES_EDE_CBC": ["CBC"],
          "FORTEZZA_CBC": ["CBC"], "SEED_CBC": ["CBC"], "GOST28147": [],
          "AES_128_CBC": ["CBC"], "AES_256_CBC": ["CBC"], "AES_128_GCM": ["AEAD"],
          "AES_256_GCM": ["AEAD"], "AES_128_CCM": ["AEAD"], "AES_256_CCM": ["AEAD"],
          "AES_128_CCM_8": ["AEAD", "CCM_8"], "AES_256_CCM_8": ["AEAD", "CCM_8"],
          "CAMELLIA_128_CBC": ["CBC"], "CAMELLIA_256_CBC": ["CBC"],
          "CAMELLIA_128_GCM": ["AEAD"], "CAMELLIA_256_GCM": ["AEAD"],
          "ARIA_128_CBC": ["CBC"], "ARIA_256_CBC": ["CBC"], "ARIA_128_GCM": ["AEAD"],
          "ARIA_256_GCM": ["AEAD"], "CHACHA20_POLY1305": ["AEAD", "CHACHA20"],
          "SM4_GCM": ["AEAD"], "SM4_CCM": ["AEAD"], "AEGIS_128L": ["AEAD"],
          "AEGIS_256": ["AEAD"], "MAGMA_CTR_OMAC": [], "MAGMA_MGM_S": ["AEAD"],
          "MAGMA_MGM_L": ["AEAD"], "KUZNYECHIK_CTR_OMAC": [], "KUZNYECHIK_MGM_S": ["AEAD"],
          "KUZNYECHIK_MGM_L": ["AEAD"]}
MAC = {v: [] for v in ["NULL", "AEAD", "MD5", "SHA1", "SHA256", "SHA384", "GOST"]}
STATUS = {v: [] for v in ["iana", "scsv", "draft", "vendor", "sslv2"]}
GROUP_KIND = {v: [] for v in ["ec", "ecx", "ffdhe", "pq", "hybrid", "gost", "sm", "explicit"]}
SIG_HASH = {v: [] for v in ["-", "md5", "sha1", "sha224", "sha256", "sha384", "sha512",
                            "intrinsic", "sm3", "gostr341194", "streebog256", "streebog512"]}
SIG_ALG = {v: [] for v in ["rsa_pkcs1", "rsa_pss_rsae", "rsa_pss_pss", "dsa", "ecdsa",
                           "ed25519", "ed448", "sm2", "gost", "ibc", "mldsa"]}
VERSION_FAMILY = {v: [] for v in ["ssl2", "tls", "dtls"]}

# enum kind -> (C enum tag, constant prefix, vocabulary, flag names or None, flags prefix)
VOCABULARY = {
    "kx": ("tlsd_kx", "TLSD_KX_", KX, KX_FLAGS, "TLSD_KXF_"),
    "auth": ("tlsd_auth", "TLSD_AUTH_", AUTH, None, None),
    "cert": ("tlsd_cert_kind", "TLSD_CERT_", CERT, None, None),
    "cipher": ("tlsd_cipher", "TLSD_CIPHER_", CIPHER, CIPHER_FLAGS, "TLSD_CIPHERF_"),
    "mac": ("tlsd_mac", "TLSD_MAC_", MAC, None, None),
    "status": ("tlsd_suite_status", "TLSD_STATUS_", STATUS, None, None),
    "group_kind": ("tlsd_group_kind", "TLSD_GROUP_KIND_", GROUP_KIND, None, None),
    "sig_hash": ("tlsd_sig_hash", "TLSD_SIG_HASH_", SIG_HASH, None, None),
    "sig_alg": ("tlsd_sig_alg", "TLSD_SIG_ALG_", SIG_ALG, None, None),
    "family": ("tlsd_version_family", "TLSD_FAMILY_", VERSION_FAMILY, None, None),
}


def const_name(prefix, value):
    out = "".join(c.upper() if c.isalnum() else "_" for c in value)
    if value == "-":
        out = "NONE"
    return prefix + out


# table name -> (file, C struct, [(column, kind)], name columns for uniqueness)
# kinds: hex = 0x-prefixed code, dec = decimal code, int = integer,
#        str = string ('-' kept), opt = string or NULL for '-', list = comma list
#        (NULL for '-'), class, version, yesno, and enum:KIND (a VOCABULARY value,
#        written as the enum constant; with flags also as FIELD_flags).
TABLES = [
    ("suites", "cipher_suites.tsv", "tlsd_suite", [
        ("code", "hex"), ("iana_name", "str"), ("openssl_name", "opt"),
        ("openssl_aliases", "list"), ("gnutls_name", "opt"),
        ("windows_names", "list"), ("kx", "enum:kx"), ("auth", "enum:auth"),
        ("cert", "enum:cert"), ("cipher", "enum:cipher"), ("bits", "int"), ("mac", "enum:mac"),
        ("min_version", "version"), ("class", "class"),
        ("class_reason", "str"), ("status", "enum:status"), ("reference", "str")],
     ["iana_name", "openssl_name", "openssl_aliases", "gnutls_name",
      "windows_names"]),
    ("versions", "versions.tsv", "tlsd_version", [
        ("code", "hex"), ("name", "str"), ("iana_name", "str"),
        ("openssl_name", "opt"), ("gnutls_name", "opt"),
        ("windows_name", "opt"), ("family", "enum:family"), ("class", "class"),
        ("reference", "str")],
     ["name", "iana_name", "openssl_name", "gnutls_name", "windows_name"]),
    ("groups", "groups.tsv", "tlsd_group", [
        ("code", "hex"), ("name", "str"), ("openssl_name", "list"),
        ("gnutls_name", "opt"), ("windows_name", "opt"), ("kind", "enum:group_kind"),
        ("bits", "int"), ("tls13", "yesno"), ("class", "class"), ("reference", "str")],
     ["name", "openssl_name", "gnutls_name", "windows_name"]),
    ("sigschemes", "sigschemes.tsv", "tlsd_sigscheme", [
        ("code", "hex"), ("name", "str"), ("openssl_name", "opt"),
        ("gnutls_name", "opt"), ("hash", "enum:sig_hash"), ("signature", "enum:sig_alg"),
        ("tls13", "yesno"), ("class", "class"), ("reference", "str")],
     ["name"]),
    ("extensions", "extensions.tsv", "tlsd_extension", [
        ("code", "hex"), ("name", "str"), ("reference", "str"),
        ("tls13_messages", "opt"), ("recommended", "str")],
     ["name"]),
    ("alerts", "alerts.tsv", "tlsd_alert", [
        ("code", "dec"), ("name", "str"), ("level_rule", "str"),
        ("reference", "str"), ("description", "str")],
     ["name"]),
    ("handshake_types", "handshake_types.tsv", "tlsd_handshake_type", [
        ("code", "dec"), ("name", "str"), ("tls", "yesno"), ("reference", "str")],
     ["name"]),
    ("content_types", "content_types.tsv", "tlsd_content_type", [
        ("code", "dec"), ("name", "str"), ("reference", "str")],
     ["name"]),
]


class DataError(Exception):
    pass


def cstr(s):
    out = ['"']
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127 and c != "?":
            out.append(c)
        else:
            out.append("\\%03o" % ch)
    out.append('"')
    return "".join(out)


def read_tsv(path, columns):
    rows = []
    header = None
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                want = [c for c, _ in columns]
                if header != want:
                    raise DataError("%s:%d: header %r, expected %r" % (path, lineno, header, want))
                continue
            if len(fields) != len(columns):
                raise DataError("%s:%d: %d fields, expected %d" % (path, lineno, len(fields), len(columns)))
            if any(x.strip() == "" for x in fields):
                raise DataError("%s:%d: empty field (use '-')" % (path, lineno))
            rows.append((lineno, [x.strip() for x in fields]))
    if header is None:
        raise DataError("%s: no header" % path)
    return rows


def convert(path, lineno, kind, value):
    where = "%s:%d" % (path, lineno)
    if kind == "hex":
        if not value.startswith("0x") or len(value) not in (6, 8):
            raise DataError("%s: bad code %r" % (where, value))
        return int(value, 16), "0x%s" % value[2:].upper()
    if kind == "dec":
        return int(value), str(int(value))
    if kind == "int":
        return int(value), str(int(value))
    if kind == "class":
        if value not in CLASSES:
            raise DataError("%s: bad class %r" % (where, value))
        return value, CLASSES[value]
    if kind == "version":
        if value not in VERSIONS:
            raise DataError("%s: bad version %r" % (where, value))
        return value, "0x%04X" % VERSIONS[value]
    if kind == "yesno":
        if value not in ("yes", "no"):
            raise DataError("%s: expected yes/no, got %r" % (where, value))
        return value, "true" if value == "yes" else "false"
    if kind.startswith("enum:"):
        tag, prefix, vocab, _, _ = VOCABULARY[kind[5:]]
        if value not in vocab:
            raise DataError("%s: %r is not a known %s (one of %s; scripts/gen_tables.py)"
                            % (where, value, tag, ", ".join(vocab)))
        return value, const_name(prefix, value)
    if kind in ("opt", "list") and value == "-":
        return None, "NULL"
    return value, cstr(value)


def windows_display_name(row):
    """The spelling to write for Windows: the IANA name where Windows uses it,
    else its first listed spelling (e.g. an SSL_CK_ name)."""
    wn = row["windows_names"]
    if wn is None:
        return "NULL"
    names = [n.strip() for n in wn.split(",")]
    if row["iana_name"] in names:
        return cstr(row["iana_name"])
    return cstr(names[0])


def names_of(row, name_cols):
    for col in name_cols:
        v = row[col]
        if v is None or v == "-":
            continue
        for n in v.split(","):
            n = n.strip()
            if n:
                yield n


FIELD = {"class": "cls"}


def flags_expr(kind, value):
    """FIELD_flags initialiser for an enum column whose vocabulary has flags, else None."""
    if not kind.startswith("enum:"):
        return None
    _, _, vocab, flag_names, fprefix = VOCABULARY[kind[5:]]
    if flag_names is None:
        return None
    return " | ".join(fprefix + f for f in vocab[value]) or "0"


def gen_table(data_dir, out, spec):
    tname, fname, struct, columns, name_cols = spec
    path = "%s/%s" % (data_dir, fname)
    rows = read_tsv(path, columns)
    code_col = columns[0][0]
    seen_names = {}
    last = -1
    parsed = []
    for lineno, fields in rows:
        row = {}
        cvals = []
        for (col, kind), value in zip(columns, fields):
            pyv, cv = convert(path, lineno, kind, value)
            row[col] = pyv
            cvals.append(".%s = %s" % (FIELD.get(col, col), cv))
            fl = flags_expr(kind, value)
            if fl is not None:
                cvals.append(".%s_flags = %s" % (col, fl))
        code = row[code_col]
        if code <= last:
            raise DataError("%s:%d: code %s not in ascending order or duplicate" % (path, lineno, fields[0]))
        last = code
        for key in set(n.lower() for n in names_of(row, name_cols)):
            n = key
            if key in seen_names:
                raise DataError("%s:%d: name %r already used on line %d" % (path, lineno, n, seen_names[key]))
            seen_names[key] = lineno
        if tname == "suites":
            cvals.append(".windows_name = %s" % windows_display_name(row))
        parsed.append((row, cvals))
    out.append("const struct %s tlsd_%s_table[] = {" % (struct, tname))
    for row, cvals in parsed:
        out.append("    {%s}," % ", ".join(cvals))
    out.append("};")
    out.append("const size_t tlsd_%s_count = %d;" % (tname, len(parsed)))
    out.append("")
    return parsed


def gen_vocabulary(h, c):
    """The enums (and flag sets) of VOCABULARY in the header, their names in the table file."""
    for kind, (tag, prefix, vocab, flag_names, fprefix) in VOCABULARY.items():
        h.append("enum %s {" % tag)
        for v in vocab:
            h.append("    %s," % const_name(prefix, v))
        h.append("};")
        h.append("#define %sCOUNT %d" % (prefix, len(vocab)))
        if flag_names:
            h.append("enum %s_flag {" % tag)
            for i, f in enumerate(flag_names):
                h.append("    %s%s = 1u << %d," % (fprefix, f, i))
            h.append("};")
        h.append("/* The registry's spelling (data/ column value); \"?\" out of range. */")
        h.append("const char *%s_name(enum %s v);" % (tag, tag))
        h.append("")
        c.append("const char *%s_name(enum %s v)" % (tag, tag))
        c.append("{")
        c.append("    static const char *const names[] = {%s};" % ", ".join(cstr(v) for v in vocab))
        c.append("    return (unsigned)v < %d ? names[v] : \"?\";" % len(vocab))
        c.append("}")
        c.append("")


# Named constants for registry codes: table, C enum tag, constant prefix, number format.
CODE_NAMES = [("suites", "tlsd_suite_code", "TLSD_SUITE_", "0x%04X"),
              ("versions", "tlsd_version_code", "TLSD_VERSION_", "0x%04X"),
              ("alerts", "tlsd_alert_code", "TLSD_ALERT_", "%d"),
              ("groups", "tlsd_group_code", "TLSD_GROUP_", "0x%04X"),
              ("sigschemes", "tlsd_sigscheme_code", "TLSD_SIGSCHEME_", "0x%04X"),
              ("extensions", "tlsd_ext_code", "TLSD_EXT_", "0x%04X"),
              ("handshake_types", "tlsd_hs_type", "TLSD_HS_", "%d"),
              ("content_types", "tlsd_content_type_code", "TLSD_CT_", "%d")]


def code_const(prefix, name):
    n = name.upper().replace("TLSV", "TLS").replace("SSLV", "SSL")
    n = "".join(ch if ch.isalnum() else "_" for ch in n)
    return prefix + n


def gen_codes(h, tables):
    for tname, tag, prefix, fmt in CODE_NAMES:
        h.append("enum %s {" % tag)
        seen = set()
        for row, _ in tables[tname]:
            const = code_const(prefix, row.get("name") or row["iana_name"])
            if const in seen:
                raise DataError("two %s rows are both named %s" % (tname, const))
            seen.add(const)
            h.append("    %s = %s," % (const, fmt % row["code"]))
        h.append("};")
        h.append("")


# The spellings each registry's *_by_name lookup accepts (registry.c): a sorted index of
# each; where two rows share a spelling, the first row wins, as a scan of the table would.
NAME_INDEXES = [
    ("suite", "suites", None),
    ("version", "versions", ["name", "iana_name", "openssl_name", "gnutls_name", "windows_name"]),
    ("group", "groups", ["name", "openssl_name", "gnutls_name", "windows_name"]),
    ("sigscheme", "sigschemes", ["name", "openssl_name", "gnutls_name"]),
    ("extension", "extensions", ["name"]),
    ("alert", "alerts", ["name"]),
]


def gen_name_index(out, cname, parsed, name_cols):
    """Sorted (lower-case name -> first row) index over the given spellings of a table."""
    first = {}
    for i, (row, _) in enumerate(parsed):
        for n in set(n.lower() for n in names_of(row, name_cols)):
            first.setdefault(n, i)
    idx = sorted(first.items())
    out.append("const struct tlsd_name_index tlsd_%s_name_index[] = {" % cname)
    for name, i in idx:
        out.append("    {%s, %d}," % (cstr(name), i))
    out.append("};")
    out.append("const size_t tlsd_%s_name_index_count = %d;" % (cname, len(idx)))


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        return 2
    data_dir, output, header = sys.argv[1], sys.argv[2], sys.argv[3]
    out = ["/* Generated by scripts/gen_tables.py from the data/ TSV files. Do not edit. */",
           "#include <stddef.h>", "#include \"tlsdiag/registry.h\"",
           "#include \"registry/registry_internal.h\"", ""]
    h = ["/* Generated by scripts/gen_tables.py from the data/ TSV files. Do not edit.",
         " * The registry's typed vocabulary and named codes; include tlsdiag/registry.h. */",
         "#ifndef TLSDIAG_REGISTRY_CODES_H", "#define TLSDIAG_REGISTRY_CODES_H", ""]
    try:
        tables = {}
        gen_vocabulary(h, out)
        for spec in TABLES:
            tables[spec[0]] = gen_table(data_dir, out, spec)
        for cname, tname, cols in NAME_INDEXES:
            gen_name_index(out, cname, tables[tname], cols or TABLES[0][4])
        gen_codes(h, tables)
    except (DataError, OSError, ValueError) as e:
        sys.stderr.write("gen_tables: %s\n" % e)
        return 1
    h.append("#endif")
    import os
    for path, lines in ((output, out), (header, h)):
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        os.replace(path + ".tmp", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
