"""tlsdiag's HTML reports from real runs, loaded in headless Chromium: a scan of a loopback
openssl s_server (whose certificate name is a <script> element) and of a closed port,
analyze of shared captures plus a capture whose first ClientHello names a <script> as its
server, and a match matrix of built-in profiles. Each page: valid UTF-8, no external
asset, valid HTML (tidy, when installed), no console error in Chromium, no peer text run
as script, and what it shows checked against the same run's JSON; a click on a failing
matrix cell shows its reason and first fix, a click on a failed connection opens its
diagnosis and ladder, the filters show the rows they should. Screenshots and the pages
are kept in $TLSD_BUILD/test-output/html_report."""
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import synth_pcap  # noqa: E402
import webdriver  # noqa: E402
from loopback import free_port, report, server, wait_port  # noqa: E402

TLSDIAG = os.environ["TLSDIAG"]
SHARED = os.environ.get("TLSD_SHARED", "../shared")
OUT = os.path.join(os.environ.get("TLSD_BUILD", "."), "test-output", "html_report")
HOSTILE = "<script>window.pwned=1</script>"
MAX_BYTES = 2_000_000
ENV = dict(os.environ, OPENSSL_CONF="/dev/null")


class Checks:
    def __init__(self, name):
        self.name, self.ok, self.fails = name, 0, []

    def check(self, cond, what):
        if cond:
            self.ok += 1
        else:
            self.fails.append(what)
        return cond

    def result(self):
        return (self.name, self.ok, self.fails)


def run(args, ok_codes=(0, 1)):
    r = subprocess.run([TLSDIAG, *args], capture_output=True, timeout=600)
    assert r.returncode in ok_codes, f"{args}: exit {r.returncode}: {r.stderr[-2000:]!r}"
    return r


