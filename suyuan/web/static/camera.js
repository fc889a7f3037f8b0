// The camera page (templates/camera.html). The live camera is the scanner component
// (static/scan_component.js, single mode): a code it reads opens that code's verdict page when it is
// one of ours — a GS1 Digital Link path (/01/…) under our base URL or this page's origin — always on
// this origin, never a foreign URL; anything else is refused with a message and the camera keeps going.
// The fallback is a photo upload to POST /api/v1/scan-image (anonymous): one code of ours found opens
// its verdict page, several are listed with product name and verdict colour. A file, not an inline
// script, so that the Content-Security-Policy can forbid inline scripts; texts and URLs come from
// #camera-config.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("camera-config").textContent);
  const statusEl = document.getElementById("status"), results = document.getElementById("results");
  const message = document.getElementById("message");
  const CODE_PATH = /^01\/\d{8,14}(\/|$)/;

  // The path on this site of a code URL of ours, or null: the scheme must be http(s), no user name,
  // and the URL must sit under our base URL or this page's own root, followed by "01/<GTIN>".
  function ourPath(text) {
    let url;
    try {
      url = new URL(text.trim());
    } catch (error) {
      return null;
    }
    if ((url.protocol !== "https:" && url.protocol !== "http:") || url.username || url.password) return null;
    const base = new URL(config.baseUrl);
    const roots = [base.origin + base.pathname, window.location.origin + config.root];
    const full = url.origin + url.pathname;
    for (const root of roots) {
      const prefix = root.endsWith("/") ? root : root + "/";
      if (full.startsWith(prefix) && CODE_PATH.test(full.slice(prefix.length))) {
        return config.root.replace(/\/?$/, "/") + full.slice(prefix.length) + url.search;
      }
    }
    return null;
  }

  function open(path) {
    message.hidden = true;
    statusEl.textContent = config.opening;
    window.location.assign(path); // a path on this origin: never a foreign site
  }

  function refuse() {
    message.textContent = config.notOurs;
    message.hidden = false;
  }

  document.querySelectorAll("[data-scanner]").forEach((scanner) => {
    scanner.addEventListener("scanner:code", (event) => {
      const path = ourPath(event.detail.text);
      if (!path) {
        event.preventDefault(); // not ours: keep the camera going
        refuse();
        return;
      }
      open(path);
    });
  });

  function show(codes) {
    results.replaceChildren();
    message.hidden = true;
    if (!codes.length) {
      statusEl.textContent = config.noCode;
      return;
    }
    statusEl.textContent = "";
    const ours = codes.map((c) => ourPath(c.text));
    if (codes.length === 1 && ours[0]) return open(ours[0]);
    codes.forEach((c, i) => {
      const li = document.createElement("li");
      if (!ours[i]) {
        li.dataset.verdict = "foreign";
        li.textContent = config.notOurs;
        results.append(li);
        return;
      }
      li.dataset.verdict = c.verdict;
      li.className = "verdict-" + c.verdict;
      const name = document.createElement("strong"), word = document.createElement("span");
      name.textContent = c.product || config.unknownProduct;
      word.textContent = config.labels[c.verdict] || c.verdict;
      word.setAttribute("data-test", "hit-verdict");
      const a = document.createElement("a");
      a.href = ours[i];
      a.textContent = config.details;
      li.append(name, word, a);
      results.append(li);
    });
  }

  document.querySelector("[data-test=photo]").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    if (!file) return;
    statusEl.textContent = config.working;
    const body = new FormData();
    body.append("file", file);
    try {
      const response = await fetch(config.scanUrl, { method: "POST", body });
      const data = await response.json();
      if (!response.ok) {
        statusEl.textContent = data.error ? data.error.message : response.statusText;
        return;
      }
      show(data.codes);
    } catch (error) {
      statusEl.textContent = String(error.message || error);
    }
  });
})();
