// The camera scanner any page mounts with markup alone (docs/pages.md "The camera scanner"):
//
//   <div data-scanner data-mode="continuous" data-target="#codes" data-words="{…}"></div>
//   <script src="/static/scan_component.js" defer></script>
//
// (templates/_scanner.html renders the div with its words translated.) The script puts a "scan with
// the camera" button into the div; the button opens a live preview of the rear camera and decodes QR
// codes on the device from its frames with zxing-cpp compiled to WebAssembly, served by Suyuan from
// static/vendor/zxing-wasm/ (loaded on first use; never a CDN). One decoder for every browser: iOS
// Safari, WeChat and desktop browsers have no BarcodeDetector, and one code path is one to test.
//
// Each code read fires a cancelable, bubbling "scanner:code" event ({detail: {text}}) on the div; a
// listener that calls preventDefault() refuses the code (the camera keeps going). An accepted code is
// appended as a line to the data-target textarea, if any, which then gets "input" and "scanner:append"
// ({detail: {text}}) events; a code already in the box is not added twice. data-mode="single" stops the
// camera after the first accepted code; "continuous" keeps it going and ignores a code seen again
// within data-dedupe-ms (default 3000). data-autostart opens the camera at once. One camera at a time.
(function () {
  "use strict";
  if (window.SuyuanScanner) return; // loaded twice on one page: the first copy serves every mount

  const here = (document.currentScript && document.currentScript.src) || window.location.href;
  const VENDOR = new URL("vendor/zxing-wasm/", here).href;
  const LIBRARY_URL = VENDOR + "zxing-reader.iife.js";
  const WASM_URL = VENDOR + "zxing_reader.wasm";
  const LONGEST_SIDE = 1280; // frames are scaled down to this before decoding
  const FRAME_GAP_MS = 100;
  const WORDS = {
    start: "用摄像头扫码",
    stop: "停止扫码",
    starting: "正在打开摄像头…",
    aim: "请将二维码对准取景框",
    added: "已添加：",
    already: "已在列表中：",
    count: "本次已扫 {n} 个码",
    denied: "未获准使用摄像头。请在浏览器设置中允许本网站使用摄像头，或拍照上传。",
    noCamera: "此浏览器无法在本页使用摄像头，请拍照上传。",
    decoderFailed: "扫码组件加载失败，请刷新页面重试，或拍照上传。",
  };

  let library = null; // a Promise of the ready decoder, shared by every mount
  let active = null; // the mount whose camera is open

  function loadDecoder() {
    if (!library) {
      library = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = LIBRARY_URL;
        script.async = true;
        script.onload = () => resolve(window.ZXingWASM);
        script.onerror = () => reject(new Error("decoder script"));
        document.head.append(script);
      }).then((zxing) =>
        zxing
          .prepareZXingModule({
            overrides: { locateFile: (path, prefix) => (path.endsWith(".wasm") ? WASM_URL : prefix + path) },
            fireImmediately: true,
          })
          .then(() => zxing),
      );
      library.catch(() => {
        library = null; // let the next attempt try again
      });
    }
    return library;
  }

  function element(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    if (text) node.textContent = text;
    return node;
  }

  class Scanner {
    constructor(root) {
      this.root = root;
      this.words = Object.assign({}, WORDS, JSON.parse(root.getAttribute("data-words") || "{}"));
      this.mode = root.getAttribute("data-mode") === "continuous" ? "continuous" : "single";
      this.target = root.dataset.target ? document.querySelector(root.dataset.target) : null;
      this.dedupeMs = Number(root.dataset.dedupeMs || 3000);
      this.seen = new Map(); // text -> when last read
      this.added = 0;
      this.stream = null;
      this.timer = null;
      this.audio = null;
      this.build();
      if (root.hasAttribute("data-autostart")) this.start();
    }

    build() {
      this.root.classList.add("scanner");
      this.startButton = element("button", { type: "button", class: "scanner-start", "data-scanner-start": "" }, this.words.start);
      this.stopButton = element("button", { type: "button", class: "scanner-stop secondary", "data-scanner-stop": "" }, this.words.stop);
      this.stopButton.hidden = true;
      this.view = element("div", { class: "scanner-view" });
      this.view.hidden = true;
      this.video = element("video", { playsinline: "", muted: "", autoplay: "", "data-scanner-video": "" });
      this.video.muted = true; // the attribute alone does not let iOS play it inline without a tap
      this.view.append(this.video, element("div", { class: "scanner-frame", "aria-hidden": "true" }));
      this.status = element("p", { class: "small scanner-status", role: "status", "data-scanner-status": "" });
      this.root.append(this.startButton, this.stopButton, this.view, this.status);
      this.startButton.addEventListener("click", () => this.start());
      this.stopButton.addEventListener("click", () => this.stop());
    }

    say(text) {
      this.status.textContent = text;
    }

    async start() {
      if (this.stream) return;
      if (active && active !== this) active.stop();
      active = this;
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        this.say(this.words.noCamera); // no camera API, or a page not served over https
        return;
      }
      this.prepareSound();
      this.say(this.words.starting);
      this.startButton.hidden = true;
      const decoder = loadDecoder(); // fetch the decoder while the user answers the permission prompt
      try {
        this.stream = await navigator.mediaDevices.getUserMedia({
          audio: false,
          video: { facingMode: { ideal: "environment" }, width: { ideal: 1280 }, height: { ideal: 720 } },
        });
      } catch (error) {
        this.stop();
        this.say(error && error.name === "NotAllowedError" ? this.words.denied : this.words.noCamera);
        return;
      }
      if (active !== this) return this.stop(); // another scanner was opened meanwhile
      this.video.srcObject = this.stream;
      this.view.hidden = false;
      this.stopButton.hidden = false;
      this.video.play().catch(() => {});
      let zxing;
      try {
        zxing = await decoder;
      } catch (error) {
        this.stop();
        this.say(this.words.decoderFailed);
        return;
      }
      if (!this.stream) return;
      this.say(this.words.aim);
      this.loop(zxing);
    }

    stop() {
      clearTimeout(this.timer);
      this.timer = null;
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
      this.video.srcObject = null;
      this.view.hidden = true;
      this.stopButton.hidden = true;
      this.startButton.hidden = false;
      if (active === this) active = null;
    }

    loop(zxing) {
      const canvas = document.createElement("canvas");
      const context = canvas.getContext("2d", { willReadFrequently: true });
      const options = { formats: ["QRCode"], tryHarder: true, maxNumberOfSymbols: this.mode === "continuous" ? 4 : 1 };
      const frame = async () => {
        if (!this.stream) return;
        const width = this.video.videoWidth, height = this.video.videoHeight;
        if (width && height && this.video.readyState >= 2) {
          const scale = Math.min(1, LONGEST_SIDE / Math.max(width, height));
          canvas.width = Math.round(width * scale);
          canvas.height = Math.round(height * scale);
          context.drawImage(this.video, 0, 0, canvas.width, canvas.height);
          let results = [];
          try {
            results = await zxing.readBarcodes(context.getImageData(0, 0, canvas.width, canvas.height), options);
          } catch (error) {
            results = []; // one bad frame: try the next
          }
          for (const result of results) {
            if (result.text && this.stream) this.found(result.text);
          }
        }
        if (this.stream) this.timer = setTimeout(frame, FRAME_GAP_MS);
      };
      frame();
    }

    found(text) {
      const now = Date.now();
      const last = this.seen.get(text);
      this.seen.set(text, now);
      if (last !== undefined && now - last < this.dedupeMs) return; // the same label still in view
      const event = new CustomEvent("scanner:code", { bubbles: true, cancelable: true, detail: { text } });
      if (!this.root.dispatchEvent(event)) return; // a listener refused it
      if (this.mode === "single") this.stop();
      this.signal();
      if (this.target) this.append(text);
    }

    append(text) {
      const box = this.target;
      const lines = box.value.split(/\r?\n/).map((line) => line.trim());
      if (lines.includes(text)) {
        this.say(this.words.already + text.slice(-24));
        return;
      }
      const kept = box.value.replace(/\s+$/, "");
      box.value = (kept ? kept + "\n" : "") + text + "\n";
      this.added += 1;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.dispatchEvent(new CustomEvent("scanner:append", { detail: { text } }));
      this.say(this.words.added + text.slice(-24) + " · " + this.words.count.replace("{n}", this.added));
    }

    prepareSound() {
      try {
        this.audio = this.audio || new (window.AudioContext || window.webkitAudioContext)();
      } catch (error) {
        this.audio = null; // no sound: the status line says it
      }
    }

    signal() {
      if (navigator.vibrate) navigator.vibrate(60);
      this.root.classList.remove("scanner-hit");
      void this.root.offsetWidth; // restart the flash
      this.root.classList.add("scanner-hit");
      if (!this.audio) return;
      try {
        const osc = this.audio.createOscillator(), gain = this.audio.createGain();
        osc.frequency.value = 1320;
        gain.gain.value = 0.06;
        osc.connect(gain).connect(this.audio.destination);
        osc.start();
        osc.stop(this.audio.currentTime + 0.08);
      } catch (error) {
        /* no sound */
      }
    }
  }

  function mountAll() {
    document.querySelectorAll("[data-scanner]").forEach((root) => {
      if (!root.scanner) root.scanner = new Scanner(root);
    });
  }

  // A page left (or a phone locked) must not keep the camera on.
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && active) active.stop();
  });
  window.addEventListener("pagehide", () => active && active.stop());

  window.SuyuanScanner = { mountAll, loadDecoder };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
