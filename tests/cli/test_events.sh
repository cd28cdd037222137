#!/usr/bin/env bash
# tlsdiag events: the .evtx reader against libevtx's evtxexport on the public logs in
# ../shared/evtx (same records: number, written time, event ID, source; an error where
# evtxexport fails); Schannel events in Event XML, Export-Csv and ConvertTo-Json forms
# written from the provider's event schema and the message texts of
# ../shared/reference/schannel_events.tsv; damaged .evtx and XML: one clear error per
# file, the other files still read, never a crash.
source "$(dirname "$0")/lib.sh"
EVTX=${TLSD_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}/evtx

# ---- the .evtx reader against evtxexport ------------------------------------------------
if command -v evtxexport >/dev/null; then
  for f in system.evtx CAPI2-Operational.evtx Application_no_crc32.evtx \
           sample_with_a_bad_chunk_magic.evtx issue_201.evtx; do
    evtxexport "$EVTX/$f" >"$WORK/ref.txt" 2>/dev/null
    ref_rc=$?
    run events --all --json "$EVTX/$f"
    printf '%s\n' "$OUT" >"$WORK/ours.json"
    if [ "$ref_rc" -ne 0 ]; then expect_rc 1 "$f: evtxexport failed, so must we"; else expect_rc 0 "$f"; fi
    if msg=$(python3 - "$WORK/ref.txt" "$WORK/ours.json" <<'PY'
import json, re, sys, datetime
recs, cur = [], None
for line in open(sys.argv[1], errors="replace"):
    m = re.match(r"^(Event number|Written time|Event identifier|Source name)\s*:\s*(.*)$", line.rstrip("\n"))
    if not m:
        continue
    k, v = m.groups()
    if k == "Event number":
        cur = {"n": int(v)}
        recs.append(cur)
    elif k == "Written time":
        d, frac = re.match(r"(\w+ \d+, \d+ \d+:\d+:\d+)\.(\d+) UTC", v).groups()
        t = datetime.datetime.strptime(d, "%b %d, %Y %H:%M:%S")
        cur["t"] = t.strftime("%Y-%m-%dT%H:%M:%S") + "." + frac[:7] + "Z"
    elif k == "Event identifier":
        cur["id"] = int(re.search(r"\((\d+)\)", v).group(1))
    elif k == "Source name":
        cur["src"] = v
ours = json.load(open(sys.argv[2]))["events"]
if len(ours) != len(recs):
    print("%d records, evtxexport %d" % (len(ours), len(recs)))
    sys.exit(1)
for r, o in zip(recs, ours):
    got = (o["record_id"], o["time"], o["id"], o["source"])
    want = (r["n"], r["t"], r["id"], r.get("src", o["source"]))
    if got != want:
        print("record %d: %s, evtxexport %s" % (r["n"], got, want))
        sys.exit(1)
print(len(recs))
PY
    ); then ok; echo "$f: $msg records as evtxexport"; else bad "$f: $msg"; fi
  done
  # the Schannel-only view of a log without Schannel events: none, said so
  run events "$EVTX/system.evtx"
  expect_rc 0 "system.evtx, Schannel only"
  expect_grep 'system.evtx: evtx, 1881 records, 0 Schannel events' "$OUT" "record count"
else
  bad "evtxexport (libevtx-utils) is missing: scripts/setup installs it"
fi

