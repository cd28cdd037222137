"""A minimal W3C WebDriver client (plain HTTP and JSON to chromedriver on loopback) for the
HTML report tests: headless Chromium, page loads, scripts, clicks, console logs and
screenshots. No third-party package."""
import base64
import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request

from loopback import free_port

# The W3C WebDriver key of an element reference (WebDriver 12.1).
ELEMENT_KEY = "element-6066-11e4-a52e-4f735466cecf"


def available():
    """The reason the browser cannot run here, or None."""
    for tool in ("chromium", "chromedriver"):
        if not shutil.which(tool):
            return f"{tool} is not installed (Debian packages chromium, chromium-driver; " \
                   "scripts/setup installs them)"
    return None


class Browser:
    def __init__(self, width=1280, height=1000, scripts=True):
        """scripts=False: the page's own scripts do not run (as in a mail client or a
        browser with JavaScript off); WebDriver's still do."""
        self.port = free_port()
        self.driver = subprocess.Popen(["chromedriver", f"--port={self.port}",
                                        "--allowed-ips=127.0.0.1"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                self._call("GET", "/status")
                break
            except (OSError, RuntimeError):
                time.sleep(0.05)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": shutil.which("chromium"), "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={width},{height}",
                *([] if scripts else ["--blink-settings=scriptEnabled=false"])]}}}}
        self.sid = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError(f"{method} {path}: {e.read().decode(errors='replace')[:400]}")

    def _s(self, method, path, body=None):
        return self._call(method, f"/session/{self.sid}{path}", body)

    def open(self, path):
        self._s("POST", "/url", {"url": "file://" + path})

    def js(self, script, *args):
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def logs(self):
        """The browser's console messages since the last call (level, message)."""
        return [(e["level"], e["message"]) for e in self._s("POST", "/se/log", {"type": "browser"})]

    def find(self, css):
        """The element id of the first match (WebDriver reference), or None."""
        found = self._s("POST", "/elements", {"using": "css selector", "value": css})
        return found[0][ELEMENT_KEY] if found else None

    @staticmethod
    def ref(element):
        """An element as a script argument."""
        return {ELEMENT_KEY: element}

    def click(self, element):
        self._s("POST", f"/element/{element}/click", {})

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))

    def close(self):
        try:
            self._s("DELETE", "")
        finally:
            self.driver.terminate()
            try:
                self.driver.wait(10)
            except subprocess.TimeoutExpired:
                self.driver.kill()
