#!/usr/bin/env python3
"""Predictions of `tlsdiag match --clients-from testssl --json` against the answers real
servers gave the same 162 hellos (hello_probe): outcome, version, suite (and
HelloRetryRequest), group, and for failures the alert and its side.

match_agree.py WORK: for each "NAME PORT" line of WORK/servers, WORK/NAME.pred (the
prediction) and WORK/NAME.real (hello_probe's lines); prints every disagreement, one line
of agreement per server, then "N predictions, M disagreements".
"""
import json, sys
work = sys.argv[1]
names = {"SSLv3": 0x300, "TLSv1.0": 0x301, "TLSv1.1": 0x302, "TLSv1.2": 0x303, "TLSv1.3": 0x304}
total = 0
off = {}  # (server, aspect) -> clients that disagree
table = []
for line in open(work + "/servers"):
    name, _ = line.split()
    try:
        pred = {r["client"]: r["outcome"] for r in json.load(open(f"{work}/{name}.pred"))["results"]}
    except Exception as e:
        print(f"DISAGREE {name}: no prediction ({e})")
        off[(name, "prediction")] = ["all"]
        continue
    real = {}
    for l in open(f"{work}/{name}.real"):
        parts = l.split()
        real[parts[0]] = parts[1:]
    agree = {"outcome": 0, "version": 0, "suite": 0, "group": 0, "alert": 0}
    k = {"ok": 0, "fail": 0, "hrr": 0}
    for client, o in pred.items():
        total += 1
        r = real.get(client, ["MISSING"])
        k["ok" if r[0] == "OK" else "fail"] += 1
        k["hrr"] += "HRR" in r
        alert = o.get("alert") or {}
        # A client that refuses the server's choice: the server did answer (the probe
        # sends no alert), with the version the prediction names.
        by_client = not o["ok"] and alert.get("sent_by") == "client"
        got = {}
        if r[0] == "OK":
            got = {"version": r[1], "suite": r[2], "hrr": "HRR" in r,
                   "group": next((x[2:] for x in r if x.startswith("G=")), "?")}
        checks = {"outcome": (o["ok"] or by_client) == (r[0] == "OK")}
        if o["ok"] and r[0] == "OK":
            checks["version"] = "0x%04X" % names.get(o.get("version"), 0) == got["version"]
            checks["suite"] = o["suite_code"] == got["suite"] and bool(o.get("hello_retry_request")) == got["hrr"]
            checks["group"] = o.get("group_code", "-") == got["group"]
        elif by_client and r[0] == "OK":
            checks["version"] = "0x%04X" % names.get(o.get("version"), 0) == got["version"]
            if "suite_code" in o:  # the server's choice the client then refuses
                checks["suite"] = o["suite_code"] == got["suite"]
        if not o["ok"] and not by_client and r[0] in ("ALERT", "CLOSED"):
            pa = "reset" if o.get("reset") else str(alert.get("code", "none"))
            checks["alert"] = pa == (r[1] if r[0] == "ALERT" else "reset")
        for aspect in agree:
            if checks.get(aspect, checks["outcome"]):
                agree[aspect] += 1
            else:
                off.setdefault((name, aspect), []).append(client)
                print(f"DISAGREE {name} {client} ({aspect}): predicted "
                      f"{json.dumps(o, sort_keys=True)}, real {' '.join(r)}")
    n = len(pred)
    table.append(f"{name}: outcome {agree['outcome']}/{n}, version {agree['version']}/{n}, "
                 f"suite {agree['suite']}/{n}, group {agree['group']}/{n}, alert and its side "
                 f"{agree['alert']}/{n}; {k['ok']} handshakes, {k['fail']} refused, "
                 f"{k['hrr']} HelloRetryRequests")
print("\n".join(table))
clients_off = set((s, c) for (s, _), cl in off.items() for c in cl)
print(f"{total} predictions, {len(clients_off)} disagreements")
