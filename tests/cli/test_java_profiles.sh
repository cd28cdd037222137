#!/usr/bin/env bash
# The Java profiles against real Java ClientHellos: testssl.sh's client-simulation.txt holds
# the hellos of OpenJDK 11.0.2 and 17.0.3. java-17 must offer the same suites in the same
# order (the 17.0.3 hello lacks only the DHE_DSS suites, listed below); java-11 (11.0.16 and
# later) must offer the suites 11.0.2 offered once its static ECDH ones are gone
# (JDK-8279164), in the forward-secret-first order of the 11u backport (JDK-8266562), which
# is not 11.0.2's.
. "$(dirname "$0")/lib.sh"
SIM=/etc/testssl/client-simulation.txt
[ -r "$SIM" ] || { echo "skip: $SIM not found (Debian package testssl.sh)"; exit 77; }

python3 - "$TLSDIAG" "$SIM" <<'PY' || bad "the Java profiles differ from the real hellos (above)"
import json, re, subprocess, sys
tlsdiag, sim = sys.argv[1], sys.argv[2]
hellos = {}
for block in open(sim).read().split('names+=("')[1:]:
    m = re.search(r'handshakebytes\+=\("([0-9a-f]+)"\)', block)
    if m:
        hellos[block.split('")')[0]] = bytes.fromhex(m.group(1))

def hello_suites(h):
    # record header 5, handshake header 4, legacy_version 2, random 32, session id
    p = 5 + 4 + 2 + 32
    p += 1 + h[p]
    n = h[p] << 8 | h[p + 1]
    return [h[p + 2 + i] << 8 | h[p + 3 + i] for i in range(0, n, 2)]

def info(codes):
    r = subprocess.run([tlsdiag, "ciphers", "--json"] + ["0x%04X" % c for c in codes],
                       capture_output=True, text=True, check=True)
    return {s["value"]: s for s in json.loads(r.stdout)["suites"]}

def profile_suites(name):
    d = json.loads(subprocess.run([tlsdiag, "profiles", "--json", name], capture_output=True,
                                  text=True, check=True).stdout)
    r = subprocess.run([tlsdiag, "ciphers", "-o", "hex"] + d["suites"], capture_output=True,
                       text=True, check=True)
    return [int(x, 16) for x in r.stdout.split()]

fails = 0
def check(what, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + what + (": " + detail if detail and not ok else ""))
    fails += not ok

names = lambda cs: [info(cs)[c]["iana"] for c in cs]
# java-17 against 17.0.3
prof, real = profile_suites("java-17"), hello_suites(hellos["Java 17.0.3 (OpenJDK)"])
extra = [c for c in prof if c not in real]
check("java-17 offers every suite Java 17.0.3 offers", all(c in prof for c in real),
      str(names([c for c in real if c not in prof])))
check("java-17: in the same order", [c for c in prof if c in real] == real)
check("java-17: beyond 17.0.3's hello only the DHE_DSS suites",
      extra and all(info(extra)[c]["kx"] == "DHE" and info(extra)[c]["auth"] == "DSS"
                    for c in extra), str(names(extra)))
# java-11 against 11.0.2
prof, real = profile_suites("java-11"), hello_suites(hellos["Java 11.0.2 (OpenJDK)"])
meta = info(real)
kept = [c for c in real if meta[c]["kx"] != "ECDH"]
check("Java 11.0.2 offered static ECDH suites (disabled since)", len(kept) < len(real))
check("java-11 offers the suites of 11.0.2 without static ECDH (and the SCSV)",
      sorted(kept) == sorted(c for c in prof if c != 0x00FF),
      f"profile {names(prof)}, 11.0.2 {names(kept)}")
check("java-11 is not in 11.0.2's order (JDK-8266562 reordered 11u)", [c for c in prof if c != 0x00FF] != kept)
check("java-11 puts TLS_DHE_RSA before TLS_RSA, as JDK-8266562 describes",
      prof.index(0x009F) < prof.index(0x009D))
sys.exit(1 if fails else 0)
PY
[ "$FAILS" -eq 0 ] && ok
echo "$PASSES passed, $FAILS failed"
[ "$FAILS" -eq 0 ]
