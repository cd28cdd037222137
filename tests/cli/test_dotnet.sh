#!/usr/bin/env bash
# The .NET client profiles and their fixes.
# 1. Every .NET profile against the Windows server profiles (and two hardened servers):
#    tlsdiag match must give the version of tests/golden/dotnet/matrix.tsv, which
#    expected_from_docs.py wrote from Microsoft's documents alone (quoted there), and
#    each profile must offer the versions the table says.
# 2. A match test per .NET fix kind: registry values (both keys, both registry views,
#    v4.0.30319 / v2.0.50727), AppContext switches, retarget, ranked registry first, and
#    the restart; the Windows 7 cases (SystemDefault = TLS 1.0 there: SchUseStrongCrypto
#    alone, or the SCHANNEL TLS 1.2 Client key for 4.7+).
# 3. explain's .NET causes name profiles that exist.
. "$(dirname "$0")/lib.sh"
G="$TLSD_SRCDIR/tests/golden/dotnet"

# 0. data/profiles/dotnet.profiles is what its builder writes (no hand edits)
python3 "$TLSD_SRCDIR/data/tools/build_dotnet_profiles.py" "$WORK/dotnet.profiles" &&
  cmp -s "$WORK/dotnet.profiles" "$TLSD_SRCDIR/data/profiles/dotnet.profiles" && ok ||
  bad "data/profiles/dotnet.profiles differs from data/tools/build_dotnet_profiles.py's output"
# ... and the expected table is what expected_from_docs.py writes from the protocols table
if [ -r "$TLSD_SRCDIR/../shared/reference/windows_default_protocols.tsv" ]; then
  python3 "$G/expected_from_docs.py" "$TLSD_SRCDIR/../shared/reference/windows_default_protocols.tsv" \
    >"$WORK/matrix.tsv" && cmp -s "$WORK/matrix.tsv" "$G/matrix.tsv" && ok ||
    bad "tests/golden/dotnet/matrix.tsv differs from expected_from_docs.py's output"
fi

# 1. the matrix
clients=$(awk -F'\t' '!/^#/{print $1}' "$G/matrix.tsv" | sort -u)
[ "$(wc -l <<<"$clients")" -eq 45 ] && ok || bad "expected 45 .NET clients in matrix.tsv"
args=()
for c in $clients; do args+=(--client "$c"); done
run match "${args[@]}" --server windows-7 --server windows-2012r2 --server windows-2016 \
  --server windows-2019 --server windows-2022 --server windows-2025 \
  --server "$G/hardened-2019.profile" --server "$G/hardened-2022.profile" --json --fixes 0
[ "$RC" -le 1 ] && ok || bad "match matrix exit $RC: ${ERR:0:300}"
for c in $clients; do
  "$TLSDIAG" profiles --json "$c" >"$WORK/p.$c" 2>&1 || bad "profiles $c failed"
done
python3 - "$WORK/out" "$G/matrix.tsv" "$WORK" <<'PY' >"$WORK/report"
import json, sys
res = json.load(open(sys.argv[1]))["results"]
got = {(r["client"], r["server"]): r["outcome"] for r in res}
bad = n = 0
offered_seen = {}
for line in open(sys.argv[2]):
    if line.startswith("#"):
        continue
    client, server, offered, want = line.rstrip("\n").split("\t")
    n += 1
    o = got.get((client, server))
    have = "missing" if o is None else o["version"] if o["ok"] else "fail"
    if have != want:
        print(f"DISAGREE {client} vs {server}: tlsdiag {have}, documents {want}"); bad += 1
    if client not in offered_seen:
        offered_seen[client] = True
        p = json.load(open(f"{sys.argv[3]}/p.{client}"))
        p = p[0] if isinstance(p, list) else p
        vs = ",".join(p.get("versions", []))
        if vs != offered:
            print(f"DISAGREE {client} offers {vs}, documents {offered}"); bad += 1
print(f"{n} pairs, {bad} disagreements")
PY
cat "$WORK/report" | tail -20
grep -q '^360 pairs, 0 disagreements' "$WORK/report" && ok || bad "the .NET matrix disagrees with the documents"

# 2. fixes, one test per kind
H22="$G/hardened-2022.profile"
run match --client dotnet-4.5-win2019 --server "$H22" --fixes 3
fixes=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")
expect_grep '^  1\. set SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 \(\.NET registry\)' "$fixes" "registry fix first"
for v in SchUseStrongCrypto SystemDefaultTlsVersions; do
  for view in 'SOFTWARE\\Microsoft' 'SOFTWARE\\Wow6432Node\\Microsoft'; do
    expect_grep "reg add \"HKLM\\\\$view\\\\\.NETFramework\\\\v4\.0\.30319\" /v $v /t REG_DWORD /d 1 /f" "$fixes" "reg add $v in $view"
  done
done
expect_grep '^  2\. set Switch\.System\.Net\.DontEnableSchUseStrongCrypto=false and Switch\.System\.Net\.DontEnableSystemDefaultTlsVersions=false \(AppContext' "$fixes" "AppContext second"
expect_grep '<AppContextSwitchOverrides value="Switch\.System\.Net\.DontEnableSchUseStrongCrypto=false;Switch\.System\.Net\.DontEnableSystemDefaultTlsVersions=false" />' "$fixes" "AppContext XML"
expect_grep '^  3\. retarget the application to \.NET Framework 4\.8' "$fixes" "retarget third"
expect_grep '<TargetFrameworkVersion>v4\.8</TargetFrameworkVersion>' "$fixes" "retarget step"
expect_grep 'note: restart the application: its service \(Restart-Service NAME\), IIS application pool \(Restart-WebAppPool NAME\)' "$fixes" "restart note"
expect_grep '-> TLSv1\.2 ' "$(grep '^  1\.' <<<"$fixes")" "registry fix gives TLS 1.2"

