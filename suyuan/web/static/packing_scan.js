// The packing station (templates/merchant/packing.html): each code a keyboard-wedge scanner types into a
// line's box (the URL, then Enter) is checked at once through the JSON API (scan-check, which writes
// nothing) and answered with a green or red mark and a sound (Web Audio: a short high beep for a unit
// that may go into the parcel, a low buzz for one refused). A refused code is taken out of its box, so
// the release is sent with accepted units only; the release itself checks everything again on the
// server. Without this script the page still works: "Check the scans" answers on the server. A file,
// not an inline script, because the Content-Security-Policy forbids inline scripts.
//
// Each line also has a camera (static/scan_component.js, continuous mode, aimed at the line's box): a
// code it reads is appended to the same box as a wedge scanner's and checked the same way (its
// "scanner:append" event). A code refused on a line is not taken from that line's camera again while it
// stays in view ("scanner:code" is refused), so a wrong unit buzzes once, not every few seconds.
(function () {
  "use strict";
  const form = document.querySelector("form[data-check-url]");
  if (!form) return;
  const words = JSON.parse(form.getAttribute("data-problem-words") || "{}");
  const token = (form.querySelector('input[name="csrf_token"]') || {}).value || "";
  const boxes = Array.from(form.querySelectorAll("textarea.packing-codes"));
  const accepted = new Map(); // box id -> accepted code URLs
  const refused = new Map(); // box id -> code URLs refused on this line
  let pending = Promise.resolve(); // scans are checked one after the other, so "scanned" is complete
  let audio = null;

  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      const osc = audio.createOscillator();
      const gain = audio.createGain();
      osc.type = ok ? "sine" : "square";
      osc.frequency.value = ok ? 1320 : 180;
      gain.gain.value = 0.08;
      osc.connect(gain).connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + (ok ? 0.08 : 0.4));
    } catch (e) {
      /* no sound: the colour says it */
    }
  }

  function allAccepted() {
    return Array.from(accepted.values()).flat();
  }

  function show(box, ok, text) {
    const list = form.querySelector('[data-scan-results="' + box.id + '"]');
    if (!list) return;
    const item = document.createElement("li");
    item.className = ok ? "ok" : "bad";
    item.setAttribute("data-test", "scan-result");
    item.setAttribute("data-ok", ok ? "true" : "false");
    item.textContent = (ok ? "✓ " : "✗ ") + text;
    list.insertBefore(item, list.firstChild);
    beep(ok);
  }

  function refuse(box, url, text) {
    show(box, false, text);
    removeLine(box, url);
    if (!refused.has(box.id)) refused.set(box.id, new Set());
    refused.get(box.id).add(url);
  }

  function removeLine(box, url) {
    const lines = box.value.split(/\r?\n/);
    const at = lines.map((l) => l.trim()).lastIndexOf(url);
    if (at >= 0) lines.splice(at, 1);
    box.value = lines.join("\n");
    box.dispatchEvent(new Event("input"));
  }

  async function check(box, url) {
    const mine = accepted.get(box.id) || [];
    if (mine.length >= Number(box.dataset.qty)) {
      refuse(box, url, (words.wrong_count || "wrong count") + " — " + url.slice(-24));
      return;
    }
    let answer;
    try {
      const response = await fetch(form.dataset.checkUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token },
        body: JSON.stringify({ gnum: Number(box.dataset.gnum), url: url, scanned: allAccepted() }),
      });
      answer = await response.json();
      if (!response.ok) throw new Error((answer.error || {}).message || response.status);
    } catch (e) {
      show(box, false, String(e.message || e));
      return;
    }
    if (answer.ok) {
      mine.push(url);
      accepted.set(box.id, mine);
      show(box, true, answer.serial || url.slice(-24));
    } else {
      refuse(box, url, (words[answer.problem] || answer.message) + " — " + url.slice(-24));
    }
  }

  function queue(box, url) {
    pending = pending.then(() => check(box, url)).catch(() => {}); // one failed check must not stop the rest
  }

  boxes.forEach((box) => {
    accepted.set(box.id, box.value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l));
    box.addEventListener("scanner:append", (event) => queue(box, event.detail.text.trim()));
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const lines = box.value.split(/\r?\n/).map((l) => l.trim());
      const last = lines.filter((l) => l).pop();
      if (last && box.value.slice(box.selectionStart).trim() === "") {
        setTimeout(() => queue(box, last), 0);
      }
    });
  });
  form.querySelectorAll("[data-scanner][data-target]").forEach((mount) => {
    const box = document.querySelector(mount.dataset.target);
    if (!box) return;
    mount.addEventListener("scanner:code", (event) => {
      const text = String(event.detail.text || "").trim();
      if ((refused.get(box.id) || new Set()).has(text)) event.preventDefault(); // refused here already
    });
  });
})();