# ---- Schannel events in the exported text forms -------------------------------------------
# Event XML as 'wevtutil qe System /q:"*[System[Provider[@Name='Schannel']]]" /f:xml' writes it
# (one <Event> per line, no root), with the data names of the provider manifest.
ev() { # ID LEVEL RECORD TIME DATA...
  local id=$1 level=$2 rec=$3 t=$4; shift 4
  printf '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Schannel" Guid="{1F678132-5938-4686-9FDC-C8FF68F15C85}"/><EventID>%s</EventID><Version>0</Version><Level>%s</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords><TimeCreated SystemTime="%s"/><EventRecordID>%s</EventRecordID><Correlation ActivityID="{00000000-0000-0000-0000-000000000000}"/><Execution ProcessID="784" ThreadID="1220"/><Channel>System</Channel><Computer>WEB01.corp.example</Computer><Security UserID="S-1-5-18"/></System><EventData>' "$id" "$level" "$t" "$rec"
  for d in "$@"; do printf '<Data Name="%s">%s</Data>' "${d%%=*}" "${d#*=}"; done
  printf '</EventData></Event>\n'
}
{
  ev 36888 2 101 2024-05-01T10:00:01.1234567Z AlertDesc=40 ErrorState=1205
  ev 36874 2 102 2024-05-01T10:00:01.1300000Z 'Protocol=TLS 1.2'
  ev 36887 2 103 2024-05-01T10:05:00.5000000Z AlertDesc=48
  ev 36880 4 104 2024-05-01T10:06:00.0000000Z Type=server 'Protocol=TLS 1.2' CipherSuite=0xC030 'ExchangeStrength=384' ContextHandle=0x1 'TargetName=printer&amp;co' LocalCertSubjectName=CN=web01 RemoteCertSubjectName=
  ev 36888 2 105 2024-05-01T11:00:00.0000000Z AlertDesc=40 ErrorState=1205
  printf '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Service Control Manager"/><EventID Qualifiers="16384">7036</EventID><Level>4</Level><TimeCreated SystemTime="2024-05-01T10:00:02.0000000Z"/><EventRecordID>106</EventRecordID><Computer>WEB01</Computer></System><EventData><Data Name="param1">Print Spooler</Data></EventData></Event>\n'
} >"$WORK/schannel.xml"
check_json() { # FILE PYTHON-EXPRESSIONS (each must be true; j = the JSON)
  local f=$1; shift
  python3 - "$f" "$@" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
bad = [e for e in sys.argv[2:] if not eval(e)]
for e in bad:
    print("false: " + e)
sys.exit(1 if bad else 0)
PY
}
expect_events() { # NAME FILE CHECKS...
  local name=$1 file=$2; shift 2
  run events --json "$file"
  expect_rc 0 "$name: exit"
  printf '%s\n' "$OUT" >"$WORK/e.json"
  if msg=$(check_json "$WORK/e.json" "$@"); then ok; else bad "$name: $msg"; fi
}
expect_events "Event XML" "$WORK/schannel.xml" \
  'j["files"][0]["format"] == "xml" and j["files"][0]["records"] == 6 and len(j["events"]) == 5' \
  'j["events"][0]["alert"] == {"code": 40, "name": "handshake_failure"}' \
  'j["events"][0]["data"]["ErrorState"] == "1205" and j["events"][0]["check"] == "tlsdiag explain 36888 40"' \
  'j["events"][0]["time"] == "2024-05-01T10:00:01.1234567Z" and j["events"][0]["record_id"] == 101' \
  'j["events"][1]["data"]["Protocol"] == "TLS 1.2" and j["events"][1]["causes"][0] == "no-common-cipher"' \
  'j["events"][0]["causes"][0] == "no-common-cipher" and j["events"][2]["causes"][0] == "untrusted-ca"' \
  'j["events"][2]["alert"]["name"] == "unknown_ca"' \
  'j["events"][3]["data"]["CipherSuite"] == "0xC030" and j["events"][3]["data"]["TargetName"] == "printer&co"' \
  '[g["count"] for g in j["summary"]["by_event"]] == [2, 1, 1, 1]' \
  'j["summary"]["by_event"][0]["first"] == "2024-05-01T10:00:01.1234567Z" and j["summary"]["by_event"][0]["last"] == "2024-05-01T11:00:00.0000000Z"' \
  '[(g["alert"], g["count"]) for g in j["summary"]["by_alert"]] == [(40, 2), (48, 1)]'
run events "$WORK/schannel.xml"
expect_grep 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384' "$OUT" "text: the 36880 suite by name"
expect_grep 'AlertDesc +40 handshake_failure' "$OUT" "text: the alert by name"
expect_grep 'alert 40 handshake_failure +x2 +first 2024-05-01T10:00:01' "$OUT" "text: summary by alert"
expect_grep 'check: tlsdiag explain 36888 40' "$OUT" "text: the check command"
expect_grep 'cause 1: No cipher suite that both sides accept' "$OUT" "text: the alert's first cause"
# the same log written by Windows PowerShell as UTF-16LE (Out-File's default)
{ printf '\xff\xfe'; iconv -f utf-8 -t utf-16le <"$WORK/schannel.xml"; } >"$WORK/schannel16.xml"
expect_events "Event XML in UTF-16LE" "$WORK/schannel16.xml" 'len(j["events"]) == 5'

