#!/usr/bin/env python3
"""Real-browser test of Retouch's built-in page (Sources/RetouchServer/Page).

Starts `retouch serve` as a child, drives headless Chromium with Selenium (real mouse and keyboard
events), and checks: open, paint, undo/redo, zoom, Remove (pixels), accept/discard, outpaint +64 right
(pixels), cancel mid-run, download with the `parameters` chunk, help overlay, no JS errors.

  python3 Tests/Browser/page_test.py --retouch .build/release/retouch \
      --model fixtures/models/tiny-sd1 --photo fixtures/photos/coffee.png --screenshots /tmp/shots

Needs: chromium + chromium-driver (Debian), `pip install selenium pillow`.
"""
import argparse, base64, io, json, os, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

from PIL import Image, ImageChops, ImageFilter
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.wheel_input import ScrollOrigin
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_PAGE = os.path.join(REPO, "Sources", "RetouchServer", "Page")


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)
    print(f"  ok: {what}", flush=True)


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.loads(r.read())


def wait_for(fn, what, timeout=30.0, every=0.1):
    end = time.time() + timeout
    last = None
    while time.time() < end:
        try:
            last = fn()
            if last:
                return last
        except Exception as e:  # noqa: BLE001 - keep polling
            last = e
        time.sleep(every)
    raise Failure(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")


def png_text_chunks(data):
    """tEXt/iTXt/zTXt chunks of a PNG, read from the bytes (no decoding)."""
    import zlib
    out = {}
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return out
    i = 8
    while i + 8 <= len(data):
        n = int.from_bytes(data[i:i + 4], "big"); kind = data[i + 4:i + 8]; body = data[i + 8:i + 8 + n]
        if kind == b"tEXt":
            k, _, v = body.partition(b"\0"); out[k.decode("latin-1")] = v.decode("latin-1")
        elif kind == b"zTXt":
            k, _, v = body.partition(b"\0"); out[k.decode("latin-1")] = zlib.decompress(v[1:]).decode("latin-1")
        elif kind == b"iTXt":
            k, _, rest = body.partition(b"\0"); comp, rest = rest[0], rest[2:]
            _, _, rest = rest.partition(b"\0"); _, _, v = rest.partition(b"\0")
            out[k.decode("latin-1")] = (zlib.decompress(v) if comp else v).decode("utf-8")
        i += 12 + n
    return out


class PageTest:
    def __init__(self, a):
        self.a = a
        self.shots = a.screenshots
        os.makedirs(self.shots, exist_ok=True)
        self.downloads = tempfile.mkdtemp(prefix="retouch-page-dl-")
        self.server = None
        self.d = None
        self.shot_n = 0
        self.original = Image.open(a.photo).convert("RGB")
        self.W, self.H = self.original.size

    # ---------- server ----------
    def start_server(self):
        self.port = free_port()
        cmd = [self.a.retouch, "serve", "--host", "127.0.0.1", "--port", str(self.port), "--model", self.a.model]
        if self.a.page_dir:
            cmd += ["--page-dir", self.a.page_dir]
        print("server:", " ".join(cmd), flush=True)
        self.server_log = open(os.path.join(self.shots, "server.log"), "wb")
        self.server = subprocess.Popen(cmd, stdout=self.server_log, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"

        def up():
            if self.server.poll() is not None:
                raise Failure(f"the server exited with {self.server.returncode}; see {self.server_log.name}")
            return get_json(self.base + "/retouch/v1/info", timeout=2)
        try:
            self.info = wait_for(up, "GET /retouch/v1/info", timeout=self.a.server_timeout, every=0.25)
        except Failure:
            if self.server.poll() is not None:
                raise Failure(f"the server exited with {self.server.returncode}; see {self.server_log.name}")
            raise
        print("info:", json.dumps(self.info), flush=True)

    def stop_server(self):
        if self.server and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(10)
            except subprocess.TimeoutExpired:
                print("warning: the server ignored SIGTERM for 10 s; killing it", flush=True)
                self.server.kill(); self.server.wait()

    # ---------- browser ----------
    def start_browser(self):
        o = webdriver.ChromeOptions()
        o.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
            o.add_argument(arg)
        o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        o.add_experimental_option("prefs", {"download.default_directory": self.downloads,
                                            "download.prompt_for_download": False,
                                            "safebrowsing.enabled": False})
        self.d = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")), options=o)
        self.d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": self.downloads})
        self.d.set_script_timeout(30)

    def js(self, expr, *args):
        return self.d.execute_script("return " + expr, *args)

    def el(self, testid):
        return self.d.find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]')

    def click(self, testid):
        e = self.el(testid)
        if not e.is_enabled():
            raise Failure(f"button {testid} is disabled")
        ActionChains(self.d).move_to_element(e).click().perform()

    def keys(self, *ks, ctrl=False, shift=False):
        ac = ActionChains(self.d)
        if ctrl: ac.key_down(Keys.CONTROL)
        if shift: ac.key_down(Keys.SHIFT)
        for k in ks: ac.send_keys(k)
        if shift: ac.key_up(Keys.SHIFT)
        if ctrl: ac.key_up(Keys.CONTROL)
        ac.perform()

    def focus_canvas(self):
        c = self.el("canvas")
        # a click on the canvas would paint; focus it without a click
        self.d.execute_script("arguments[0].focus()", c)

    def shot(self, name):
        self.shot_n += 1
        p = os.path.join(self.shots, f"{self.shot_n:02d}-{name}.png")
        self.d.save_screenshot(p)
        print(f"  screenshot {p}", flush=True)

    def canvas_offset(self, x, y):
        """Offset from the canvas element's centre to image pixel (x, y), for ActionChains."""
        c = self.el("canvas")
        r = self.js("arguments[0].getBoundingClientRect().toJSON()", c)
        p = self.js("window.retouchPage.clientPoint(arguments[0], arguments[1])", x, y)
        return int(round(p["x"] - (r["left"] + r["width"] / 2))), int(round(p["y"] - (r["top"] + r["height"] / 2)))

    def stroke(self, pts, outside_after=None):
        """Drag through image points pts with real mouse events. If outside_after=i, leave the canvas
        (into the side panel) after point i and come back."""
        c = self.el("canvas")
        ac = ActionChains(self.d, duration=10)
        x0, y0 = self.canvas_offset(*pts[0])
        ac.move_to_element_with_offset(c, x0, y0).click_and_hold()
        cur = (x0, y0)
        for i, p in enumerate(pts[1:], 1):
            nx, ny = self.canvas_offset(*p)
            for k in range(1, 5):  # a few intermediate moves
                tx = cur[0] + (nx - cur[0]) * k // 4; ty = cur[1] + (ny - cur[1]) * k // 4
                ac.move_to_element_with_offset(c, tx, ty)
            cur = (nx, ny)
            if outside_after == i:
                panel = self.el("params")
                ac.move_to_element(panel)
                ac.move_to_element_with_offset(c, nx, ny)
        ac.release().perform()

    def mask_count(self):
        return self.js("window.retouchPage.maskPixelCount()")

    def job_state(self):
        return self.js("window.retouchPage.jobState()")

    def wait_state(self, states, timeout=60):
        states = (states,) if isinstance(states, str) else states
        s = wait_for(lambda: self.job_state() in states + ("error",) and self.job_state(), f"job state {states}", timeout)
        if s not in states:
            raise Failure(f"job ended in {s!r}, expected {states}: message {self.el('message').text!r}")
        return s

    def download(self, testid="download"):
        before = set(os.listdir(self.downloads))
        self.click(testid)

        def new_file():
            now = [f for f in os.listdir(self.downloads) if f not in before and not f.endswith(".crdownload")]
            return now[0] if now else None
        name = wait_for(new_file, "the download", timeout=15)
        time.sleep(0.2)
        data = open(os.path.join(self.downloads, name), "rb").read()
        return name, data

    def page_image(self):
        sz = self.js("window.retouchPage.imageSize()")
        px = self.js("window.retouchPage.currentImagePixels(0, 0, arguments[0], arguments[1])", sz["width"], sz["height"])
        return Image.frombytes("RGBA", (sz["width"], sz["height"]), bytes(px)).convert("RGB")

    def page_mask(self):
        url = self.js("window.retouchPage.maskDataURL()")
        return Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))).convert("L").point(lambda v: 255 if v >= 128 else 0)

    def set_value(self, testid, value):
        e = self.el(testid)
        e.clear(); e.send_keys(str(value)); e.send_keys(Keys.TAB)
        self.focus_canvas()

    def console_errors(self):
        bad = []
        for entry in self.d.get_log("browser"):
            print("  console:", entry.get("level"), entry.get("message"), flush=True)
            if entry.get("level") == "SEVERE":
                bad.append(entry["message"])
        return bad

    # ---------- the checks ----------
    def run(self):
        t0 = time.time()
        self.start_server()
        self.start_browser()
        d = self.d
        print("== load", flush=True)
        d.get(self.base + "/")
        wait_for(lambda: self.js("window.retouchPage && window.retouchPage.info()"), "the page to read /retouch/v1/info", 15)
        check(d.title.startswith("Retouch"), "the page at / loads")
        self.errors = self.console_errors()
        self.shot("loaded")

        print("== open a photo", flush=True)
        self.el("file-input").send_keys(os.path.abspath(self.a.photo))
        wait_for(lambda: self.el("image-size").text == f"{self.W}x{self.H}", f"image-size {self.W}x{self.H}", 10)
        check(self.js("window.retouchPage.imageSize()") == {"width": self.W, "height": self.H}, f"the page holds the photo at full resolution {self.W}x{self.H}")
        check(list(self.page_image().getdata())[:2000] == list(self.original.getdata())[:2000], "the page's pixels equal the file's (no colour conversion)")
        self.shot("opened")

        print("== paint", flush=True)
        self.click("mode-remove")
        self.focus_canvas()
        b0 = self.js("window.retouchPage.brushSize()")
        self.keys("]", "]")
        b1 = self.js("window.retouchPage.brushSize()")
        check(b1 > b0, f"] makes the brush larger ({b0} -> {b1} image px)")
        self.keys("[")
        check(self.js("window.retouchPage.brushSize()") < b1, "[ makes the brush smaller")
        W, H = self.W, self.H
        y1 = H * 0.45
        self.stroke([(W * 0.30, y1), (W * 0.45, y1)])
        c1 = self.mask_count()
        check(c1 > 0, f"a stroke paints the mask ({c1} px)")
        # a second stroke that leaves the canvas and comes back: it must not break
        y2 = H * 0.62
        self.stroke([(W * 0.30, y2), (W * 0.40, y2), (W * 0.50, y2)], outside_after=1)
        c2 = self.mask_count()
        check(c2 > c1, f"a second stroke adds to the mask ({c1} -> {c2} px)")
        back = self.js("window.retouchPage.maskCountIn(arguments[0], arguments[1], 6, 6)", int(W * 0.48), int(y2) - 3)
        check(back > 0, "the stroke continues after the pointer left the canvas and came back")
        self.shot("painted")

        print("== undo / redo", flush=True)
        self.focus_canvas()
        self.keys("z", ctrl=True)
        check(self.mask_count() == c1, "Ctrl+Z undoes the last stroke")
        self.keys("z", ctrl=True, shift=True)
        check(self.mask_count() == c2, "Ctrl+Shift+Z redoes it")
        self.click("undo")
        check(self.mask_count() == c1, "the Undo button undoes it")
        self.click("redo")
        check(self.mask_count() == c2, "the Redo button redoes it")
        # eraser: E, then a stroke over the first line, then undo it
        self.focus_canvas(); self.keys("e")
        check(self.js("window.retouchPage.tool()") == "eraser", "E picks the eraser")
        self.stroke([(W * 0.30, y1), (W * 0.36, y1)])
        check(self.mask_count() < c2, "the eraser removes mask pixels")
        self.focus_canvas(); self.keys("z", ctrl=True); self.keys("b")
        check(self.mask_count() == c2 and self.js("window.retouchPage.tool()") == "brush", "undo restores the erased part; B picks the brush")

        print("== zoom", flush=True)
        s0 = self.js("window.retouchPage.viewScale()")
        c = self.el("canvas")
        ox, oy = self.canvas_offset(W * 0.25, H * 0.25)
        before_pt = self.js("window.retouchPage.clientPoint(arguments[0], arguments[1])", W * 0.25, H * 0.25)
        ActionChains(d).scroll_from_origin(ScrollOrigin.from_element(c, ox, oy), 0, -400).perform()
        s1 = wait_for(lambda: (v := self.js("window.retouchPage.viewScale()")) > s0 * 1.05 and v, "the wheel to zoom in", 5)
        after_pt = self.js("window.retouchPage.clientPoint(arguments[0], arguments[1])", W * 0.25, H * 0.25)
        check(abs(after_pt["x"] - before_pt["x"]) < 3 and abs(after_pt["y"] - before_pt["y"]) < 3,
              f"the wheel zooms to the cursor ({s0:.3f} -> {s1:.3f}; the point under it stays put)")
        self.shot("zoomed")
        self.focus_canvas(); self.keys("-")
        s2 = self.js("window.retouchPage.viewScale()")
        check(s2 < s1, f"- zooms out ({s1:.3f} -> {s2:.3f})")
        self.keys("+")
        check(self.js("window.retouchPage.viewScale()") > s2, "+ zooms in")
        # pan with Space+drag
        o1 = self.js("window.retouchPage.viewOffset()")
        m1 = self.mask_count()
        ac = ActionChains(d).move_to_element_with_offset(c, 0, 0).key_down(" ").click_and_hold().move_by_offset(60, 30).release().key_up(" ")
        ac.perform()
        o2 = self.js("window.retouchPage.viewOffset()")
        check(abs(o2["x"] - o1["x"] - 60) < 3 and abs(o2["y"] - o1["y"] - 30) < 3 and self.mask_count() == m1, "Space+drag pans without painting")
        self.keys(Keys.ESCAPE)
        check(abs(self.js("window.retouchPage.viewScale()") - s0) < 1e-6, "Esc resets the view to fit")

        print("== Remove", flush=True)
        mask = self.page_mask()
        self.click("run")
        self.wait_state("done", 60)
        check(self.js("window.retouchPage.stagingCount()") >= 1 and self.el("staging").is_displayed(), "Remove stages a result")
        self.shot("remove-staged")
        name, data = self.download()
        res = Image.open(io.BytesIO(data)).convert("RGB")
        check(res.size == (W, H), f"the Remove result is {W}x{H}")
        blur = float(self.el("param-mask-blur").get_attribute("value") or 4)
        band = int(3 * blur + 3)
        grown = mask.filter(ImageFilter.MaxFilter(2 * band + 1)) if band else mask
        core = mask.filter(ImageFilter.MinFilter(2 * band + 1)) if band else mask
        diff = ImageChops.difference(res, self.original).convert("L").point(lambda v: 255 if v else 0)
        outside_changed = ImageChops.multiply(diff, ImageChops.invert(grown)).getbbox()
        check(outside_changed is None, f"Remove leaves every pixel outside the mask + feather band ({band} px) exact" + ("" if outside_changed is None else f" (changed in {outside_changed})"))
        inside = ImageChops.multiply(diff, core).histogram()[255]
        core_n = core.histogram()[255]
        check(core_n > 0 and inside > core_n * 0.5, f"Remove changes the inside of the mask ({inside} of {core_n} core pixels differ)")
        params = png_text_chunks(data).get("parameters")
        print(f"  (Remove PNG {name}: parameters chunk {'present' if params else 'absent'})", flush=True)

        print("== accept / undo / discard", flush=True)
        self.click("accept")
        check(self.js("window.retouchPage.stagingCount()") == 0 and not self.el("staging").is_displayed(), "Accept closes the staging area")
        check(self.page_image().tobytes() == res.tobytes(), "Accept makes the result the current image")
        self.shot("remove-accepted")
        self.focus_canvas(); self.keys("z", ctrl=True)
        check(self.page_image().tobytes() == self.original.tobytes() and self.mask_count() == c2, "Ctrl+Z after Accept brings back the photo and its mask")
        self.keys("z", ctrl=True, shift=True)
        check(self.page_image().tobytes() == res.tobytes(), "Ctrl+Shift+Z re-applies the accepted result")
        self.keys("z", ctrl=True)
        self.click("run")
        self.wait_state("done", 60)
        check(self.js("window.retouchPage.stagingCount()") >= 1, "a second Remove stages a result")
        # before/after while staged: hold Tab
        self.focus_canvas()
        ActionChains(d).key_down(Keys.TAB).perform()
        held = self.el("compare-label").text
        self.shot("hold-tab-before")
        ActionChains(d).key_up(Keys.TAB).perform()
        check(held != "" and self.el("compare-label").text == "", "holding Tab shows the before image")
        self.click("discard")
        check(self.js("window.retouchPage.stagingCount()") == 0 and self.page_image().tobytes() == self.original.tobytes(), "Discard drops the result and keeps the photo")

        has_model = self.info.get("model") is not None
        if not has_model:
            print("== the server has no model: outpaint and cancel are skipped", flush=True)
            check(not self.el("mode-outpaint").is_enabled() and self.el("model-note").is_displayed(), "model modes are disabled with a note")
        else:
            print("== outpaint +64 right", flush=True)
            self.click("mode-outpaint")
            self.set_value("param-steps", self.a.steps)
            # drag an edge: the bottom edge 40 px outwards
            bx, by = self.canvas_offset(W / 2, H)
            ActionChains(d).move_to_element_with_offset(c, bx, by).click_and_hold().move_by_offset(0, 40).release().perform()
            check(self.js("window.retouchPage.extend()")["bottom"] > 0, f"dragging the bottom edge adds a bottom margin ({self.js('window.retouchPage.extend()')})")
            self.shot("outpaint-dragged")
            self.click("extend-reset")
            self.click("extend-right-64")
            check(self.js("window.retouchPage.extend()") == {"left": 0, "top": 0, "right": 64, "bottom": 0}, "+64 on the right sets extend.right = 64")
            self.shot("outpaint-margin")
            feather = int(self.el("param-feather").get_attribute("value") or 32)
            self.click("run")
            self.wait_state("done", 90)
            self.shot("outpaint-staged")
            name, data = self.download()
            out = Image.open(io.BytesIO(data)).convert("RGB")
            check(out.size == (W + 64, H), f"the outpaint result is 64 px wider ({out.size[0]}x{out.size[1]})")
            keep = (0, 0, W - feather, H)
            check(out.crop(keep).tobytes() == self.original.crop(keep).tobytes(), f"the photo's pixels are exact outside the {feather} px feather band")
            params = png_text_chunks(data).get("parameters")
            check(bool(params), f"the downloaded PNG ({name}) carries a parameters text chunk: {params!r:.80}")
            seed_shown = self.el("staging-seed").text
            check("seed" in seed_shown, f"the returned seed is shown ({seed_shown})")
            self.click("accept")
            check(self.js("window.retouchPage.imageSize()") == {"width": W + 64, "height": H} and self.el("image-size").text == f"{W + 64}x{H}", "Accept makes the wider image current")
            self.shot("outpaint-accepted")
            self.focus_canvas(); self.keys("z", ctrl=True)
            check(self.js("window.retouchPage.imageSize()") == {"width": W, "height": H}, "undo goes back to the photo's size")

            print("== cancel mid-run", flush=True)
            self.click("mode-inpaint")
            self.set_value("param-steps", 400)
            if self.mask_count() == 0:
                self.stroke([(W * 0.3, H * 0.5), (W * 0.5, H * 0.5)])
            self.click("run")
            wait_for(lambda: self.job_state() == "running" and int(self.el("progress").get_attribute("data-step") or 0) >= 1, "the inpaint to report progress", 60)
            check(self.el("progress").is_displayed() and "step" in self.el("progress-text").text, f"the progress bar shows the step ({self.el('progress-text').text})")
            self.shot("inpaint-running")
            self.click("cancel")
            self.wait_state("cancelled", 30)
            check("ancel" in self.el("message").text and not self.el("progress").is_displayed(), f"the page shows cancelled ({self.el('message').text!r})")
            self.shot("cancelled")
            q = wait_for(lambda: (i := get_json(self.base + "/retouch/v1/info")) and i["queue"]["running"] == 0 and i["queue"]["pending"] == 0 and i, "the server's queue to be empty", 15)
            check(True, f"the server is free again (queue {q['queue']})")
            self.set_value("param-steps", self.a.steps)
            self.click("mode-remove")
            self.click("run")
            self.wait_state("done", 60)
            check(self.js("window.retouchPage.stagingCount()") >= 1, "a job after the cancel runs to the end")
            self.click("discard")

        print("== help overlay", flush=True)
        self.focus_canvas(); self.keys("?")
        check(self.el("help").is_displayed(), "? opens the shortcut help")
        self.shot("help")
        self.keys(Keys.ESCAPE)
        check(not self.el("help").is_displayed(), "Esc closes it")

        print("== parameters remembered", flush=True)
        self.set_value("param-mask-blur", 6)
        d.refresh()
        wait_for(lambda: self.js("window.retouchPage && window.retouchPage.info()"), "the page to reload", 15)
        check(self.el("param-mask-blur").get_attribute("value") == "6", "mask blur is remembered across a reload (localStorage)")
        if has_model:
            check(self.el("param-steps").get_attribute("value") == str(self.a.steps), "steps are remembered across a reload")
        self.el("file-input").send_keys(os.path.abspath(self.a.photo))
        wait_for(lambda: self.el("image-size").text == f"{W}x{H}", "the photo to open again", 10)
        self.click("mode-remove")
        self.stroke([(W * 0.3, H * 0.5), (W * 0.4, H * 0.5)])

        print("== console", flush=True)
        self.errors += self.console_errors()
        check(not self.errors, f"no JavaScript errors in the console {self.errors}")

        print("== server offline", flush=True)
        self.stop_server()
        self.click("run")
        wait_for(lambda: "offline" in self.el("message").text, "an offline message", 10)
        check(True, f"with the server stopped, Run says so ({self.el('message').text!r})")
        self.shot("offline")
        el = time.time() - t0
        print(f"all checks passed in {el:.1f} s", flush=True)

    def close(self):
        if self.d:
            try:
                self.shot("last")
            except Exception:  # noqa: BLE001
                pass
            self.d.quit()
        self.stop_server()
        shutil.rmtree(self.downloads, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--retouch", required=True, help="the retouch binary")
    ap.add_argument("--model", required=True, help="model folder for retouch serve --model")
    ap.add_argument("--photo", required=True, help="a PNG photo")
    ap.add_argument("--screenshots", required=True, help="folder for screenshots and server.log")
    ap.add_argument("--page-dir", default=DEFAULT_PAGE if os.path.isdir(DEFAULT_PAGE) else None,
                    help="serve the page from this folder (default: this checkout's Sources/RetouchServer/Page); '' = the built-in copy")
    ap.add_argument("--steps", type=int, default=4, help="denoising steps for the outpaint run")
    ap.add_argument("--server-timeout", type=float, default=60, help="seconds to wait for the server to answer")
    a = ap.parse_args()
    if not a.photo.lower().endswith(".png"):
        sys.exit("--photo must be a PNG (pixels are compared exactly)")
    t = PageTest(a)
    try:
        t.run()
    except Failure as e:
        print(f"FAIL: {e}", file=sys.stderr, flush=True)
        try:
            t.console_errors()
        except Exception:  # noqa: BLE001
            pass
        t.close()
        sys.exit(1)
    except Exception:
        t.close()
        raise
    t.close()


if __name__ == "__main__":
    main()
