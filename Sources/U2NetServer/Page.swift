/// The page at `/`: plain HTML and JavaScript in the binary (no build step, no CDN, works offline). One upload;
/// the cutout (a PNG with transparency) is kept in the page and painted over the chosen colour, so changing
/// the colour repaints at once without asking the server again. Choosing a document (the list comes from
/// `/v1/documents`) sends the photo to `/v1/idphoto` and shows the framed photo with its head and eye bands drawn
/// over it, the checks, and an export of the file as the server made it.
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
  .buttons button:disabled, button.wide:disabled { opacity: .5; cursor: default; }
  button.wide { width: 100%; padding: 8px; border-radius: 6px; border: 1px solid #aab3c0; background: #f7f9fb; cursor: pointer; }
  .muted { color: #7a8494; font-size: 12px; }
  #views { display: grid; grid-template-columns: 1fr; gap: 16px; align-items: start; }
  #views.with-document { grid-template-columns: 1fr 1fr; }
  #document-view { display: none; background: #fff; border-radius: 8px; padding: 12px; }
  #views.with-document #document-view { display: block; }
  #frame { position: relative; display: inline-block; max-width: 100%; line-height: 0; box-shadow: 0 0 0 1px #c5ccd6; }
  #frame img { max-width: 100%; max-height: 60vh; display: block; }
  #frame svg { position: absolute; inset: 0; width: 100%; height: 100%; pointer-events: none; }
  #document-view[data-state="loading"] #frame { opacity: .35; }
  #document-view[data-state="empty"] #frame, #document-view[data-state="error"] #frame { display: none; }
  #document-status { font-size: 13px; margin: 8px 0 4px; }
  #document-view[data-state="error"] #document-status { color: #a1221b; }
  #checks { list-style: none; padding: 0; margin: 4px 0 0; font-size: 12px; }
  #checks li { padding: 2px 0 2px 18px; position: relative; }
  #checks li::before { position: absolute; left: 0; font-weight: bold; }
  #checks li.ok::before { content: "✓"; color: #1e7b34; }
  #checks li.fail::before { content: "✗"; color: #a1221b; }
  #checks li span { color: #7a8494; }
  .legend { font-size: 11px; color: #5b6575; margin-top: 6px; }
  .legend i { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 8px; vertical-align: middle; }
  select { width: 100%; padding: 6px; border-radius: 6px; border: 1px solid #aab3c0; margin-bottom: 8px; }
  label.file { display: block; padding: 10px; text-align: center; border-radius: 6px; background: #3a7bd5; color: #fff; cursor: pointer; }
  input#file { position: absolute; left: -9999px; }
</style>
</head>
<body data-state="empty">
<main>
  <h1>Remove a background</h1>
  <div>
    <div id="views">
      <div id="stage">
        <canvas id="preview" width="1" height="1"></canvas>
        <div id="drop">Drop a photo here, or choose one →</div>
      </div>
      <div id="document-view" data-state="empty">
        <div id="frame">
          <img id="document-photo" alt="the document photo">
          <svg id="guides" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="none"></svg>
        </div>
        <div class="legend"><i style="background:rgba(58,123,213,.35)"></i>crown band <i style="background:rgba(230,140,20,.35)"></i>eye band <i style="background:#d22"></i>measured</div>
        <p id="document-status" role="status"></p>
        <ul id="checks"></ul>
      </div>
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
      <h2>Document</h2>
      <select id="document" title="an ID-photo document"><option value="">None: the cutout only</option></select>
      <select id="document-bg" title="the document's background" disabled></select>
      <button type="button" id="export-document" disabled class="wide">Export the document photo</button>
      <p class="muted" id="document-note">Frames the photo as a passport or visa photo requires, with the head and eye bands and the checks.</p>
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
  const page = window.u2net = { requests: 0, background: "#FFFFFF", cutout: null, lastExport: null,
                                file: null, documents: {}, document: null, documentRequests: 0 };
  let generation = 0, ticker = null, documentGeneration = 0;
  const views = document.getElementById("views");
  const documentView = document.getElementById("document-view");
  const documentSelect = document.getElementById("document");
  const documentBackground = document.getElementById("document-bg");
  const documentPhoto = document.getElementById("document-photo");
  const documentStatus = document.getElementById("document-status");
  const documentExport = document.getElementById("export-document");
  const guides = document.getElementById("guides");
  const checksList = document.getElementById("checks");
  const svgNS = "http://www.w3.org/2000/svg";

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
    if (file.type && !file.type.startsWith("image/")) {
      page.file = null; frameDocument();
      showError("Choose a photo (this is " + file.type + ")."); return;
    }
    page.file = file;
    frameDocument();
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

  // ---- ID photos: the document list, the framed photo from /v1/idphoto, its guides and checks.

  function setDocumentState(state, message) {
    documentView.dataset.state = state;
    documentStatus.textContent = message || "";
  }

  async function loadDocuments() {
    try {
      const answer = await fetch("/v1/documents");
      const list = (await answer.json()).documents;
      for (const d of list) {
        page.documents[d.id] = d;
        const option = document.createElement("option");
        option.value = d.id;
        option.textContent = d.name + " — " + d.width_mm + "×" + d.height_mm + " mm";
        documentSelect.appendChild(option);
      }
      documentSelect.dataset.loaded = "true";
    } catch (e) {
      documentSelect.disabled = true;
      document.getElementById("document-note").textContent = "The document list could not be loaded.";
    }
  }

  function chooseDocument() {
    const d = page.documents[documentSelect.value];
    documentBackground.textContent = "";
    if (d) {
      if (d.unaltered) {
        const option = document.createElement("option");
        option.value = ""; option.textContent = "kept as photographed (required)";
        documentBackground.appendChild(option);
      } else {
        for (const [name, hex] of d.backgrounds) {
          const option = document.createElement("option");
          option.value = name; option.textContent = name + " " + hex;
          documentBackground.appendChild(option);
        }
      }
    }
    documentBackground.disabled = !d || d.unaltered;
    frameDocument();
  }

  // Asks the server for the document photo of the loaded photo; the report comes back with it as JSON.
  async function frameDocument() {
    const mine = ++documentGeneration;
    const d = page.documents[documentSelect.value];
    views.classList.toggle("with-document", !!d);
    documentExport.disabled = true;
    page.document = null;
    if (!d || !page.file) { setDocumentState("empty", d ? "Choose a photo to frame it." : ""); return; }
    setDocumentState("loading", "Framing for " + d.name + "…");
    const query = new URLSearchParams({ document: d.id, report: "json", format: "jpg" });
    if (!documentBackground.disabled && documentBackground.value) query.set("bg", documentBackground.value);
    page.documentRequests += 1;
    let answer, body = null;
    try {
      answer = await fetch("/v1/idphoto?" + query, { method: "POST", body: page.file,
                                                     headers: { "Content-Type": page.file.type || "application/octet-stream" } });
      body = await answer.json();
    } catch (e) {
      if (mine === documentGeneration) setDocumentState("error", answer ? "The server answered " + answer.status + "." : "The server could not be reached.");
      return;
    }
    if (mine !== documentGeneration) return;
    if (!answer.ok) {
      const retry = answer.headers.get("Retry-After");
      setDocumentState("error", (body && body.error ? body.error.message : "The server answered " + answer.status + ".")
                                + (retry ? " Try again in " + retry + " s." : ""));
      return;
    }
    const bytes = Uint8Array.from(atob(body.image), (c) => c.charCodeAt(0));
    const blob = new Blob([bytes], { type: body.mediaType });
    if (documentPhoto.src) URL.revokeObjectURL(documentPhoto.src);
    documentPhoto.src = URL.createObjectURL(blob);
    try { await documentPhoto.decode(); } catch (e) { setDocumentState("error", "The answer is not an image."); return; }
    if (mine !== documentGeneration) return;
    page.document = { report: body, blob: blob, spec: d };
    drawGuides(body, d);
    listChecks(body);
    documentExport.disabled = false;
    setDocumentState("ready", d.name + ": " + body.width + "×" + body.height + " px at " + body.dpi + " dpi, "
                              + Math.round(body.bytes / 1024) + " KB — " + (body.compliant ? "every check passed" : "some checks failed"));
  }

  // The bands the document allows and where the head and eyes are, in the document photo's pixels: the crown
  // band (where the top of the head may be, given the chin, from the head-height rule), the eye band, and the
  // measured crown, chin and eye lines (the report's landmarks through its transform).
  function drawGuides(report, d) {
    const W = report.width, H = report.height, ppm = W / d.width_mm;
    const [a, b, c, dd, e, f] = report.transform;
    const y = (p) => dd * p[0] + e * p[1] + f;
    guides.setAttribute("viewBox", "0 0 " + W + " " + H);
    guides.textContent = "";
    const add = (name, attributes) => {
      const node = document.createElementNS(svgNS, name);
      for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
      guides.appendChild(node);
      return node;
    };
    const band = (top, bottom, colour, name) =>
      add("rect", { x: 0, y: Math.min(top, bottom), width: W, height: Math.abs(bottom - top), fill: colour, "data-guide": name });
    const line = (at, name) => add("line", { x1: 0, x2: W, y1: at, y2: at, stroke: "#d22", "stroke-width": Math.max(1, W / 300),
                                             "stroke-dasharray": W / 60 + " " + W / 90, "data-guide": name });
    const chin = y(report.landmarks.chin);
    band(chin - d.head_mm[1] * ppm, chin - d.head_mm[0] * ppm, "rgba(58,123,213,.30)", "crown band");
    if (d.eye_line_mm) band(H - d.eye_line_mm[1] * ppm, H - d.eye_line_mm[0] * ppm, "rgba(230,140,20,.30)", "eye band");
    line(y(report.landmarks.crown), "crown");
    line(chin, "chin");
    line((y(report.landmarks.leftEye) + y(report.landmarks.rightEye)) / 2, "eyes");
    add("line", { x1: W / 2, x2: W / 2, y1: 0, y2: H, stroke: "rgba(0,0,0,.25)", "stroke-width": Math.max(1, W / 600), "data-guide": "centre" });
  }

  function listChecks(report) {
    checksList.textContent = "";
    for (const check of report.checks) {
      const item = document.createElement("li");
      item.className = check.ok ? "ok" : "fail";
      item.textContent = check.name + " ";
      const detail = document.createElement("span");
      detail.textContent = check.detail;
      item.appendChild(detail);
      checksList.appendChild(item);
    }
  }

  // The document photo exactly as the server made it (its DPI recorded in the file).
  function exportDocument() {
    if (!page.document) return;
    const { report, blob, spec } = page.document;
    const link = document.getElementById("download");
    if (link.href) URL.revokeObjectURL(link.href);
    link.href = URL.createObjectURL(blob);
    link.download = spec.id + "." + report.format;
    page.lastExport = { type: blob.type, size: blob.size, width: report.width, height: report.height };
    link.click();
  }

  documentSelect.addEventListener("change", chooseDocument);
  documentBackground.addEventListener("change", frameDocument);
  documentExport.addEventListener("click", exportDocument);
  loadDocuments();

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
