#!/usr/bin/env python3
"""Build data/profiles/windows.profiles from the Windows reference tables.

Sources (both from Microsoft's Schannel documentation, see their headers):
  ../shared/reference/windows_default_suites.tsv    default cipher suite order per version
  ../shared/reference/windows_default_protocols.tsv default protocol state per version

Rules (also checked by tests/unit/test_profile_windows.c):
  * suites   = rows with enabled_by_default=yes, in 'order', minus rows marked
               only_if_app_explicitly_requests=yes (NULL ciphers: Schannel uses them only
               when the application asks) and PSK rows (Microsoft: no PSK suite is
               enabled by default).  Curve-suffixed names (_P256/_P384) keep their
               Windows spelling; they resolve to the base suite.
  * versions = the "Server" columns marked Enabled (SSL 3.0 .. TLS 1.3).
  * groups   = Windows 10+: curve25519, NistP256, NistP384 (default ECC curve order);
               earlier: the curves named by suffixes, in order of first appearance.
  * windows-2022-23h2: the Server 2022 list minus the three suites the Server 2022
    page says 23H2 and later no longer enable.

Usage: build_windows_profiles.py REFERENCE_DIR OUTPUT
"""
import csv
import sys

# suites-table version -> (profile name, aliases, protocols-table row, Windows 10+)
VERSIONS = [
    ("Windows Vista / Windows Server 2008", "windows-vista", "windows-2008",
     "Windows Vista/Windows Server 2008", False),
    ("Windows 7 / Windows Server 2008 R2", "windows-7", "windows-2008r2",
     "Windows 7/Windows Server 2008 R2", False),
    ("Windows 8 / Windows Server 2012", "windows-8", "windows-2012",
     "Windows 8/Windows Server 2012", False),
    ("Windows 8.1 / Windows Server 2012 R2", "windows-8.1", "windows-2012r2",
     "Windows 8.1/Windows Server 2012 R2", False),
    ("Windows 10 v1507", "windows-10-1507", "", "Windows 10, version 1507", True),
    ("Windows 10 v1511", "windows-10-1511", "", "Windows 10, version 1511", True),
    ("Windows 10 v1607 / Windows Server 2016", "windows-10-1607", "windows-2016",
     "Windows 10, version 1607/Windows Server 2016 Standard", True),
    ("Windows 10 v1703", "windows-10-1703", "", "Windows 10, version 1703", True),
    ("Windows 10 v1709", "windows-10-1709", "", "Windows 10, version 1709", True),
    ("Windows 10 v1803", "windows-10-1803", "", "Windows 10, version 1803", True),
    ("Windows 10 v1809 / Windows Server 2019", "windows-10-1809", "windows-2019",
     "Windows 10, version 1809/Windows Server 2019", True),
    ("Windows 10 v1903", "windows-10-1903", "windows-10-1909",
     "Windows 10, version 1903", True),
    ("Windows 10 v20H2/v21H1/v21H2", "windows-10-20h2", "windows-10-21h1,windows-10-21h2",
     "Windows 10, version 20H2", True),
    ("Windows 10 v22H2", "windows-10-22h2", "windows-10", "Windows 10, version 22H2", True),
    ("Windows 11 (21H2)", "windows-11-21h2", "", "Windows 11, version 21H2", True),
    ("Windows 11 v22H2 and later", "windows-11", "windows-11-22h2,windows-11-23h2,windows-11-24h2",
     "Windows 11, version 22H2", True),
    ("Windows Server 2022", "windows-2022", "", "Windows Server 2022", True),
    ("Windows Server 2025 and later", "windows-2025", "", "Windows Server 2025", True),
]
# Server 2022 page: not enabled by default on 23H2 and later.
DROPPED_23H2 = ["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
                "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"]
PROTO_COLS = [("SSL3", "SSLv3"), ("TLS 1.0", "TLSv1.0"), ("TLS 1.1", "TLSv1.1"),
              ("TLS 1.2", "TLSv1.2"), ("TLS 1.3", "TLSv1.3")]
CURVES = {"P256": "secp256r1", "P384": "secp384r1", "P521": "secp521r1"}


def rows(path):
    with open(path, newline="") as f:
        lines = [l for l in f if not l.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def default_suites(suites, version):
    out = []
    for r in suites:
        if r["windows_version"] != version or r["enabled_by_default"] != "yes":
            continue
        if r["only_if_app_explicitly_requests"] == "yes" or "_PSK_" in r["iana_name"]:
            continue
        out.append((int(r["order"]), r["iana_name"]))
    return [n for _, n in sorted(out)]


def server_versions(protocols, row_name):
    row = [r for r in protocols if r["windows_version"] == row_name]
    if len(row) != 1:
        raise SystemExit("protocols table: no single row %r" % row_name)
    return [v for col, v in PROTO_COLS if row[0][col + " Server"].startswith("Enabled")]


def groups_of(names, win10):
    if win10:
        return ["x25519", "secp256r1", "secp384r1"]
    seen = []
    for n in names:
        suffix = n.rsplit("_", 1)[-1]
        if suffix in CURVES and CURVES[suffix] not in seen:
            seen.append(CURVES[suffix])
    return seen or ["secp256r1", "secp384r1"]


def emit(out, name, aliases, desc, versions, suites, groups):
    out.write("[%s]\n" % name)
    out.write("name = %s\n" % name)
    if aliases:
        out.write("aliases = %s\n" % aliases)
    out.write("description = %s defaults\n" % desc)
    out.write("source = windows_default_suites.tsv + windows_default_protocols.tsv "
              "(Microsoft Schannel docs)\n")
    out.write("side = any\nimplementation = schannel\npreference = server\n")
    out.write("versions = %s\n" % ", ".join(versions))
    out.write("groups = %s\n" % ", ".join(groups))
    out.write("certificates = rsa 2048\n")
    out.write("suites = %s\n\n" % ", ".join(suites))


def main():
    ref, output = sys.argv[1], sys.argv[2]
    suites = rows(ref + "/windows_default_suites.tsv")
    protocols = rows(ref + "/windows_default_protocols.tsv")
    with open(output, "w") as out:
        out.write("# Windows (Schannel) default profiles. GENERATED by "
                  "data/tools/build_windows_profiles.py\n# from ../shared/reference/"
                  "windows_default_suites.tsv and windows_default_protocols.tsv;\n"
                  "# rules in that script. Do not edit by hand.\n\n")
        for version, name, aliases, proto_row, win10 in VERSIONS:
            names = default_suites(suites, version)
            if not names:
                raise SystemExit("suites table: nothing for %r" % version)
            emit(out, name, aliases, version, server_versions(protocols, proto_row), names,
                 groups_of(names, win10))
            if name == "windows-2022":
                emit(out, "windows-2022-23h2", "", version + " 23H2 and later",
                     server_versions(protocols, proto_row),
                     [n for n in names if n not in DROPPED_23H2], groups_of(names, win10))


if __name__ == "__main__":
    main()
