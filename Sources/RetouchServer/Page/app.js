// Retouch's built-in page. Hand-written, no build step, no external URL. It speaks the native job API
// (docs/native-api.md): GET info, POST jobs, SSE events, cancel, and images.
const API = "retouch/v1";  // relative, so the page also works behind a path prefix
const $ = (id) => document.getElementById(id);
const view = $("view");
const vctx = view.getContext("2d");
const STORE = "retouch.page.params.v1";
const PARAM_IDS = ["prompt", "negative_prompt", "steps", "guidance", "sampler", "seed", "mask_blur", "count", "feather"];
const MODEL_MODES_DEFAULT = ["inpaint", "outpaint", "variations"];

const S = {
  info: null,
  image: null,          // canvas holding the current image at full resolution
  original: null,       // canvas: the photo as opened (the "before" when nothing is staged)
  mask: null,           // canvas the size of the image; opaque white = edit
  overlay: null,        // tinted (and feathered) copy of the mask for display
  overlayDirty: true,
  extend: { left: 0, top: 0, right: 0, bottom: 0 },
  history: [], hpos: -1,
  tool: "brush", brush: 40,
  scale: 1, ox: 0, oy: 0,
  pointer: null,        // last pointer position (CSS px in the canvas)
  drag: null,           // {kind: "paint"|"pan"|"edge", ...}
  space: false, tab: false,
  mode: "remove",
  job: null,            // {id, es, mode, extend}
  jobState: "idle",
  staged: null,         // {jobId, mode, extend, items: [{url, blob, canvas, seed, info}], index}
  currentBlob: null, currentName: "image.png",
  strengths: { inpaint: 1, variations: 0.6, outpaint: 1 },
};