# Get-WinEvent -FilterHashtable @{LogName='System'; ProviderName='Schannel'} | Export-Csv:
# the data only in Message (Properties is a type name), times in the en-US culture.
cat >"$WORK/schannel.csv" <<'CSV'
#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord
"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId","ProviderName","ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId","TimeCreated","ActivityId","RelatedActivityId","ContainerLog","MatchedQueryIds","Bookmark","LevelDisplayName","OpcodeDisplayName","TaskDisplayName","KeywordsDisplayNames","Properties"
"A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is 40. The Windows SChannel error state is 1205.","36888","0",,"2","0","0","-9223372036854775808","201","Schannel","1f678132-5938-4686-9fdc-c8ff68f15c85","System","784","1220","WEB01","S-1-5-18","5/1/2024 10:00:01 AM",,,"System","System.UInt32[]","System.Diagnostics.Eventing.Reader.EventBookmark","Error","Info",,"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]","System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]"
"An TLS 1.0 connection request was received from a remote client application, but none of the cipher suites supported by the client application are supported by the server. The TLS connection request has failed.","36874","0",,"2","0","0","-9223372036854775808","202","Schannel","1f678132-5938-4686-9fdc-c8ff68f15c85","System","784","1220","WEB01","S-1-5-18","5/1/2024 10:00:02 AM",,,"System","System.UInt32[]","System.Diagnostics.Eventing.Reader.EventBookmark","Error","Info",,"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]","System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]"
"A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is 46.","36887","0",,"2","0","0","-9223372036854775808","203","Schannel","1f678132-5938-4686-9fdc-c8ff68f15c85","System","784","1220","WEB01","S-1-5-18","5/1/2024 1:30:00 PM",,,"System","System.UInt32[]","System.Diagnostics.Eventing.Reader.EventBookmark","Error","Info",,"System.Collections.ObjectModel.ReadOnlyCollection`1[System.String]","System.Collections.Generic.List`1[System.Diagnostics.Eventing.Reader.EventProperty]"
CSV
sed -i 's/$/\r/' "$WORK/schannel.csv"
expect_events "Export-Csv" "$WORK/schannel.csv" \
  'j["files"][0]["format"] == "csv" and len(j["events"]) == 3' \
  'j["events"][0]["alert"]["code"] == 40 and j["events"][0]["data"]["ErrorState"] == "1205"' \
  'j["events"][1]["data"]["Protocol"] == "TLS 1.0"' \
  'j["events"][2]["alert"]["name"] == "certificate_unknown" and j["events"][2]["record_id"] == 203'

# Get-WinEvent ... | ConvertTo-Json -Depth 3: Properties by position; and the default depth,
# where each property is a type name and only the Message has the data.
cat >"$WORK/schannel.json" <<'JSON'
[
  {"Id": 36888, "Version": 0, "Level": 2, "RecordId": 301, "ProviderName": "Schannel",
   "MachineName": "WEB01", "TimeCreated": "\/Date(1714557601123)\/", "LevelDisplayName": "Error",
   "Message": "A fatal alert was generated and sent to the remote endpoint. This may result in termination of the connection. The TLS protocol defined fatal error code is 70. The Windows SChannel error state is 105.",
   "Properties": [{"Value": 70}, {"Value": 105}]},
  {"Id": 36887, "Level": 2, "RecordId": 302, "ProviderName": "Schannel", "MachineName": "WEB01",
   "TimeCreated": "\/Date(1714557602000)\/",
   "Message": "A fatal alert was received from the remote endpoint. The TLS protocol defined fatal alert code is 42.",
   "Properties": ["System.Diagnostics.Eventing.Reader.EventProperty"]},
  {"Id": 7036, "Level": 4, "RecordId": 303, "ProviderName": "Service Control Manager",
   "TimeCreated": "\/Date(1714557603000)\/", "Message": "The Print Spooler service entered the running state."}
]
JSON
expect_events "ConvertTo-Json" "$WORK/schannel.json" \
  'j["files"][0]["format"] == "json" and j["files"][0]["records"] == 3 and len(j["events"]) == 2' \
  'j["events"][0]["alert"]["name"] == "protocol_version" and j["events"][0]["data"]["ErrorState"] == "105"' \
  'j["events"][0]["time"] == "2024-05-01T10:00:01.123Z"' \
  'j["events"][1]["alert"]["name"] == "bad_certificate"'