def static_checks(c, path):
    """The file alone: size, UTF-8, self-contained, valid (tidy)."""
    data = open(path, "rb").read()
    c.check(0 < len(data) < MAX_BYTES, f"{path}: {len(data)} bytes, not under 2 MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        c.check(False, f"{path}: not UTF-8: {e}")
        return ""
    c.check(not re.search(r"<link|<img|<iframe|src=|url\(|@import", text),
            f"{path}: refers to an external asset")
    c.check("@media print" in text, f"{path}: no print style")
    c.check(text.count("<script") == text.count("</script>"), f"{path}: script tags unbalanced")
    if shutil.which("tidy"):
        t = subprocess.run(["tidy", "-errors", "-q", "--show-warnings", "yes", path],
                           capture_output=True, text=True)
        c.check(t.returncode == 0, f"{path}: tidy says (exit {t.returncode}): {t.stderr[:600]}")
    else:
        print(f"SKIP validation of {path}: tidy is not installed (Debian package tidy)")
    return text


def load(c, b, path, scripts):
    """Loads the page; no console errors, and exactly `scripts` script elements (peer text
    never became one)."""
    b.open(path)
    errors = [m for lvl, m in b.logs() if lvl == "SEVERE"]
    c.check(not errors, f"{path}: console errors: {errors[:3]}")
    c.check(b.js("return typeof window.pwned") == "undefined", f"{path}: peer text ran as script")
    n = b.js("return document.scripts.length")
    c.check(n == scripts, f"{path}: {n} script elements, expected {scripts}")


# ---- scan -------------------------------------------------------------------------------

def scan_page(b):
    c = Checks("scan")
    work = OUT
    subj = "/CN=" + HOSTILE.replace("/", "\\/")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                        "-keyout", f"{work}/hostile.key", "-out", f"{work}/hostile.pem", "-subj",
                        subj, "-addext", "subjectAltName=DNS:localhost"],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    port, closed = free_port(), free_port()
    cmd = ["openssl", "s_server", "-accept", f"127.0.0.1:{port}", "-cert", f"{work}/hostile.pem",
           "-key", f"{work}/hostile.key", "-quiet", "-naccept", "100000", "-www"]
    page = f"{OUT}/scan.html"
    portfile = f"{OUT}/proxy.port"
    with server(cmd, ENV) as proc:
        assert wait_port(port, proc), "s_server did not start"
        # The third target: the same server behind a proxy that resets half the
        # connections after their ClientHello, so that some answers stay undecided.
        proxy = subprocess.Popen([sys.executable, os.path.join(HERE, "fault_proxy.py"),
                                  "random:0.5:7", str(port), portfile])
        try:
            for _ in range(100):
                if os.path.exists(portfile) and open(portfile).read().strip():
                    break
                time.sleep(0.1)
            faulty = open(portfile).read().strip()
            r = run(["scan", "-q", "--json", "--target-timeout", "240", "--html", page,
                     f"127.0.0.1:{port}", f"127.0.0.1:{closed}", f"127.0.0.1:{faulty}"])
        finally:
            proxy.terminate()
            proxy.wait(10)
    doc = json.loads(r.stdout)
    text = static_checks(c, page)
    c.check("window.pwned=1" in text and HOSTILE not in text,
            "the certificate's <script> name is not in the page escaped")
    load(c, b, page, 0)
    c.check(b.js("return document.querySelectorAll('#overview tbody tr').length") == 3,
            "overview: not one row per target")
    c.check(b.js("return document.querySelectorAll('section.card').length") == 3,
            "not one card per target")
    t0, t1, t2 = doc["targets"]
    want = sum(len(v.get("suites", [])) for v in t0["versions"] if v.get("accepted"))
    got = b.js("return document.querySelectorAll('#t0 table.suites tbody tr').length")
    c.check(got == want, f"card 1 lists {got} suites, the JSON {want}")
    names = b.js("return Array.from(document.querySelectorAll('#t0 table.suites tbody tr'))"
                 ".map(r => r.cells[2].textContent + '|' + r.cells[5].textContent)")
    json_names = sorted(f"{s['name']}|{s['class']}" for v in t0["versions"] if v.get("accepted")
                        for s in v["suites"])
    c.check(sorted(names) == json_names, f"card 1 suites/classes differ from the JSON: "
                                         f"{sorted(names)[:3]} vs {json_names[:3]}")
    chips = b.js("return Array.from(document.querySelectorAll('#t0 .chips')[0].children)"
                 ".map(e => e.textContent)")
    for v in t0["versions"]:
        label = v["version"].replace("TLSv", "TLS ").replace("SSLv2", "SSL 2.0") \
            .replace("SSLv3", "SSL 3.0")
        hit = [x for x in chips if x.startswith(label + " ")]
        c.check(hit and (" yes" in hit[0]) == bool(v.get("accepted")),
                f"version chip for {label}: {hit} vs accepted {v.get('accepted')}")
    chain = b.js("return document.querySelector('#t0 ol.chain').textContent")
    c.check("window.pwned=1" in chain, f"the chain does not show the certificate name: {chain!r}")
    c.check("NOT trusted" in b.js("return document.querySelector('#t0').innerText"),
            "the self-signed certificate is not marked NOT trusted")
    c.check(t1.get("error") and "not scanned" in b.js("return document.querySelector('#t1')"
                                                     ".innerText"),
            "the closed port's card does not say it was not scanned")
    # The faulty target: what could not be decided is listed, and the overview says so.
    und = t2.get("undecided", [])
    shown = b.js("return Array.from(document.querySelectorAll('#t2 li'))"
                 ".map(l => l.textContent)")
    c.check(und, "the faulty target left nothing undecided (the proxy did not interfere)")
    c.check(all(u in shown for u in und), f"undecided lines missing from card 3: {und[:2]}")
    row = b.js("return document.querySelectorAll('#overview tbody tr')[2].textContent")
    c.check(("incomplete" in row) == bool(und), f"overview row of the faulty target: {row!r}")
    c.check(("Incomplete" in b.js("return document.querySelector('#t0').innerText")) ==
            bool(t0.get("undecided")), "card 1 says Incomplete against its JSON")
    b.screenshot(f"{OUT}/scan.png")
    return c.result()


# ---- analyze ----------------------------------------------------------------------------

CAPTURES = ["zeek/tls-1.2-handshake-failure.pcap", "nDPI/tls_alert.pcap", "zeek/hrr.pcap",
            "zeek/tls-early-alert.pcap", "nDPI/teams.pcap"]


