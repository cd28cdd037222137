#!/usr/bin/env python3
"""Generate the explain knowledge base (C tables) from data/explain/ and data/alerts.tsv.

data/explain/causes.rec   root causes with checks and fixes (record format, see its header)
data/explain/alerts.tsv   one row per TLS alert of data/alerts.tsv (name and meaning come from there)
data/explain/events.tsv   one row per Schannel event ID
data/explain/status.tsv   one row per SSPI / CryptoAPI / Winsock status code
data/explain/messages.tsv one row per error text (.NET, OpenSSL, Java, GnuTLS, curl, Python, Windows)

The data is checked on the way: unknown or unused causes, duplicate keys, a registry alert
without an entry, a check without a tlsdiag command, a Windows fix that changes the Schannel
configuration without saying that a domain GPO overrides it and that a restart is needed. Any
problem stops the build with the file and line.

Usage: gen_explain.py DATA_DIR OUTPUT.c
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_tables import DataError, cstr, read_tsv  # noqa: E402

CAUSE_KEYS = {"cause", "title", "why", "check", "fix-windows", "fix-other", "ref"}
COMMANDS = ("tlsdiag scan ", "tlsdiag analyze ", "tlsdiag match ", "tlsdiag connect ",
            "tlsdiag ciphers ")
# A Windows fix touching these must say that a domain GPO wins and that a restart is needed.
SCHANNEL_CONFIG = re.compile(r"SCHANNEL|Cipher Suite Order|TlsCipherSuite|TlsEccCurve|ECC Curve Order")
SOURCES_REF = {
    "dotnet": 'dotnet/runtime System.Net.Security Strings.resx; Microsoft "Transport Layer Security '
              '(TLS) best practices with the .NET Framework"',
    "windows": 'Microsoft "Windows Sockets Error Codes"',
    "openssl": "OpenSSL 3.0 ssl/ssl_err.c reason strings; openssl-verify(1) error codes",
    "java": "JDK JSSE (sun.security.ssl) exception texts; java.security jdk.tls.disabledAlgorithms",
    "gnutls": "GnuTLS gnutls_strerror() texts; gnutls-cli(1)",
    "curl": "libcurl-errors(3)",
    "python": "Python ssl module documentation (SSLError, SSLCertVerificationError)",
}
KIND_REF = {
    "alert": 'Microsoft "Schannel Error Codes for TLS and SSL Alerts"',
    "event": 'Microsoft "Schannel Events"; KB3135244; KB4528489',
    "status": 'Microsoft "COM Error Codes (Security and Setup)"; Microsoft "SSPI Status Codes"; winerror.h',
}


def normalise(text):
    """What the C matcher does to input: lower case, non-alphanumerics to one space."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def read_causes(path):
    causes, cur, last = [], None, None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("#"):
                continue
            if not line.strip():
                cur, last = None, None
                continue
            if line[0] in " \t":
                if cur is None or last is None:
                    raise DataError("%s:%d: continuation without a value" % (path, lineno))
                cur[last][-1] += " " + line.strip()
                continue
            key, sep, value = line.partition(":")
            if not sep or key not in CAUSE_KEYS or not value.strip():
                raise DataError("%s:%d: expected 'key: value' with key in %s" % (path, lineno, sorted(CAUSE_KEYS)))
            if key == "cause":
                cur = {"line": lineno}
                causes.append(cur)
            elif cur is None:
                raise DataError("%s:%d: %s before 'cause:'" % (path, lineno, key))
            cur.setdefault(key, []).append(value.strip())
            last = key
    return causes


def check_cause(path, c):
    where = "%s:%d" % (path, c["line"])
    for key in ("title", "why", "ref"):
        if len(c.get(key, [])) != 1:
            raise DataError("%s: cause needs exactly one '%s'" % (where, key))
    for key in ("check", "fix-windows", "fix-other"):
        if not c.get(key):
            raise DataError("%s: cause needs at least one '%s'" % (where, key))
    checks = []
    for chk in c["check"]:
        what, sep, cmd = chk.partition(" | ")
        if not sep or not cmd.startswith(COMMANDS):
            raise DataError("%s: check %r needs ' | tlsdiag scan|analyze|match|connect|ciphers ...'" % (where, chk))
        checks.append((what.strip(), cmd.strip()))
    for fix in c["fix-windows"]:
        if SCHANNEL_CONFIG.search(fix) and not ("GPO overrides" in fix and "restart" in fix):
            raise DataError("%s: Windows fix %r must say a domain GPO overrides local settings and "
                            "that a restart is needed" % (where, fix[:60]))
    return checks


def split_list(value, sep=","):
    return [] if value == "-" else [v.strip() for v in value.split(sep) if v.strip()]