# .NET 3.5: the v2.0.50727 folder, no AppContext (CLR 2.0 has none)
run match --client dotnet-3.5-win2016 --server "$H22" --fixes 3
fixes=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")
expect_grep 'reg add "HKLM\\SOFTWARE\\Wow6432Node\\Microsoft\\\.NETFramework\\v2\.0\.50727" /v SystemDefaultTlsVersions' "$fixes" "3.5 uses v2.0.50727 (32-bit view)"
expect_grep 'reg add "HKLM\\SOFTWARE\\Microsoft\\\.NETFramework\\v2\.0\.50727" /v SchUseStrongCrypto' "$fixes" "3.5 uses v2.0.50727 (64-bit view)"
expect_grep 'KB3154518' "$fixes" "3.5 names its update"
if grep -q 'AppContext' <<<"$fixes"; then bad "3.5 must not get AppContext switches"; else ok; fi
expect_grep '^  2\. retarget' "$fixes" "3.5: retarget second"

# .NET 3.5 on Windows 7 needs two changes: the .NET values and the Schannel TLS 1.2 Client
# key; both restarts are named (the computer's for Schannel, the application's for .NET)
run match --client dotnet-3.5-win7 --server "$G/hardened-2019.profile" --fixes 1
fixes=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")
expect_grep '^  1\. enable TLSv1\.2 \+ set SchUseStrongCrypto=1 and SystemDefaultTlsVersions=1 \(\.NET registry\)' "$fixes" "3.5 on 7: two changes"
expect_grep 'note: restart the computer for Schannel' "$fixes" "3.5 on 7: computer restart"
expect_grep 'note: restart the application' "$fixes" "3.5 on 7: application restart"

# Windows 7: SystemDefault gives TLS 1.0 there, so only SchUseStrongCrypto helps a 4.5 app ...
run match --client dotnet-4.5-win7 --server "$H22" --fixes 3
fixes=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")
expect_grep '^  1\. set SchUseStrongCrypto=1 \(\.NET registry\); the application offers TLSv1\.0 TLSv1\.1 TLSv1\.2' "$fixes" "win7 4.5: SchUseStrongCrypto alone"
if grep -q 'SystemDefaultTlsVersions=1' <<<"$fixes"; then bad "win7: SystemDefaultTlsVersions alone cannot help"; else ok; fi
# ... and a 4.7+ app needs the Schannel TLS 1.2 Client key
run match --client dotnet-4.8-win7 --server "$H22" --fixes 3
fixes=$(sed -n '/^Fixes on the client/,$p' <<<"$OUT")
expect_grep '^  1\. enable TLSv1\.2 ' "$fixes" "win7 4.8: TLS 1.2 client key"
expect_grep 'Protocols\\TLS 1\.2\\Client" /v DisabledByDefault /t REG_DWORD /d 0 /f' "$fixes" "win7 4.8: DisabledByDefault=0"
if grep -q '\.NET registry\|retarget' <<<"$fixes"; then bad "4.8: no .NET change can help"; else ok; fi

# JSON: the profile after the registry fix offers TLS 1.2 and reads back
run match --client dotnet-4.5-win2019 --server "$H22" --json
python3 - "$WORK/out" >"$WORK/after.profile" <<'PY' || bad "no profile_after in the JSON"
import json, sys
fixes = json.load(open(sys.argv[1]))["client_fixes"]["fixes"]
assert [f.get("dotnet_fix") for f in fixes] == ["registry", "appcontext", "retarget"], fixes
print(fixes[0]["profile_after"])
PY
run profiles --json "$WORK/after.profile"
expect_grep '"TLSv1\.2"' "$OUT" "profile after the fix offers TLS 1.2"
expect_grep 'SchUseStrongCrypto' "$(cat "$WORK/after.profile")" "profile after names the registry values"

# profile errors
printf 'name = x\nside = client\ndotnet = 4.5\n' >"$WORK/nowin.profile"
run profiles "$WORK/nowin.profile"
expect_grep 'needs the Windows it runs on' "$ERR" ".NET profile without Windows refused"
printf 'name = x\nside = client\nbase = windows-2019\ndotnet = 4.9\n' >"$WORK/badver.profile"
run profiles "$WORK/badver.profile"
expect_grep "unknown .NET version '4.9'" "$ERR" "unknown framework refused"
printf 'name = x\nversions = TLSv1.2\nbase = windows-2019\n' >"$WORK/late.profile"
run profiles "$WORK/late.profile"
expect_grep 'base must come before' "$ERR" "late base refused"

# 3. explain's .NET checks name built-in profiles
run explain 'The request was aborted: Could not create SSL/TLS secure channel.'
names=$(grep -oE 'dotnet-[a-z0-9.]+(-[a-z0-9.]+)*' <<<"$OUT" | grep -E -- '-win' | sort -u)
[ -n "$names" ] && ok || bad "explain names no .NET profile"
for n in $names; do
  "$TLSDIAG" profiles "$n" >/dev/null 2>&1 && ok || bad "explain names $n, which is no profile"
done
expect_grep 'tlsdiag match --client dotnet-4\.5-win2016 --server HOST:PORT' "$OUT" "explain points to match with a .NET profile"
finish