def analyze_page(b):
    c = Checks("analyze")
    synth = f"{OUT}/hostile-sni.pcap"
    synth_pcap.write(synth, 30, clients=3, servers=2, hostile_sni=HOSTILE.encode())
    files = [os.path.join(SHARED, "pcaps", p) for p in CAPTURES] + [synth]
    page = f"{OUT}/analyze.html"
    r = run(["analyze", "--json", "--html", page, *files])
    doc = json.loads(r.stdout)
    conns = doc["connections"]
    text = static_checks(c, page)
    c.check(HOSTILE not in text and "&lt;script&gt;window.pwned=1" in text,
            "the <script> server name is not escaped in the page")
    load(c, b, page, 1)
    rows = b.js("return Array.from(document.querySelectorAll('details.conn'))"
                ".map(d => [d.dataset.c, d.dataset.o])")
    c.check(len(rows) == len(conns), f"{len(rows)} rows for {len(conns)} connections")
    for o in sorted({x["outcome"] for x in conns}):
        want = sum(1 for x in conns if x["outcome"] == o)
        got = sum(1 for _, ro in rows if ro == o)
        c.check(got == want, f"outcome {o}: {got} rows, JSON {want}")
        c.check(b.js("return document.querySelector('#outcomes').innerText.includes(arguments[0])",
                     o), f"outcome {o} missing from the summary")
    c.check(any(HOSTILE in s for s in b.js(
        "return Array.from(document.querySelectorAll('details.conn summary'))"
        ".map(s => s.textContent)")), "the hostile server name is not shown as text")
    # A failed connection opens to its diagnosis and its ladder.
    el = b.find("details.conn[data-o='server_alert'] > summary")
    if c.check(el is not None, "no server_alert row"):
        b.js("arguments[0].scrollIntoView()", b.ref(el))
        b.click(el)
        shown = b.js("var d = document.querySelector(\"details.conn[data-o='server_alert']\");"
                     "var g = d.querySelector('td.diag');"
                     "return [d.open, g ? g.checkVisibility() && g.offsetHeight : 0,"
                     " g ? g.innerText : '',"
                     " d.querySelector('svg.ladder').textContent]")
        c.check(shown[0] and shown[1] > 0, f"the clicked row did not open: {shown[:2]}")
        c.check("alert" in shown[2] or "refused" in shown[2], f"diagnosis: {shown[2][:200]!r}")
        c.check("ClientHello" in shown[3] and "Alert fatal" in shown[3],
                f"ladder lacks ClientHello or the fatal alert: {shown[3][:300]!r}")
        c.check(re.search(r"frame \d+", shown[3]) is not None, "ladder without frame numbers")
        b.screenshot(f"{OUT}/analyze-open.png")
    # Filters: by outcome, then by client.
    for sel, key, value in (("#fo", "outcome", "server_alert"), ("#fc", "client", "10.1.0.0")):
        n = b.js("var s = document.querySelector(arguments[0]); s.value = arguments[1];"
                 "s.dispatchEvent(new Event('change'));"
                 "var v = Array.from(document.querySelectorAll('details.conn'))"
                 ".filter(d => !d.hidden).length; s.value = ''; "
                 "s.dispatchEvent(new Event('change')); return v", sel, value)
        want = sum(1 for x in conns if (x[key]["address"] if key == "client" else x[key]) == value)
        c.check(n == want, f"filter {key}={value}: {n} rows shown, JSON {want}")
    b.js("window.scrollTo(0, 0)")
    b.screenshot(f"{OUT}/analyze.png")
    return c.result()


# ---- match ------------------------------------------------------------------------------

