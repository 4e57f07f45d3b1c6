/// The page at `/`: plain HTML and JavaScript in the binary (no build step, no CDN, works offline). One upload;
/// the cutout (a PNG with transparency) is kept in the page and painted over the chosen colour, so changing
/// the colour repaints at once without asking the server again.
enum Page {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>u2net-run — remove a background</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1d2430; background: #eef1f5; }
  body { margin: 0; padding: 24px; }
  main { max-width: 980px; margin: 0 auto; display: grid; grid-template-columns: 1fr 260px; gap: 20px; }
  h1 { font-size: 20px; margin: 0 0 16px; grid-column: 1 / -1; }
  #stage { background: repeating-conic-gradient(#d9dde3 0% 25%, #fff 0% 50%) 0 0 / 20px 20px; border-radius: 8px;
           min-height: 360px; display: flex; align-items: center; justify-content: center; position: relative; }
  #drop { position: absolute; inset: 0; display: flex; align-items: center; justify-content: center; color: #5b6575;
          border: 2px dashed #aab3c0; border-radius: 8px; pointer-events: none; }
  body[data-state="empty"] #preview { display: none; }
  body:not([data-state="empty"]) #drop { display: none; }
  body.dragging #stage { outline: 3px solid #3a7bd5; }
  canvas#preview { max-width: 100%; max-height: 70vh; display: block; }
  aside section { background: #fff; border-radius: 8px; padding: 14px; margin-bottom: 14px; }
  aside h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .05em; color: #5b6575; margin: 0 0 10px; }
  .swatches { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
  .swatches button { width: 36px; height: 36px; border-radius: 50%; border: 2px solid #c5ccd6; cursor: pointer; padding: 0; }
  .swatches button[aria-pressed="true"] { border-color: #3a7bd5; box-shadow: 0 0 0 2px #3a7bd5; }
  .swatches button[data-bg="none"] { background: repeating-conic-gradient(#d9dde3 0% 25%, #fff 0% 50%) 0 0 / 10px 10px; }
  #custom { width: 36px; height: 36px; border: none; padding: 0; background: none; cursor: pointer; }
  #progress { display: none; margin-top: 10px; }
  body[data-state="uploading"] #progress, body[data-state="processing"] #progress { display: block; }
  progress { width: 100%; }
  #error { display: none; color: #a1221b; background: #fdecea; border-radius: 8px; padding: 10px; margin-top: 10px; }
  body[data-state="error"] #error { display: block; }
  .buttons { display: flex; gap: 8px; }
  .buttons button { flex: 1; padding: 8px; border-radius: 6px; border: 1px solid #aab3c0; background: #f7f9fb; cursor: pointer; }
  .buttons button:disabled { opacity: .5; cursor: default; }
  .muted { color: #7a8494; font-size: 12px; }
  label.file { display: block; padding: 10px; text-align: center; border-radius: 6px; background: #3a7bd5; color: #fff; cursor: pointer; }
  input#file { position: absolute; left: -9999px; }
</style>
</head>
<body data-state="empty">
<main>
  <h1>Remove a background</h1>
  <div>
    <div id="stage">
      <canvas id="preview" width="1" height="1"></canvas>
      <div id="drop">Drop a photo here, or choose one →</div>
    </div>
    <div id="progress"><progress id="bar"></progress> <span id="status" class="muted"></span></div>
    <div id="error" role="alert"></div>
  </div>
  <aside>
    <section>
      <h2>Photo</h2>
      <label class="file" for="file">Choose a photo…</label>
      <input id="file" type="file" accept="image/png,image/jpeg,image/webp,image/heic,image/heif,image/avif,image/tiff,.heic,.heif,.avif,.tif,.tiff">
      <p class="muted">PNG, JPEG, WebP, HEIC, AVIF or TIFF. It goes to this server only, is never stored, and comes back as a cutout.</p>
    </section>
    <section>
      <h2>Background</h2>
      <div class="swatches">
        <button type="button" data-bg="#FFFFFF" title="white" style="background:#FFFFFF"></button>
        <button type="button" data-bg="#FAF9F6" title="off-white" style="background:#FAF9F6"></button>
        <button type="button" data-bg="#D3D3D3" title="light grey" style="background:#D3D3D3"></button>
        <button type="button" data-bg="#D6EAF8" title="pale blue" style="background:#D6EAF8"></button>
        <button type="button" data-bg="none" title="transparent"></button>
        <input id="custom" type="color" value="#88AA77" title="a colour of your own">
      </div>
    </section>
    <section>
      <h2>Document frame</h2>
      <select id="document" disabled><option>ID photo frames: not in this build</option></select>
      <p class="muted">The crop frame with head-band guides comes with the ID-photo service (POST /v1/idphoto), which this server does not have yet.</p>
    </section>
    <section>
      <h2>Export</h2>
      <div class="buttons">
        <button type="button" id="export-png" disabled>PNG</button>
        <button type="button" id="export-jpeg" disabled>JPEG</button>
      </div>
      <p class="muted">PNG keeps the transparency; JPEG is flattened onto the colour shown.</p>
      <a id="download" hidden></a>
    </section>
  </aside>
</main>
<script>
"use strict";
(() => {
  const canvas = document.getElementById("preview");
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  const fileInput = document.getElementById("file");
  const statusText = document.getElementById("status");
  const bar = document.getElementById("bar");
  const errorBox = document.getElementById("error");
  const exportButtons = [document.getElementById("export-png"), document.getElementById("export-jpeg")];
  const page = window.u2net = { requests: 0, background: "#FFFFFF", cutout: null, lastExport: null };
  let generation = 0, ticker = null;

  function setState(state) { document.body.dataset.state = state; }

  function showError(message) {
    errorBox.textContent = message;
    setState("error");
    clearInterval(ticker);
  }

  // The cutout drawn over the chosen background; no request is made.
  function paint() {
    if (!page.cutout) return;
    const { width, height } = page.cutout;
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    ctx.clearRect(0, 0, width, height);
    if (page.background !== "none") { ctx.fillStyle = page.background; ctx.fillRect(0, 0, width, height); }
    ctx.drawImage(page.cutout, 0, 0);
  }

  function choose(color) {
    page.background = color;
    for (const b of document.querySelectorAll("button[data-bg]")) b.setAttribute("aria-pressed", String(b.dataset.bg === color));
    paint();
  }

  // A pixel where the cutout is fully transparent (for tests and the colour check): [x, y], or null.
  page.backgroundPoint = () => {
    if (!page.cutout) return null;
    const c = document.createElement("canvas");
    c.width = page.cutout.width; c.height = page.cutout.height;
    const x2 = c.getContext("2d");
    x2.drawImage(page.cutout, 0, 0);
    const data = x2.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) if (data[i] === 0) { const p = (i - 3) / 4; return [p % c.width, Math.floor(p / c.width)]; }
    return null;
  };
  page.pixel = (x, y) => Array.from(ctx.getImageData(x, y, 1, 1).data);

  async function upload(file) {
    const mine = ++generation;
    errorBox.textContent = "";
    if (!file) return;
    if (file.type && !file.type.startsWith("image/")) { showError("Choose a photo (this is " + file.type + ")."); return; }
    exportButtons.forEach(b => b.disabled = true);
    page.cutout = null;
    // The photo itself at once, while the server works.
    try {
      const photo = await createImageBitmap(file);
      canvas.width = photo.width; canvas.height = photo.height;
      ctx.globalAlpha = 0.45; ctx.drawImage(photo, 0, 0); ctx.globalAlpha = 1;
    } catch (e) { /* the browser cannot show it; the server will say why */ }
    setState("uploading");
    const started = performance.now();
    clearInterval(ticker);
    ticker = setInterval(() => {
      if (document.body.dataset.state === "processing") statusText.textContent = "Removing the background… " + ((performance.now() - started) / 1000).toFixed(1) + " s";
    }, 100);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/remove?format=png");
    xhr.responseType = "blob";
    xhr.setRequestHeader("Content-Type", file.type || "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; statusText.textContent = "Uploading… " + Math.round(100 * e.loaded / e.total) + "%"; }
    };
    xhr.upload.onload = () => { if (mine === generation) { setState("processing"); bar.removeAttribute("value"); } };
    xhr.onerror = () => { if (mine === generation) showError("The server could not be reached."); };
    xhr.onload = async () => {
      if (mine !== generation) return;
      clearInterval(ticker);
      if (xhr.status !== 200) {
        let message = "The server answered " + xhr.status + ".";
        try { message = JSON.parse(await xhr.response.text()).error.message; } catch (e) {}
        const retry = xhr.getResponseHeader("Retry-After");
        showError(message + (retry ? " Try again in " + retry + " s." : ""));
        return;
      }
      try {
        page.cutout = await createImageBitmap(xhr.response);
      } catch (e) { showError("The answer is not an image."); return; }
      paint();
      statusText.textContent = "";
      exportButtons.forEach(b => b.disabled = false);
      setState("ready");
    };
    page.requests += 1;
    setState("uploading");
    xhr.send(file);
  }

  function exportAs(type) {
    if (!page.cutout) return;
    const c = document.createElement("canvas");
    c.width = page.cutout.width; c.height = page.cutout.height;
    const x2 = c.getContext("2d");
    if (type === "image/jpeg") { x2.fillStyle = page.background === "none" ? "#FFFFFF" : page.background; x2.fillRect(0, 0, c.width, c.height); }
    x2.drawImage(page.cutout, 0, 0);
    c.toBlob((blob) => {
      const link = document.getElementById("download");
      if (link.href) URL.revokeObjectURL(link.href);
      link.href = URL.createObjectURL(blob);
      link.download = "cutout." + (type === "image/png" ? "png" : "jpg");
      page.lastExport = { type: blob.type, size: blob.size, width: c.width, height: c.height };
      link.click();
    }, type, 0.92);
  }

  fileInput.addEventListener("change", () => upload(fileInput.files[0]));
  for (const b of document.querySelectorAll("button[data-bg]")) b.addEventListener("click", () => choose(b.dataset.bg));
  document.getElementById("custom").addEventListener("input", (e) => choose(e.target.value.toUpperCase()));
  exportButtons[0].addEventListener("click", () => exportAs("image/png"));
  exportButtons[1].addEventListener("click", () => exportAs("image/jpeg"));
  document.addEventListener("dragover", (e) => { e.preventDefault(); document.body.classList.add("dragging"); });
  document.addEventListener("dragleave", () => document.body.classList.remove("dragging"));
  document.addEventListener("drop", (e) => { e.preventDefault(); document.body.classList.remove("dragging"); upload(e.dataTransfer.files[0]); });
  choose("#FFFFFF");
})();
</script>
</body>
</html>
"""#
}