def patterns_of(path, lineno, value):
    out = []
    for p in split_list(value, " | "):
        generic = p.startswith("~")
        norm = normalise(p[1:] if generic else p)
        if len(norm) < 4:
            raise DataError("%s:%d: pattern %r too short to match reliably" % (path, lineno, p))
        out.append(("~" if generic else "") + norm)
    return out


def c_array(out, ctype, name, items):
    if not items:
        return "NULL"
    out.append("static const %s %s[] = {%s};" % (ctype, name, ", ".join(items)))
    return name


class Gen:
    def __init__(self, data_dir):
        self.dir = data_dir
        self.out = ["/* Generated by scripts/gen_explain.py from data/explain/. Do not edit. */",
                    "#include <stddef.h>", '#include "explain_internal.h"', ""]
        self.entries = []
        self.keys = {}
        self.used = set()

    def causes(self):
        path = os.path.join(self.dir, "explain", "causes.rec")
        self.cause_list = read_causes(path)
        self.cause_index = {}
        rows = []
        for i, c in enumerate(self.cause_list):
            cid = c["cause"][0]
            if not re.fullmatch(r"[a-z0-9-]+", cid) or cid in self.cause_index:
                raise DataError("%s:%d: bad or duplicate cause id %r" % (path, c["line"], cid))
            self.cause_index[cid] = i
            checks = check_cause(path, c)
            ck = c_array(self.out, "struct tlsd_explain_check", "checks_%d" % i,
                         ["{%s, %s}" % (cstr(w), cstr(m)) for w, m in checks])
            fw = c_array(self.out, "char *const", "fixw_%d" % i, [cstr(x) for x in c["fix-windows"]])
            fo = c_array(self.out, "char *const", "fixo_%d" % i, [cstr(x) for x in c["fix-other"]])
            rows.append("{%s, %s, %s, %s, %d, %s, %d, %s, %d, %s}" % (
                cstr(cid), cstr(c["title"][0]), cstr(c["why"][0]), ck, len(checks), fw,
                len(c["fix-windows"]), fo, len(c["fix-other"]), cstr(c["ref"][0])))
        self.out.append("const struct tlsd_explain_cause tlsd_explain_causes[] = {")
        self.out.extend("    %s," % r for r in rows)
        self.out.append("};")
        self.out.append("const size_t tlsd_explain_causes_count = %d;" % len(rows))
        self.out.append("")
        self.path = path

    def cause_refs(self, path, lineno, value):
        ids = split_list(value)
        if not ids:
            raise DataError("%s:%d: an entry needs at least one cause" % (path, lineno))
        for cid in ids:
            if cid not in self.cause_index:
                raise DataError("%s:%d: unknown cause %r (see causes.rec)" % (path, lineno, cid))
            self.used.add(cid)
        return ids

    def add(self, path, lineno, **e):
        if e["key"] in self.keys:
            raise DataError("%s:%d: duplicate entry %s" % (path, lineno, e["key"]))
        self.keys[e["key"]] = (path, lineno)
        e.setdefault("patterns", [])
        e.setdefault("related", [])
        e.setdefault("level", None)
        e.setdefault("alert", False)
        e["where"] = (path, lineno)
        self.entries.append(e)

    def alerts(self):
        reg = {}
        rpath = os.path.join(self.dir, "alerts.tsv")
        for lineno, f in read_tsv(rpath, [(c, "str") for c in
                                          ("code", "name", "level_rule", "reference", "description")]):
            reg[int(f[0])] = (f[1], f[3], f[4])
        path = os.path.join(self.dir, "explain", "alerts.tsv")
        seen = set()
        for lineno, f in read_tsv(path, [(c, "str") for c in ("code", "side", "windows_status", "causes")]):
            code = int(f[0])
            if code not in reg:
                raise DataError("%s:%d: alert %d is not in %s" % (path, lineno, code, rpath))
            seen.add(code)
            name, ref, desc = reg[code]
            phrase = normalise(name.replace("_RESERVED", ""))
            related = [] if f[2] == "-" else ["status:%s" % f[2]]
            self.add(path, lineno, kind="TLSD_EXPLAIN_ALERT", key="alert:%d" % code, name=name,
                     code=code, source="tls", side=f[1], meaning=desc,
                     patterns=["~" + phrase] if len(phrase) >= 4 else [],
                     causes=self.cause_refs(path, lineno, f[3]), related=related,
                     refs="%s; %s" % (ref.replace(", ", "; "), KIND_REF["alert"]))
        missing = sorted(set(reg) - seen)
        if missing:
            raise DataError("%s: no entry for registry alert(s) %s" % (path, missing))

    def events(self):
        path = os.path.join(self.dir, "explain", "events.tsv")
        cols = ("id", "level", "side", "alert", "meaning", "patterns", "causes")
        for lineno, f in read_tsv(path, [(c, "str") for c in cols]):
            if f[3] not in ("yes", "no"):
                raise DataError("%s:%d: alert must be yes or no" % (path, lineno))
            self.add(path, lineno, kind="TLSD_EXPLAIN_EVENT", key="event:%d" % int(f[0]),
                     name="Schannel %d" % int(f[0]), code=int(f[0]), source="schannel",
                     level=f[1], side=f[2], alert=f[3] == "yes", meaning=f[4],
                     patterns=patterns_of(path, lineno, f[5]),
                     causes=self.cause_refs(path, lineno, f[6]), refs=KIND_REF["event"])

    def status(self):
        path = os.path.join(self.dir, "explain", "status.tsv")
        for lineno, f in read_tsv(path, [(c, "str") for c in ("code", "name", "meaning", "causes")]):
            if not re.fullmatch(r"0x[0-9A-F]{8}", f[0]):
                raise DataError("%s:%d: code must be 0x followed by 8 upper-case hex digits" % (path, lineno))
            fam = "winsock" if f[1].startswith("WSA") else f[1].split("_")[0].lower()
            self.add(path, lineno, kind="TLSD_EXPLAIN_STATUS", key="status:%s" % f[0], name=f[1],
                     code=int(f[0], 16), source=fam, side="the machine that reports it",
                     meaning=f[2], causes=self.cause_refs(path, lineno, f[3]), refs=KIND_REF["status"])

    def messages(self):
        path = os.path.join(self.dir, "explain", "messages.tsv")
        cols = ("id", "source", "patterns", "meaning", "causes", "related")
        for lineno, f in read_tsv(path, [(c, "str") for c in cols]):
            if f[1] not in SOURCES_REF or not f[0].startswith(f[1] + "."):
                raise DataError("%s:%d: id must start with a known source (%s)" % (path, lineno, sorted(SOURCES_REF)))
            pats = patterns_of(path, lineno, f[2])
            if not pats:
                raise DataError("%s:%d: a message needs a pattern" % (path, lineno))
            self.add(path, lineno, kind="TLSD_EXPLAIN_MESSAGE", key="message:%s" % f[0], name=f[0],
                     code=0, source=f[1], side="the program that printed it", meaning=f[3],
                     patterns=pats, causes=self.cause_refs(path, lineno, f[4]),
                     related=split_list(f[5]), refs=SOURCES_REF[f[1]])

    def finish(self):
        # status entries learn which received alerts Windows turns into them
        by_key = {e["key"]: e for e in self.entries}
        for e in self.entries:
            for r in e["related"]:
                if r not in by_key:
                    path, lineno = e["where"]
                    raise DataError("%s:%d: related entry %s does not exist" % (path, lineno, r))
            if e["kind"] == "TLSD_EXPLAIN_ALERT":
                for r in e["related"]:
                    by_key[r]["related"].append(e["key"])
        unused = sorted(set(self.cause_index) - self.used)
        if unused:
            raise DataError("%s: causes never referenced: %s" % (self.path, unused))
        rows = []
        for i, e in enumerate(self.entries):
            pats = c_array(self.out, "char *const", "pat_%d" % i, [cstr(p) for p in e["patterns"]])
            cs = c_array(self.out, "struct tlsd_explain_cause *const", "cause_%d" % i,
                         ["&tlsd_explain_causes[%d]" % self.cause_index[c] for c in e["causes"]])
            rel = c_array(self.out, "char *const", "rel_%d" % i, [cstr(r) for r in e["related"]])
            rows.append("{%s, %s, %s, %uu, %s, %s, %s, %s, %s, %s, %d, %s, %d, %s, %d, %s}" % (
                e["kind"], cstr(e["key"]), cstr(e["name"]), e["code"], cstr(e["source"]),
                cstr(e["level"]) if e["level"] else "NULL", cstr(e["side"]), cstr(e["meaning"]),
                "true" if e["alert"] else "false", pats, len(e["patterns"]), cs, len(e["causes"]),
                rel, len(e["related"]), cstr(e["refs"])))
        self.out.append("const struct tlsd_explain_entry tlsd_explain_entries[] = {")
        self.out.extend("    %s," % r for r in rows)
        self.out.append("};")
        self.out.append("const size_t tlsd_explain_entries_count = %d;" % len(rows))


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    g = Gen(sys.argv[1])
    try:
        g.causes()
        g.alerts()
        g.events()
        g.status()
        g.messages()
        g.finish()
    except (DataError, OSError, ValueError, KeyError) as e:
        sys.stderr.write("gen_explain: %s\n" % e)
        return 1
    tmp = sys.argv[2] + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(g.out) + "\n")
    os.replace(tmp, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