# ---- analyze --events: a failed connection next to the server's events -----------------------
# tls_cipher_error.pcap: one handshake at 2022-06-07T22:58:06.55Z that the server refused with
# handshake_failure (40). The server's log (clock one hour ahead) has 36874 and 36888/40 then,
# and an unrelated 36887 ten minutes later.
PCAP=${TLSD_SHARED:-$(cd "$(dirname "$0")/../../.." && pwd)/shared}/pcaps/FlowTest/tls_cipher_error.pcap
{
  ev 36874 2 401 2022-06-07T23:58:06.6000000Z 'Protocol=TLS 1.2'
  ev 36888 2 402 2022-06-07T23:58:06.6010000Z AlertDesc=40 ErrorState=1205
  ev 36887 2 403 2022-06-08T00:08:00.0000000Z AlertDesc=48
} >"$WORK/server.xml"
run analyze --events "$WORK/server.xml" --clock-offset 3600 "$PCAP"
expect_rc 0 "analyze --events"
expect_grep 'stream 0 +192\.168\.1\.29:44328 -> 192\.168\.1\.25:8443' "$OUT" "the failed connection listed"
expect_grep 'Schannel 36888 alert 40 handshake_failure \(error state 1205\)' "$OUT" "36888 paired"
expect_grep 'Schannel 36874 TLS 1\.2' "$OUT" "36874 paired"
if grep -qE '^    2022-06-08T00:08:00.* Schannel 36887' <<<"$OUT"; then bad "an event ten minutes away paired"; else ok; fi
expect_grep '1 of 1 failed connection paired with events; 3 Schannel events' "$OUT" "pairing summary"
expect_grep '^      check: tlsdiag explain 36888 40$' "$OUT" "the check command on a line of its own"
run analyze --events "$WORK/server.xml" "$PCAP"
expect_grep 'no Schannel event within the window' "$OUT" "without the clock offset: nothing paired"
run analyze --events "$WORK/server.xml" --clock-offset 1h "$PCAP"
expect_rc 2 "--clock-offset not a number"
run analyze --events "$WORK/cut.xml.missing" "$PCAP"
expect_rc 3 "--events file unreadable"

# ---- damaged input: one clear error per file, the other files still read ---------------
head -c 70000 "$EVTX/system.evtx" >"$WORK/cut.evtx"
{ printf 'ElfFile\0'; head -c 5000 /dev/zero | tr '\0' '\377'; } >"$WORK/garbage.evtx" # a damaged header
head -c 900 "$WORK/schannel.xml" >"$WORK/cut.xml"
printf '<html><body>not an event</body></html>\n' >"$WORK/other.xml"
printf '{"Id": "x"}\n' >"$WORK/bad.json"
printf 'a,b,c\n1,2,3\n' >"$WORK/bad.csv"
run events --json "$WORK/cut.evtx" "$WORK/garbage.evtx" "$WORK/cut.xml" "$WORK/other.xml" \
  "$WORK/bad.json" "$WORK/bad.csv" "$WORK/schannel.xml"
expect_rc 1 "damaged files: exit 1"
printf '%s\n' "$OUT" >"$WORK/d.json"
if msg=$(check_json "$WORK/d.json" \
  'all(f["error"] for f in j["files"][1:6]) and j["files"][6]["error"] is None' \
  'j["files"][6]["events"] == 5' \
  '"cut short" in j["files"][2]["error"] and "not Event XML" in j["files"][3]["error"]' \
  '"garbage.evtx (evtx)" in j["files"][1]["error"]'); then ok; else bad "damaged files: $msg"; fi
expect_grep 'cut.xml \(xml\): event 2: no </Event>' "$ERR" "cut XML: reason"
expect_grep 'bad.csv \(csv\): not an event log export' "$ERR" "CSV without the columns: reason"
# a cut .evtx: libevtx reads what it can; as evtxexport, the records before the damage
run events --all "$WORK/cut.evtx"
if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; then ok; else bad "cut.evtx: exit $RC"; fi
run events
expect_rc 2 "no file: usage"
run events "$WORK/nonexistent.evtx"
expect_rc 1 "missing file"
expect_grep 'nonexistent.evtx: cannot open' "$ERR" "missing file: reason"
finish
