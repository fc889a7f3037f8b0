// The merchant's exit and return forms (templates/merchant/_exit_lines.html, exit.html): a count of the
// codes scanned into each code box, updated as a keyboard-wedge scanner types each code and Enter.
// Scanning works without it (Enter in a textarea starts a new line); a file, not an inline script,
// because the Content-Security-Policy forbids inline scripts.
(function () {
  "use strict";
  const lang = document.documentElement.lang === "en" ? "en" : "zh";
  function describe(n) {
    return lang === "en" ? n + (n === 1 ? " code scanned" : " codes scanned") : "已扫描 " + n + " 个码";
  }
  document.querySelectorAll("textarea.scan-codes").forEach((box) => {
    const out = document.querySelector('[data-scan-count="' + box.id + '"]');
    if (!out) return;
    const update = () => {
      const n = box.value.split(/\r?\n/).filter((line) => line.trim()).length;
      out.textContent = n ? describe(n) : "";
    };
    box.addEventListener("input", update);
    update();
  });
})();