// ---------- small helpers ----------
function canvasOf(w, h, readback = false) {
  const c = document.createElement("canvas"); c.width = w; c.height = h;
  if (readback) c.getContext("2d", { willReadFrequently: true });  // masks and images are read back (counts, tests)
  return c;
}
function copyCanvas(src) { const c = canvasOf(src.width, src.height, true); c.getContext("2d").drawImage(src, 0, 0); return c; }
function clamp(v, a, b) { return Math.max(a, Math.min(b, v)); }
function num(id, dflt) { const v = Number($(id).value); return Number.isFinite(v) && $(id).value !== "" ? v : dflt; }
function fmtSecs(s) { if (s == null || !isFinite(s)) return ""; s = Math.round(s); return s >= 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s} s`; }

function message(text, kind = "info") {
  const m = $("message");
  if (!text) { m.hidden = true; m.textContent = ""; m.className = ""; return; }
  m.hidden = false; m.textContent = text; m.className = kind; m.dataset.kind = kind;
}
function setJobState(s) { S.jobState = s; $("job-state").textContent = s; $("job-state").dataset.state = s; updateButtons(); }

// ---------- parameters, remembered in localStorage ----------
function saveParams() {
  const o = { mode: S.mode, seedRandom: $("seed-random").checked, brush: S.brush, strengths: S.strengths,
    maskColor: $("mask-color").value, featherPreview: $("feather-preview").checked };
  for (const id of PARAM_IDS) o[id] = $(id).value;
  try { localStorage.setItem(STORE, JSON.stringify(o)); } catch (_) { /* private mode */ }
}
function loadParams() {
  let o = null;
  try { o = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (_) { o = null; }
  if (!o) return;
  for (const id of PARAM_IDS) if (o[id] != null && id !== "sampler") $(id).value = o[id];
  S.pendingSampler = o.sampler || "";
  if (typeof o.seedRandom === "boolean") $("seed-random").checked = o.seedRandom;
  if (o.brush) setBrush(o.brush, false);
  if (o.strengths) Object.assign(S.strengths, o.strengths);
  if (o.maskColor) $("mask-color").value = o.maskColor;
  if (typeof o.featherPreview === "boolean") $("feather-preview").checked = o.featherPreview;
  if (o.mode) S.mode = o.mode;
}

// ---------- server info ----------
async function loadInfo() {
  try {
    const r = await fetch(`${API}/info`, { cache: "no-store" });
    if (!r.ok) throw new Error(`HTTP ${r.status}`);
    S.info = await r.json();
  } catch (e) {
    S.info = null;
    message(`The Retouch server is offline or unreachable (${e.message}). Retrying…`, "error");
    setTimeout(loadInfo, 3000);
    updateModes();
    return;
  }
  if ($("message").dataset.kind === "error" && /offline/.test($("message").textContent)) message("");
  const sel = $("sampler");
  const want = S.pendingSampler ?? sel.value;
  sel.length = 1;
  for (const name of S.info.samplers || []) { const o = document.createElement("option"); o.value = o.textContent = name; sel.append(o); }
  sel.value = [...sel.options].some((o) => o.value === want) ? want : "";
  S.pendingSampler = null;
  updateModes();
}
function modeNeedsModel(m) { return (S.info?.modes_needing_model ?? MODEL_MODES_DEFAULT).includes(m); }
function modeAvailable(m) {
  if (!S.info) return m === "remove";
  if (S.info.modes && !S.info.modes.includes(m)) return false;
  return !(modeNeedsModel(m) && S.info.model == null);
}
function updateModes() {
  const note = $("model-note");
  const noModel = S.info && S.info.model == null;
  for (const r of document.querySelectorAll('input[name="mode"]')) {
    r.disabled = !modeAvailable(r.value);
    r.parentElement.title = r.disabled && noModel ? `${r.value}: needs a model; start the server with --model` : r.parentElement.title;
  }
  note.hidden = !noModel;
  note.textContent = noModel ? "The server has no model loaded, so only Remove works. Start `retouch serve --model <folder>` for Inpaint, Outpaint and Variations." : "";
  if (!modeAvailable(S.mode)) S.mode = "remove";
  setMode(S.mode, false);
}

// ---------- modes ----------
function setMode(m, save = true) {
  if (S.mode !== m && S.mode in S.strengths) S.strengths[S.mode] = num("strength", S.strengths[S.mode]);
  S.mode = m;
  for (const r of document.querySelectorAll('input[name="mode"]')) r.checked = r.value === m;
  const show = (sel, on) => document.querySelectorAll(sel).forEach((e) => e.classList.toggle("hidden-by-mode", !on));
  show(".needs-prompt", m !== "remove");
  show(".needs-model", m !== "remove");
  show(".needs-strength", m === "inpaint" || m === "variations");
  show(".needs-mask", m === "remove" || m === "inpaint");
  $("outpaint-box").hidden = m !== "outpaint";
  if (m in S.strengths) $("strength").value = S.strengths[m];
  $("run").textContent = { remove: "Remove", inpaint: "Inpaint", outpaint: "Outpaint", variations: "Make variations" }[m];
  if (save) saveParams();
  updateButtons(); render();
}

// ---------- opening a photo ----------
async function openBlob(blob, name = "image") {
  let bmp;
  try {
    bmp = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
  } catch (e) {
    message(`Cannot open ${name}: not an image this browser can decode.`, "error"); return;
  }
  const c = canvasOf(bmp.width, bmp.height);
  c.getContext("2d").drawImage(bmp, 0, 0);
  bmp.close?.();
  const mp = S.info?.max_pixels;
  if (mp && c.width * c.height > mp) {
    message(`${name} is ${c.width}x${c.height} = ${c.width * c.height} pixels; the server accepts at most ${mp} (max_pixels). It is shown, but running is blocked: shrink it first.`, "error");
  } else message("");
  S.original = c;
  S.currentName = (name.replace(/\.[^.]*$/, "") || "image");
  S.currentBlob = blob.type === "image/png" ? blob : null;
  S.history = []; S.hpos = -1;
  setImage(c, canvasOf(c.width, c.height, true), { left: 0, top: 0, right: 0, bottom: 0 });
  pushHistory();
  discardStaged();
  fit();
  $("drop-hint").hidden = true;
}
function setImage(img, mask, extend) {
  S.image = img; S.mask = mask; S.extend = { ...extend };
  S.overlayDirty = true;
  $("image-size").textContent = `${img.width}x${img.height}`;
  $("image-size").dataset.width = img.width; $("image-size").dataset.height = img.height;
  updateExtendUI(); updateButtons(); render();
}

// ---------- history: snapshots of (image, mask, extend); images are never mutated, masks are copied ----------
function pushHistory() {
  S.history.length = S.hpos + 1;
  S.history.push({ image: S.image, mask: copyCanvas(S.mask), extend: { ...S.extend }, blob: S.currentBlob });
  if (S.history.length > 60) S.history.shift();
  S.hpos = S.history.length - 1;
  updateButtons();
}
function restore(h) {
  S.currentBlob = h.blob;
  setImage(h.image, copyCanvas(h.mask), h.extend);
}
function undo() { if (S.drag || S.hpos <= 0) return; S.hpos--; restore(S.history[S.hpos]); }
function redo() { if (S.drag || S.hpos >= S.history.length - 1) return; S.hpos++; restore(S.history[S.hpos]); }

// ---------- mask operations ----------
function clearMask() { if (!S.mask) return; S.mask.getContext("2d").clearRect(0, 0, S.mask.width, S.mask.height); maskChanged(); pushHistory(); }
function invertMask() {
  if (!S.mask) return;
  const n = canvasOf(S.mask.width, S.mask.height, true), c = n.getContext("2d");
  c.fillStyle = "#fff"; c.fillRect(0, 0, n.width, n.height);
  c.globalCompositeOperation = "destination-out"; c.drawImage(S.mask, 0, 0);
  S.mask = n; maskChanged(); pushHistory();
}
function maskChanged() { S.overlayDirty = true; render(); }
function maskPixelCount() {
  if (!S.mask) return 0;
  const d = S.mask.getContext("2d").getImageData(0, 0, S.mask.width, S.mask.height).data;
  let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] >= 128) n++;
  return n;
}
function maskDataURL() {
  const c = canvasOf(S.mask.width, S.mask.height), x = c.getContext("2d");
  x.fillStyle = "#000"; x.fillRect(0, 0, c.width, c.height); x.drawImage(S.mask, 0, 0);
  return c.toDataURL("image/png");
}
function buildOverlay() {
  const m = S.mask; if (!m) return;
  const o = S.overlay && S.overlay.width === m.width && S.overlay.height === m.height ? S.overlay : canvasOf(m.width, m.height);
  const c = o.getContext("2d");
  c.clearRect(0, 0, o.width, o.height);
  const blur = num("mask_blur", 4);
  const feather = $("feather-preview").checked && blur > 0 && (S.mode === "remove" || S.mode === "inpaint");
  c.filter = feather ? `blur(${blur}px)` : "none";
  c.drawImage(m, 0, 0);
  c.filter = "none";
  c.globalCompositeOperation = "source-in";
  c.fillStyle = $("mask-color").value; c.fillRect(0, 0, o.width, o.height);
  c.globalCompositeOperation = "source-over";
  S.overlay = o; S.overlayDirty = false;
}

// ---------- view: doc coords are image pixels, origin at the image's top-left ----------
function docRect() {
  const e = S.extend, w = S.image ? S.image.width : 0, h = S.image ? S.image.height : 0;
  return { x: -e.left, y: -e.top, w: w + e.left + e.right, h: h + e.top + e.bottom };
}
function resizeCanvas() {
  const dpr = window.devicePixelRatio || 1, r = view.getBoundingClientRect();
  view.width = Math.max(1, Math.round(r.width * dpr)); view.height = Math.max(1, Math.round(r.height * dpr));
  render();
}
function fit() {
  if (!S.image) return;
  const r = view.getBoundingClientRect(), d = docRect(), pad = 24;
  S.scale = clamp(Math.min((r.width - pad * 2) / d.w, (r.height - pad * 2) / d.h), 0.02, 32);
  S.ox = (r.width - d.w * S.scale) / 2 - d.x * S.scale;
  S.oy = (r.height - d.h * S.scale) / 2 - d.y * S.scale;
  render();
}
function zoomAt(factor, cx, cy) {
  const s2 = clamp(S.scale * factor, 0.02, 32);
  S.ox = cx - (cx - S.ox) * (s2 / S.scale); S.oy = cy - (cy - S.oy) * (s2 / S.scale);
  S.scale = s2; render();
}
function zoomCenter(f) { const r = view.getBoundingClientRect(); const p = S.pointer && S.pointerInside ? S.pointer : { x: r.width / 2, y: r.height / 2 }; zoomAt(f, p.x, p.y); }
function toDoc(p) { return { x: (p.x - S.ox) / S.scale, y: (p.y - S.oy) / S.scale }; }
function localPos(e) { const r = view.getBoundingClientRect(); return { x: e.clientX - r.left, y: e.clientY - r.top }; }

let checker = null;
function checkerPattern() {
  if (checker) return checker;
  const c = canvasOf(16, 16), x = c.getContext("2d");
  x.fillStyle = "#9a9a9a"; x.fillRect(0, 0, 16, 16); x.fillStyle = "#d0d0d0"; x.fillRect(0, 0, 8, 8); x.fillRect(8, 8, 8, 8);
  checker = vctx.createPattern(c, "repeat"); return checker;
}

let renderQueued = false;
function render() { if (!renderQueued) { renderQueued = true; requestAnimationFrame(draw); } }
function drawScene(which) {
  // which: "after" (current or staged candidate) or "before"
  const d = docRect();
  const st = S.staged;
  if (which === "after" && st) {
    const it = st.items[st.index];
    const e = st.extend;
    vctx.drawImage(it.canvas, -e.left, -e.top);
    return;
  }
  if (which === "before" && !st) { // the photo as opened
    vctx.fillStyle = checkerPattern(); vctx.fillRect(d.x, d.y, d.w, d.h);
    if (S.original) vctx.drawImage(S.original, 0, 0);
    return;
  }
  vctx.save(); vctx.fillStyle = checkerPattern(); vctx.fillRect(d.x, d.y, d.w, d.h); vctx.restore();
  vctx.drawImage(S.image, 0, 0);
}
function draw() {
  renderQueued = false;
  const dpr = window.devicePixelRatio || 1;
  vctx.setTransform(1, 0, 0, 1, 0, 0);
  vctx.clearRect(0, 0, view.width, view.height);
  $("zoom-level").textContent = `${Math.round(S.scale * 100)}%`;
  $("zoom-level").dataset.scale = S.scale.toFixed(4);
  if (!S.image) return;
  vctx.setTransform(dpr * S.scale, 0, 0, dpr * S.scale, dpr * S.ox, dpr * S.oy);
  vctx.imageSmoothingEnabled = S.scale < 2;
  const wipe = Number($("wipe").value) / 100; // 0 = all after, 1 = all before
  const d = docRect();
  const staged = S.staged && S.staged.items.length;
  if (S.tab) drawScene("before");
  else {
    drawScene("after");
    if (wipe > 0) {
      const wx = d.x + d.w * wipe; // before on the left of wx
      vctx.save(); vctx.beginPath(); vctx.rect(d.x - 1e5, d.y - 1e5, wx - d.x + 1e5, d.h + 2e5); vctx.clip();
      vctx.clearRect(d.x, d.y, wx - d.x, d.h); drawScene("before"); vctx.restore();
      vctx.save(); vctx.setTransform(1, 0, 0, 1, 0, 0); vctx.strokeStyle = "#fff"; vctx.lineWidth = 2 * dpr;
      const sx = dpr * (S.ox + wx * S.scale); vctx.beginPath(); vctx.moveTo(sx, dpr * (S.oy + d.y * S.scale)); vctx.lineTo(sx, dpr * (S.oy + (d.y + d.h) * S.scale)); vctx.stroke(); vctx.restore();
    }
  }
  // live preview of a running job, stretched over the area it will cover
  const pv = S.job?.preview;
  if (pv && !S.tab) {
    const e = S.job.extend, w = S.job.image.width + e.left + e.right, h = S.job.image.height + e.top + e.bottom;
    vctx.globalAlpha = 0.85; vctx.drawImage(pv, -e.left, -e.top, w, h); vctx.globalAlpha = 1;
  }
  $("compare-label").textContent = S.tab || wipe > 0 ? (staged ? "before = current image" : "before = photo as opened") : "";
  // mask overlay (not over a staged result, not in outpaint/variations)
  if (!staged && !S.tab && (S.mode === "remove" || S.mode === "inpaint")) {
    if (S.overlayDirty) buildOverlay();
    vctx.globalAlpha = 0.5; vctx.drawImage(S.overlay, 0, 0); vctx.globalAlpha = 1;
  }
  // outpaint frame: photo edge and the feather band
  if (S.mode === "outpaint" && !staged) {
    const lw = 1 / S.scale;
    vctx.lineWidth = 2 * lw; vctx.strokeStyle = "#4b88e6"; vctx.strokeRect(d.x, d.y, d.w, d.h);
    const f = num("feather", 32), e = S.extend;
    vctx.setLineDash([6 * lw, 4 * lw]); vctx.lineWidth = lw; vctx.strokeStyle = "#ffd060";
    const fx = e.left ? f : 0, fy = e.top ? f : 0, fr = e.right ? f : 0, fb = e.bottom ? f : 0;
    vctx.strokeRect(fx, fy, S.image.width - fx - fr, S.image.height - fy - fb);
    vctx.setLineDash([]);
  }
  // brush cursor
  if (S.pointer && S.pointerInside && !staged && (S.mode === "remove" || S.mode === "inpaint") && !S.space && S.drag?.kind !== "pan") {
    vctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const r = Math.max(1, (S.brush / 2) * S.scale);
    vctx.lineWidth = 1.5; vctx.strokeStyle = "#000"; vctx.beginPath(); vctx.arc(S.pointer.x, S.pointer.y, r, 0, Math.PI * 2); vctx.stroke();
    vctx.lineWidth = 1; vctx.strokeStyle = S.tool === "eraser" ? "#8cf" : "#fff"; vctx.beginPath(); vctx.arc(S.pointer.x, S.pointer.y, r, 0, Math.PI * 2); vctx.stroke();
  }
  view.classList.toggle("pan", S.space || S.drag?.kind === "pan" || !(S.mode === "remove" || S.mode === "inpaint") || !!staged);
}

// ---------- pointer input ----------
function edgeAt(p) {
  if (S.mode !== "outpaint" || !S.image || S.staged) return null;
  const d = docRect(), t = 8;
  const L = S.ox + d.x * S.scale, T = S.oy + d.y * S.scale, R = L + d.w * S.scale, B = T + d.h * S.scale;
  const inY = p.y > T - t && p.y < B + t, inX = p.x > L - t && p.x < R + t;
  if (inY && Math.abs(p.x - L) < t) return "left";
  if (inY && Math.abs(p.x - R) < t) return "right";
  if (inX && Math.abs(p.y - T) < t) return "top";
  if (inX && Math.abs(p.y - B) < t) return "bottom";
  return null;
}
function paintSeg(a, b) {
  const c = S.mask.getContext("2d");
  c.save();
  c.globalCompositeOperation = S.drag.erase ? "destination-out" : "source-over";
  c.strokeStyle = c.fillStyle = "#fff"; c.lineWidth = S.brush; c.lineCap = c.lineJoin = "round";
  if (a.x === b.x && a.y === b.y) { c.beginPath(); c.arc(a.x, a.y, S.brush / 2, 0, Math.PI * 2); c.fill(); }
  else { c.beginPath(); c.moveTo(a.x, a.y); c.lineTo(b.x, b.y); c.stroke(); }
  c.restore();
  maskChanged();
}
view.addEventListener("pointerdown", (e) => {
  if (!S.image) return;
  view.focus({ preventScroll: true });
  const p = localPos(e);
  S.pointer = p; S.pointerInside = true;
  if (e.button === 1 || (e.button === 0 && S.space)) {
    S.drag = { kind: "pan", x: p.x, y: p.y, ox: S.ox, oy: S.oy };
  } else if (e.button === 0 && edgeAt(p)) {
    S.drag = { kind: "edge", side: edgeAt(p), start: p, orig: { ...S.extend } };
  } else if (e.button === 0 && !S.staged && (S.mode === "remove" || S.mode === "inpaint")) {
    const q = toDoc(p);
    S.drag = { kind: "paint", last: q, erase: S.tool === "eraser" || e.altKey };
    paintSeg(q, q);
  } else if (e.button === 0) {
    S.drag = { kind: "pan", x: p.x, y: p.y, ox: S.ox, oy: S.oy };
  } else return;
  view.setPointerCapture(e.pointerId);  // the stroke keeps going when the pointer leaves the canvas
  e.preventDefault();
  render();
});
view.addEventListener("pointermove", (e) => {
  const p = localPos(e);
  S.pointer = p;
  const r = view.getBoundingClientRect();
  S.pointerInside = p.x >= 0 && p.y >= 0 && p.x <= r.width && p.y <= r.height;
  const d = S.drag;
  if (d?.kind === "pan") { S.ox = d.ox + p.x - d.x; S.oy = d.oy + p.y - d.y; }
  else if (d?.kind === "paint") {
    const evs = e.getCoalescedEvents ? e.getCoalescedEvents() : [e];
    for (const ce of evs.length ? evs : [e]) { const q = toDoc(localPos(ce)); paintSeg(d.last, q); d.last = q; }
  } else if (d?.kind === "edge") {
    const dx = (p.x - d.start.x) / S.scale, dy = (p.y - d.start.y) / S.scale;
    const delta = { left: -dx, right: dx, top: -dy, bottom: dy }[d.side];
    S.extend[d.side] = Math.max(0, Math.round((d.orig[d.side] + delta) / 8) * 8);
    updateExtendUI();
  } else {
    const ed = edgeAt(p);
    view.classList.toggle("edge-h", ed === "left" || ed === "right");
    view.classList.toggle("edge-v", ed === "top" || ed === "bottom");
  }
  render();
});
function endDrag(e) {
  const d = S.drag; if (!d) return;
  S.drag = null;
  try { view.releasePointerCapture(e.pointerId); } catch (_) { /* not captured */ }
  if (d.kind === "paint") pushHistory();
  render();
}
view.addEventListener("pointerup", endDrag);
view.addEventListener("pointercancel", endDrag);
view.addEventListener("pointerleave", () => { if (!S.drag) { S.pointerInside = false; render(); } });
view.addEventListener("auxclick", (e) => e.preventDefault());
view.addEventListener("wheel", (e) => {
  if (!S.image) return;
  e.preventDefault();
  const p = localPos(e);
  zoomAt(Math.pow(1.0015, -e.deltaY), p.x, p.y);
}, { passive: false });

// ---------- outpaint margins ----------
function buildExtendUI() {
  for (const box of document.querySelectorAll(".side")) {
    const side = box.dataset.side;
    box.innerHTML = "";
    const out = document.createElement("output"); out.id = `extend-${side}`; out.dataset.testid = `extend-${side}`; out.textContent = "0";
    const row = document.createElement("div");
    for (const n of [64, 128]) {
      const b = document.createElement("button");
      b.textContent = `+${n}`; b.dataset.testid = `extend-${side}-${n}`; b.title = `Add ${n} px on the ${side}`; b.setAttribute("aria-label", b.title);
      b.addEventListener("click", () => { S.extend[side] += n; updateExtendUI(); render(); fit(); });
      row.append(b);
    }
    const z = document.createElement("button"); z.textContent = "0"; z.dataset.testid = `extend-${side}-0`; z.title = `No margin on the ${side}`; z.setAttribute("aria-label", z.title);
    z.addEventListener("click", () => { S.extend[side] = 0; updateExtendUI(); render(); });
    row.append(z);
    box.append(side, out, row);
  }
}
function updateExtendUI() { for (const s of ["left", "top", "right", "bottom"]) { const o = $(`extend-${s}`); if (o) o.textContent = String(S.extend[s]); } updateButtons(); }

// ---------- jobs ----------
function buildRequest() {
  const m = S.mode, p = { mode: m, image: S.image.toDataURL("image/png") };
  if (m === "remove" || m === "inpaint") { p.mask = maskDataURL(); p.mask_blur = num("mask_blur", 4); }
  if (m !== "remove") {
    p.prompt = $("prompt").value; p.negative_prompt = $("negative_prompt").value;
    p.steps = Math.round(num("steps", 20)); p.guidance = num("guidance", 7.5);
    if ($("sampler").value) p.sampler = $("sampler").value;
    p.seed = $("seed-random").checked ? -1 : Math.round(num("seed", -1));
    p.count = Math.round(num("count", 1));
    p.preview_every = 5;
  }
  if (m === "inpaint" || m === "variations") p.strength = num("strength", m === "inpaint" ? 1 : 0.6);
  if (m === "outpaint") { p.extend = { ...S.extend }; p.feather = Math.round(num("feather", 32)); }
  return p;
}
function preflight() {
  if (!S.image) return "Open a photo first.";
  if (!modeAvailable(S.mode)) return `${S.mode} needs a model, and the server has none (or is offline).`;
  if ((S.mode === "remove" || S.mode === "inpaint") && maskPixelCount() === 0) return "Paint a mask first: white = the part to " + (S.mode === "remove" ? "remove." : "repaint.");
  const e = S.extend;
  if (S.mode === "outpaint" && !(e.left || e.top || e.right || e.bottom)) return "Add a margin first: use the +64/+128 buttons or drag an edge of the photo.";
  const mp = S.info?.max_pixels, d = docRect();
  const pixels = S.mode === "outpaint" ? d.w * d.h : S.image.width * S.image.height;
  if (mp && pixels > mp) return `Image too large: ${S.mode === "outpaint" ? `${d.w}x${d.h}` : `${S.image.width}x${S.image.height}`} = ${pixels} pixels, the server's limit is ${mp} (max_pixels).`;
  return null;
}
async function run() {
  if (S.job) return;
  const bad = preflight();
  if (bad) { message(bad, "error"); return; }
  saveParams();
  const req = buildRequest();
  const body = JSON.stringify(req);
  const maxBody = S.info?.max_body_bytes;
  if (maxBody && body.length > maxBody) { message(`Image too large: the request is ${body.length} bytes, the server accepts ${maxBody} (max_body_bytes).`, "error"); return; }
  message(""); discardStaged();
  setJobState("submitting");
  let r;
  try {
    r = await fetch(`${API}/jobs`, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  } catch (e) {
    setJobState("error"); message(`The Retouch server is offline or unreachable: ${e.message}`, "error"); return;
  }
  if (!r.ok) {
    let err = {}; try { err = await r.json(); } catch (_) { /* not JSON */ }
    const detail = err.detail || err.error || r.statusText;
    setJobState("error");
    if (r.status === 503) message(`The server is busy (its queue is full): ${detail}. Try again in a moment.`, "error");
    else if (r.status === 413) message(`Image too large for the server: ${detail}`, "error");
    else message(`The server refused the job (HTTP ${r.status}${err.error ? ", " + err.error : ""}): ${detail}`, "error");
    return;
  }
  const { id, position } = await r.json();
  S.job = { id, mode: req.mode, extend: { ...S.extend }, image: S.image };
  showProgress(true);
  setProgress(0, req.steps || 0, null, position ? `queued (${position} ahead)` : "queued");
  setJobState("queued");
  listen(id);
}
function listen(id) {
  const es = new EventSource(`${API}/jobs/${encodeURIComponent(id)}/events`);
  S.job.es = es;
  const data = (ev) => { try { return JSON.parse(ev.data || "{}"); } catch (_) { return {}; } };
  es.addEventListener("queued", (ev) => { const d = data(ev); setJobState("queued"); setProgress(0, 0, null, d.position ? `queued (${d.position} ahead)` : "queued"); });
  es.addEventListener("started", () => { setJobState("running"); setProgress(0, 0, null, "started"); });
  es.addEventListener("progress", (ev) => {
    const d = data(ev); setJobState("running");
    setProgress(d.step, d.steps, d.eta);
    if (d.preview) {
      $("preview").src = d.preview; $("preview").hidden = false;
      const im = new Image(); im.onload = () => { if (S.job) { S.job.preview = im; render(); } }; im.src = d.preview;
    }
  });
  es.addEventListener("done", (ev) => { finish(); received(id, data(ev)); });
  es.addEventListener("error", (ev) => {
    if (ev.data === undefined) { // transport error, not the job's error event
      if (es.readyState === EventSource.CLOSED || S.job) {
        // EventSource reconnects by itself; the stream replays the current state. Give up only if closed.
        if (es.readyState === EventSource.CLOSED) { finish(); setJobState("error"); message("Lost the connection to the server while the job ran.", "error"); }
        else message("Connection to the server interrupted; reconnecting…", "info");
      }
      return;
    }
    const d = data(ev); finish(); setJobState("error");
    message(`The job failed${d.error ? ` (${d.error})` : ""}: ${d.detail || "no detail given"}`, "error");
  });
  es.addEventListener("cancelled", () => { finish(); setJobState("cancelled"); message("Cancelled. Nothing was kept.", "info"); });
}
function finish() { if (S.job?.es) S.job.es.close(); showProgress(false); }
async function cancel() {
  if (!S.job) return;
  $("cancel").disabled = true; $("progress-text").textContent = "cancelling…";
  try { await fetch(`${API}/jobs/${encodeURIComponent(S.job.id)}/cancel`, { method: "POST" }); }
  catch (e) { message(`Could not reach the server to cancel: ${e.message}`, "error"); }
}
function showProgress(on) {
  $("progress-box").hidden = !on; $("cancel").disabled = !on;
  if (!on) { S.lastJob = S.job; S.job = null; $("preview").hidden = true; $("preview").removeAttribute("src"); render(); }
  updateButtons();
}
function setProgress(step, steps, eta, text) {
  const bar = $("progress-bar");
  if (steps) { bar.max = steps; bar.value = step; } else { bar.removeAttribute("value"); }
  $("progress-text").textContent = text ?? `step ${step}/${steps}${eta != null ? ` · ETA ${fmtSecs(eta)}` : ""}`;
  $("progress-box").dataset.step = step || 0; $("progress-box").dataset.steps = steps || 0;
}
async function received(id, d) {
  const job = S.lastJob || {};
  setJobState("fetching");
  const items = [];
  try {
    for (let n = 0; n < (d.images || []).length; n++) {
      const url = d.images[n].replace(/^\//, "");  // relative to the page
      const r = await fetch(url);
      if (!r.ok) throw new Error(`${d.images[n]}: HTTP ${r.status}`);
      const blob = await r.blob();
      const bmp = await createImageBitmap(blob, { colorSpaceConversion: "none", premultiplyAlpha: "none" });
      const c = canvasOf(bmp.width, bmp.height); c.getContext("2d").drawImage(bmp, 0, 0); bmp.close?.();
      items.push({ url, blob, canvas: c, seed: d.seeds?.[n], info: d.infotexts?.[n] ?? (n === 0 ? d.info : ""), n });
    }
  } catch (e) { setJobState("error"); message(`Could not fetch the result: ${e.message}`, "error"); return; }
  if (!items.length) { setJobState("error"); message("The job finished without images.", "error"); return; }
  S.staged = { jobId: id, mode: job.mode, extend: job.mode === "outpaint" ? job.extend : { left: 0, top: 0, right: 0, bottom: 0 }, items, index: 0, base: job.image };
  if (items[0].seed != null && job.mode !== "remove") $("seed").dataset.returned = items[0].seed;
  setJobState("done");
  message(`Done: ${items.length} result${items.length > 1 ? "s" : ""}. Accept (Y) or discard (N).`, "ok");
  updateStaging(); render();
}
function updateStaging() {
  const st = S.staged;
  $("staging").hidden = !st;
  if (st) {
    const it = st.items[st.index];
    $("staging-index").textContent = `${st.index + 1} / ${st.items.length}`;
    $("staging-seed").textContent = it.seed != null && st.mode !== "remove" ? `seed ${it.seed}` : "";
    $("staging-seed").dataset.seed = it.seed ?? "";
    $("staging-info").textContent = it.info || "";
    $("reuse-seed").hidden = it.seed == null || st.mode === "remove";
    $("cand-prev").disabled = st.index === 0; $("cand-next").disabled = st.index >= st.items.length - 1;
  }
  updateButtons();
}
function stepCandidate(k) { const st = S.staged; if (!st) return; st.index = clamp(st.index + k, 0, st.items.length - 1); updateStaging(); render(); }
function acceptStaged() {
  const st = S.staged; if (!st) return;
  const it = st.items[st.index], e = st.extend;
  const m = canvasOf(it.canvas.width, it.canvas.height, true);
  if (st.mode === "outpaint") m.getContext("2d").drawImage(S.mask, e.left, e.top);  // keep the mask where it was on the photo
  // remove/inpaint: the mask was used up, start clean; variations keep it
  else if (st.mode === "variations") m.getContext("2d").drawImage(S.mask, 0, 0);
  S.currentBlob = it.blob; S.currentJob = { id: st.jobId, n: it.n };
  S.staged = null;
  setImage(it.canvas, m, { left: 0, top: 0, right: 0, bottom: 0 });
  pushHistory();
  updateStaging(); message("Accepted. Undo (Ctrl+Z) brings the previous image back.", "ok");
  if (st.mode === "outpaint") fit();
}
function discardStaged() {
  const had = !!S.staged; S.staged = null; updateStaging(); render();
  if (had) { message("Discarded.", "info"); if (S.jobState === "done") setJobState("idle"); }
}
function saveBlob(blob, name) {
  const a = document.createElement("a"), url = URL.createObjectURL(blob);
  a.href = url; a.download = name; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
function downloadStaged() {
  const st = S.staged; if (!st) return;
  const it = st.items[st.index];  // the server's bytes, untouched: they carry the parameters chunk
  saveBlob(it.blob, `${S.currentName}-${st.mode}-${st.jobId}-${it.n}.png`);
}
function downloadCurrent() {
  if (S.staged) return downloadStaged();
  if (!S.image) return;
  if (S.currentBlob) return saveBlob(S.currentBlob, `${S.currentName}${S.currentJob ? `-${S.currentJob.id}-${S.currentJob.n}` : ""}.png`);
  S.image.toBlob((b) => b && saveBlob(b, `${S.currentName}.png`), "image/png");  // a JPEG/TIFF as opened: no parameters to keep
}

// ---------- buttons ----------
function updateButtons() {
  const has = !!S.image, busy = !!S.job, staged = !!S.staged;
  for (const id of ["mask-clear", "mask-invert"]) $(id).disabled = !has || staged;
  $("undo").disabled = S.hpos <= 0 || staged;
  $("redo").disabled = S.hpos >= S.history.length - 1 || staged;
  for (const id of ["zoom-in", "zoom-out", "zoom-fit", "download-current"]) $(id).disabled = !has;
  $("run").disabled = !has || busy || !modeAvailable(S.mode);
  $("tool-brush").classList.toggle("active", S.tool === "brush");
  $("tool-eraser").classList.toggle("active", S.tool === "eraser");
  $("tool-brush").setAttribute("aria-pressed", S.tool === "brush"); $("tool-eraser").setAttribute("aria-pressed", S.tool === "eraser");
  const st = $("state");
  st.dataset.mode = S.mode; st.dataset.job = S.jobState; st.dataset.staged = staged ? S.staged.items.length : 0;
  st.textContent = JSON.stringify({ mode: S.mode, job: S.jobState, image: has ? `${S.image.width}x${S.image.height}` : null, staged: staged ? S.staged.items.length : 0, extend: S.extend, history: [S.hpos, S.history.length] });
}
function setBrush(v, save = true) {
  S.brush = clamp(Math.round(v), 1, 500);
  $("brush-size").value = S.brush; $("brush-size-out").textContent = `${S.brush} px`;
  if (save) saveParams();
  render();
}
function setTool(t) { S.tool = t; updateButtons(); render(); }
function toggleHelp(on = $("help").hidden) { $("help").hidden = !on; if (on) $("help-close").focus(); }

$("file").addEventListener("change", (e) => { const f = e.target.files?.[0]; if (f) openBlob(f, f.name); e.target.value = ""; });
$("tool-brush").addEventListener("click", () => setTool("brush"));
$("tool-eraser").addEventListener("click", () => setTool("eraser"));
$("brush-size").addEventListener("input", (e) => setBrush(Number(e.target.value)));
$("mask-clear").addEventListener("click", clearMask);
$("mask-invert").addEventListener("click", invertMask);
$("mask-color").addEventListener("input", () => { S.overlayDirty = true; saveParams(); render(); });
$("feather-preview").addEventListener("change", () => { S.overlayDirty = true; saveParams(); render(); });
$("mask_blur").addEventListener("input", () => { S.overlayDirty = true; render(); });
$("feather").addEventListener("input", render);
$("undo").addEventListener("click", undo);
$("redo").addEventListener("click", redo);
$("zoom-in").addEventListener("click", () => zoomCenter(1.25));
$("zoom-out").addEventListener("click", () => zoomCenter(0.8));
$("zoom-fit").addEventListener("click", fit);
$("extend-reset").addEventListener("click", () => { S.extend = { left: 0, top: 0, right: 0, bottom: 0 }; updateExtendUI(); fit(); });
$("download-current").addEventListener("click", downloadCurrent);
$("help-button").addEventListener("click", () => toggleHelp());
$("help-close").addEventListener("click", () => toggleHelp(false));
$("help").addEventListener("click", (e) => { if (e.target === $("help")) toggleHelp(false); });
$("run").addEventListener("click", run);
$("cancel").addEventListener("click", cancel);
$("cand-prev").addEventListener("click", () => stepCandidate(-1));
$("cand-next").addEventListener("click", () => stepCandidate(1));
$("accept").addEventListener("click", acceptStaged);
$("reuse-seed").addEventListener("click", () => {
  const it = S.staged?.items[S.staged.index]; if (it?.seed == null) return;
  $("seed").value = it.seed; $("seed-random").checked = false; saveParams();
});
$("discard").addEventListener("click", discardStaged);
$("download").addEventListener("click", downloadStaged);
$("wipe").addEventListener("input", render);
for (const r of document.querySelectorAll('input[name="mode"]')) r.addEventListener("change", () => setMode(r.value));
for (const id of PARAM_IDS) $(id).addEventListener("change", saveParams);
$("seed-random").addEventListener("change", saveParams);
$("strength").addEventListener("change", () => { if (S.mode in S.strengths) S.strengths[S.mode] = num("strength", 1); saveParams(); });

// drag and drop, paste
const stage = $("stage");
stage.addEventListener("dragover", (e) => { e.preventDefault(); stage.classList.add("dragover"); });
stage.addEventListener("dragleave", () => stage.classList.remove("dragover"));
stage.addEventListener("drop", (e) => {
  e.preventDefault(); stage.classList.remove("dragover");
  const f = [...(e.dataTransfer?.files || [])].find((x) => x.type.startsWith("image/")) || e.dataTransfer?.files?.[0];
  if (f) openBlob(f, f.name);
});
document.addEventListener("paste", (e) => {
  const item = [...(e.clipboardData?.items || [])].find((i) => i.kind === "file" && i.type.startsWith("image/"));
  if (item) { e.preventDefault(); const f = item.getAsFile(); openBlob(f, f.name || "pasted.png"); }
});

// keyboard
function typing(e) { const t = e.target; return t && (t.tagName === "TEXTAREA" || (t.tagName === "INPUT" && !["range", "checkbox", "radio", "color", "button", "file"].includes(t.type)) || t.tagName === "SELECT"); }
document.addEventListener("keydown", (e) => {
  const ctrl = e.ctrlKey || e.metaKey, k = e.key;
  if (ctrl && k === "Enter") { e.preventDefault(); run(); return; }
  if (!$("help").hidden && (k === "Escape" || k === "?")) { e.preventDefault(); toggleHelp(false); return; }
  if (typing(e)) return;
  if (ctrl && (k === "z" || k === "Z")) { e.preventDefault(); if (e.shiftKey) redo(); else undo(); return; }
  if (ctrl && (k === "y" || k === "Y")) { e.preventDefault(); redo(); return; }
  if (ctrl && (k === "s" || k === "S")) { e.preventDefault(); downloadCurrent(); return; }
  if (ctrl || e.altKey) return;
  switch (k) {
    case "Tab": e.preventDefault(); if (!S.tab) { S.tab = true; render(); } return;
    case " ": e.preventDefault(); if (!S.space) { S.space = true; render(); } return;
    case "[": setBrush(S.brush - Math.max(1, Math.round(S.brush * 0.1))); return;
    case "]": setBrush(S.brush + Math.max(1, Math.round(S.brush * 0.1))); return;
    case "+": case "=": zoomCenter(1.25); return;
    case "-": case "_": zoomCenter(0.8); return;
    case "f": case "F": case "r": case "R": case "Escape": fit(); return;
    case "b": case "B": setTool("brush"); return;
    case "e": case "E": setTool("eraser"); return;
    case "i": case "I": invertMask(); return;
    case "?": toggleHelp(true); return;
    case "ArrowLeft": if (S.staged) { e.preventDefault(); stepCandidate(-1); } return;
    case "ArrowRight": if (S.staged) { e.preventDefault(); stepCandidate(1); } return;
    case "y": case "Y": case "Enter": if (S.staged) { e.preventDefault(); acceptStaged(); } return;
    case "n": case "N": if (S.staged) { e.preventDefault(); discardStaged(); } return;
  }
});
document.addEventListener("keyup", (e) => {
  if (e.key === "Tab" && S.tab) { S.tab = false; render(); }
  if (e.key === " " && S.space) { S.space = false; render(); }
});
window.addEventListener("blur", () => { S.tab = false; S.space = false; render(); });
window.addEventListener("resize", resizeCanvas);
new ResizeObserver(resizeCanvas).observe(view);

// ---------- read-only hook for tests ----------
window.retouchPage = Object.freeze({
  imageSize: () => (S.image ? { width: S.image.width, height: S.image.height } : null),
  maskPixelCount,
  maskCountIn(x, y, w, h) { if (!S.mask) return 0; const d = S.mask.getContext("2d").getImageData(x, y, w, h).data; let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] >= 128) n++; return n; },
  maskDataURL: () => (S.mask ? maskDataURL() : null),
  currentImagePixels(x, y, w, h) { return S.image ? Array.from(S.image.getContext("2d").getImageData(x, y, w, h).data) : null; },
  stagingCount: () => (S.staged ? S.staged.items.length : 0),
  stagingIndex: () => (S.staged ? S.staged.index : -1),
  viewScale: () => S.scale,
  viewOffset: () => ({ x: S.ox, y: S.oy }),
  jobState: () => S.jobState,
  jobId: () => S.job?.id ?? S.lastJob?.id ?? null,
  mode: () => S.mode,
  extend: () => ({ ...S.extend }),
  brushSize: () => S.brush,
  tool: () => S.tool,
  history: () => ({ position: S.hpos, length: S.history.length }),
  info: () => S.info,
  // where image pixel (x, y) is on screen, in client coordinates, so tests can aim real mouse events
  clientPoint(x, y) { const r = view.getBoundingClientRect(); return { x: r.left + S.ox + x * S.scale, y: r.top + S.oy + y * S.scale }; },
});

loadParams();
buildExtendUI();
setBrush(S.brush, false);
setMode(S.mode, false);
resizeCanvas();
setJobState("idle");
loadInfo();