def match_page(b):
    c = Checks("match")
    page = f"{OUT}/match.html"
    r = run(["match", "--clients-from", "testssl", "--servers", "windows-2016,windows-2025",
             "--json", "--html", page])
    doc = json.loads(r.stdout)
    static_checks(c, page)
    load(c, b, page, 1)
    cells = b.js("var hs = Array.from(document.querySelectorAll('table.matrix thead th'))"
                 ".map(h => h.textContent); var out = {};"
                 "document.querySelectorAll('table.matrix tbody tr').forEach(function(r) {"
                 " var cl = r.cells[0].textContent;"
                 " for (var i = 1; i < r.cells.length; i++) out[cl + '|' + hs[i]] ="
                 "  [r.cells[i].querySelector('summary').textContent,"
                 "   r.cells[i].dataset.failure || ''] }); return out")
    c.check(len(cells) == len(doc["results"]), f"{len(cells)} cells, {len(doc['results'])} pairs")
    bad = []
    for res in doc["results"]:
        cell = cells.get(f"{res['client']}|{res['server']}")
        o = res["outcome"]
        want = ("OK " + o["version"].replace("TLSv", "TLS ")) if o["ok"] else "FAIL"
        if not cell or not cell[0].startswith(want) or \
                (not o["ok"] and cell[1] != o["failure"]):
            bad.append((res["client"], res["server"], cell, want))
    c.check(not bad, f"{len(bad)} cells differ from the JSON, e.g. {bad[:2]}")
    fails = [x for x in doc["results"] if not x["outcome"]["ok"]]
    c.check(len(fails) == doc["failures"] and fails, "no failing pair to click")
    verdict = b.js("return document.getElementById('verdict').textContent")
    c.check(f"{doc['failures']} of {len(doc['results'])} pairs fail" in verdict,
            f"verdict: {verdict!r}")
    el = b.find("table.matrix td.fail summary")
    if c.check(el is not None, "no failing cell"):
        b.js("arguments[0].scrollIntoView({block: 'center'})",
             b.ref(el))
        before = b.js("var r = document.querySelector('table.matrix td.fail .reason');"
                      "return r.checkVisibility()")
        b.click(el)
        got = b.js("var td = document.querySelector('table.matrix td.fail');"
                   "var r = td.querySelector('.reason'); var tr = td.parentElement;"
                   "var hs = document.querySelectorAll('table.matrix thead th');"
                   "return [r.checkVisibility() && r.offsetHeight, r.innerText,"
                   " tr.cells[0].textContent,"
                   " hs[td.cellIndex].textContent]")
        pair = [x for x in fails if x["client"] == got[2] and x["server"] == got[3]]
        c.check(not before and got[0], f"click did not show the reason ({before}, {got[0]})")
        if c.check(pair, f"the clicked cell {got[2:]} is not a failing pair of the JSON"):
            o = pair[0]["outcome"]
            c.check(o["detail"] in got[1], f"reason lacks the detail {o['detail']!r}: {got[1]!r}")
            c.check("First fix on the server" in got[1] and "First fix on the client" in got[1],
                    f"no first fixes in the opened cell: {got[1][:300]!r}")
            fixes = pair[0].get("server_fixes", {}).get("fixes", [])
            c.check(not fixes or fixes[0]["change"] in got[1],
                    f"the server's first fix {fixes[0]['change'] if fixes else ''!r} is not shown")
        b.screenshot(f"{OUT}/match-open.png")
    b.js("window.scrollTo(0, 0)")
    b.screenshot(f"{OUT}/match.png")
    pdf = f"{OUT}/match.pdf"
    subprocess.run(["chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
                    f"--print-to-pdf={pdf}", "file://" + page], capture_output=True, timeout=120)
    c.check(os.path.exists(pdf) and os.path.getsize(pdf) > 1000, "the page does not print to PDF")
    return c.result()


def without_scripts():
    """The pages with their scripts off (JavaScript disabled, a mail client's preview):
    every connection row and cell shows, the filter controls stay hidden, and a failing
    cell still opens to its reason (<details> needs no script)."""
    c = Checks("without scripts")
    b = webdriver.Browser(scripts=False)
    try:
        b.open(f"{OUT}/analyze.html")
        got = b.js("var rows = Array.from(document.querySelectorAll('details.conn'));"
                   "return [document.getElementById('filters').hidden,"
                   " document.getElementById('fn').textContent, rows.length,"
                   " rows.filter(d => d.checkVisibility()).length]")
        c.check(got[0] and got[1] == "", f"analyze: the script ran or the filters show: {got}")
        c.check(got[2] > 0 and got[3] == got[2], f"analyze: {got[3]} of {got[2]} rows visible")
        b.open(f"{OUT}/match.html")
        el = b.find("table.matrix td.fail summary")
        if c.check(el is not None, "match: no failing cell"):
            b.click(el)
            shown = b.js("var r = document.querySelector('table.matrix td.fail .reason');"
                         "return [r.checkVisibility(), r.innerText]")
            c.check(shown[0] and "Why:" in shown[1], f"match: the cell did not open: {shown}")
            b.screenshot(f"{OUT}/match-noscript.png")
        b.open(f"{OUT}/scan.html")
        n = b.js("return Array.from(document.querySelectorAll('section.card'))"
                 ".filter(s => s.checkVisibility()).length")
        c.check(n == 3, f"scan: {n} cards visible")
    finally:
        b.close()
    return c.result()


def main():
    why = webdriver.available()
    if why:
        print(f"SKIP: {why}")
        return 77
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    b = webdriver.Browser()
    try:
        results = [match_page(b), scan_page(b), analyze_page(b)]
    finally:
        b.close()
    results.append(without_scripts())
    print(f"pages and screenshots in {OUT}:")
    for f in sorted(os.listdir(OUT)):
        print(f"  {f} {os.path.getsize(os.path.join(OUT, f))} bytes")
    return report(results)


if __name__ == "__main__":
    sys.exit(main())
