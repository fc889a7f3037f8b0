// The packing station (templates/merchant/packing.html): each code a keyboard-wedge scanner types into a
// line's box (the URL, then Enter) is checked at once through the JSON API (scan-check, which writes
// nothing) and answered with a green or red mark and a sound (Web Audio: a short high beep for a unit
// that may go into the parcel, a low buzz for one refused). A refused code is taken out of its box, so
// the release is sent with accepted units only; the release itself checks everything again on the
// server. Without this script the page still works: "Check the scans" answers on the server. A file,
// not an inline script, because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  const form = document.querySelector("form[data-check-url]");
  if (!form) return;
  const words = JSON.parse(form.getAttribute("data-problem-words") || "{}");
  const token = (form.querySelector('input[name="csrf_token"]') || {}).value || "";
  const boxes = Array.from(form.querySelectorAll("textarea.packing-codes"));
  const accepted = new Map(); // box id -> accepted code URLs
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
      show(box, false, (words.wrong_count || "wrong count") + " — " + url.slice(-24));
      removeLine(box, url);
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
      show(box, false, (words[answer.problem] || answer.message) + " — " + url.slice(-24));
      removeLine(box, url);
    }
  }

  boxes.forEach((box) => {
    accepted.set(box.id, box.value.split(/\r?\n/).map((l) => l.trim()).filter((l) => l));
    box.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      const lines = box.value.split(/\r?\n/).map((l) => l.trim());
      const last = lines.filter((l) => l).pop();
      if (last && box.value.slice(box.selectionStart).trim() === "") {
        setTimeout(() => check(box, last), 0);
      }
    });
  });
})();
