// The camera page (templates/camera.html): the browser's BarcodeDetector where it exists, else a
// photo upload to POST /api/v1/scan-image (anonymous). A file, not an inline script, so that the
// Content-Security-Policy can forbid inline scripts; texts and the URL come from #camera-config.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("camera-config").textContent);
  const statusEl = document.getElementById("status"), results = document.getElementById("results");

  function show(codes) {
    results.replaceChildren();
    if (!codes.length) { statusEl.textContent = config.noCode; return; }
    statusEl.textContent = "";
    for (const c of codes) {
      const li = document.createElement("li"), a = document.createElement("a");
      li.dataset.verdict = c.verdict;
      a.href = c.text;
      a.textContent = (config.labels[c.verdict] || c.verdict) + " · " + c.text.slice(0, 60) + "…";
      li.append(a);
      results.append(li);
    }
  }

  document.querySelector("[data-test=photo]").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    statusEl.textContent = config.working;
    const body = new FormData();
    body.append("file", file);
    const response = await fetch(config.scanUrl, {method: "POST", body});
    const data = await response.json();
    if (!response.ok) { statusEl.textContent = data.error ? data.error.message : response.statusText; return; }
    show(data.codes);
  });

  if ("BarcodeDetector" in window && navigator.mediaDevices) {
    const video = document.getElementById("camera");
    const detector = new BarcodeDetector({formats: ["qr_code"]});
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}).then((stream) => {
      video.srcObject = stream; video.hidden = false; video.play();
      const tick = async () => {
        const found = await detector.detect(video).catch(() => []);
        if (found.length) { stream.getTracks().forEach((t) => t.stop()); window.location.href = found[0].rawValue; return; }
        requestAnimationFrame(tick);
      };
      tick();
    }).catch(() => { /* no camera permission: the photo upload stays available */ });
  }
})();
