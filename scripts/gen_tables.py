#!/usr/bin/env python3
"""Generate the C registry tables from data/*.tsv.

data/ is the single source of truth; this script turns each TSV into a const
array of the structs declared in include/tlsdiag/registry.h and checks the data
on the way (header, field count, unique sorted codes, unique names).  Any
inconsistency stops the build with the file and line, so a bad edit to data/
can never produce a table.

Usage: gen_tables.py DATA_DIR OUTPUT.c
"""
import sys

CLASSES = {"insecure": "TLSD_CLASS_INSECURE", "weak": "TLSD_CLASS_WEAK",
           "secure": "TLSD_CLASS_SECURE", "recommended": "TLSD_CLASS_RECOMMENDED"}
VERSIONS = {"SSLv2": 0x0002, "SSLv3": 0x0300, "TLSv1.0": 0x0301,
            "TLSv1.1": 0x0302, "TLSv1.2": 0x0303, "TLSv1.3": 0x0304}

# table name -> (file, C struct, [(column, kind)], name columns for uniqueness)
# kinds: hex = 0x-prefixed code, dec = decimal code, int = integer,
#        str = string ('-' kept), opt = string or NULL for '-', list = comma list
#        (NULL for '-'), class, version, yesno.
TABLES = [
    ("suites", "cipher_suites.tsv", "tlsd_suite", [
        ("code", "hex"), ("iana_name", "str"), ("openssl_name", "opt"),
        ("openssl_aliases", "list"), ("gnutls_name", "opt"),
        ("windows_names", "list"), ("kx", "str"), ("auth", "str"),
        ("cert", "str"), ("cipher", "str"), ("bits", "int"), ("mac", "str"),
        ("min_version", "version"), ("class", "class"),
        ("class_reason", "str"), ("status", "str"), ("reference", "str")],
     ["iana_name", "openssl_name", "openssl_aliases", "gnutls_name",
      "windows_names"]),
    ("versions", "versions.tsv", "tlsd_version", [
        ("code", "hex"), ("name", "str"), ("iana_name", "str"),
        ("openssl_name", "opt"), ("gnutls_name", "opt"),
        ("windows_name", "opt"), ("family", "str"), ("class", "class"),
        ("reference", "str")],
     ["name", "iana_name", "openssl_name", "gnutls_name", "windows_name"]),
    ("groups", "groups.tsv", "tlsd_group", [
        ("code", "hex"), ("name", "str"), ("openssl_name", "list"),
        ("gnutls_name", "opt"), ("windows_name", "opt"), ("kind", "str"),
        ("bits", "int"), ("class", "class"), ("reference", "str")],
     ["name", "openssl_name", "gnutls_name", "windows_name"]),
    ("sigschemes", "sigschemes.tsv", "tlsd_sigscheme", [
        ("code", "hex"), ("name", "str"), ("openssl_name", "opt"),
        ("gnutls_name", "opt"), ("hash", "str"), ("signature", "str"),
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
            cvals.append(cv)
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
            cvals.insert(6, windows_display_name(row))
        parsed.append((row, cvals))
    out.append("const struct %s tlsd_%s_table[] = {" % (struct, tname))
    for row, cvals in parsed:
        out.append("    {%s}," % ", ".join(cvals))
    out.append("};")
    out.append("const size_t tlsd_%s_count = %d;" % (tname, len(parsed)))
    out.append("")
    return parsed


def gen_suite_index(out, parsed, name_cols):
    """Sorted (lower-case name -> row) index over every spelling of every suite."""
    idx = []
    for i, (row, _) in enumerate(parsed):
        for n in set(n.lower() for n in names_of(row, name_cols)):
            idx.append((n, i))
    idx.sort()
    out.append("const struct tlsd_name_index tlsd_suite_name_index[] = {")
    for name, i in idx:
        out.append("    {%s, %d}," % (cstr(name), i))
    out.append("};")
    out.append("const size_t tlsd_suite_name_index_count = %d;" % len(idx))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    data_dir, output = sys.argv[1], sys.argv[2]
    out = ["/* Generated by scripts/gen_tables.py from the data/ TSV files. Do not edit. */",
           "#include <stddef.h>", "#include \"tlsdiag/registry.h\"",
           "#include \"registry_internal.h\"", ""]
    try:
        for spec in TABLES:
            parsed = gen_table(data_dir, out, spec)
            if spec[0] == "suites":
                suites, suite_names = parsed, spec[4]
        gen_suite_index(out, suites, suite_names)
    except (DataError, OSError, ValueError) as e:
        sys.stderr.write("gen_tables: %s\n" % e)
        return 1
    with open(output + ".tmp", "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")
    import os
    os.replace(output + ".tmp", output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
