// Continuous QR scanning from the rear camera.
//
// The native BarcodeDetector is used where it exists (Chrome on Android, macOS);
// desktop Linux Chromium and iOS Safari lack it, so frames then go to jsQR in a
// worker. One frame is decoded at a time; the loop sleeps while the page is hidden.
(function () {
  "use strict";

  const FRAME_GAP_MS = 120;
  // Larger frames cost more to decode than they gain in range at a gate.
  const MAX_SIDE = 800;

  async function nativeDetector() {
    if (!("BarcodeDetector" in window)) return null;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (!formats.includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      return async (video) => {
        const codes = await detector.detect(video);
        return codes.length ? codes[0].rawValue : null;
      };
    } catch (error) {
      return null;
    }
  }

  function workerDetector(workerUrl, decoderUrl) {
    const worker = new Worker(workerUrl);
    worker.postMessage({ type: "init", decoder: decoderUrl });
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const waiting = new Map();
    let nextId = 1;
    worker.onmessage = (event) => {
      const message = event.data;
      if (message.type !== "result") return;
      const resolve = waiting.get(message.id);
      waiting.delete(message.id);
      if (resolve) resolve(message.code);
    };
    const detect = (video) => {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (!width || !height) return Promise.resolve(null);
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      canvas.width = Math.round(width * scale);
      canvas.height = Math.round(height * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        worker.postMessage(
          {
            type: "frame",
            id,
            width: frame.width,
            height: frame.height,
            buffer: frame.data.buffer,
          },
          [frame.data.buffer],
        );
      });
    };
    detect.close = () => worker.terminate();
    return detect;
  }

  class CameraScanner {
    /**
     * @param {HTMLVideoElement} video
     * @param {{workerUrl: string, decoderUrl: string, onCode: (text: string) => void}} options
     */
    constructor(video, options) {
      this.video = video;
      this.options = options;
      this.stream = null;
      this.detect = null;
      this.running = false;
      this.timer = null;
      this.engine = "";
      document.addEventListener("visibilitychange", () => this.schedule());
    }

    static available() {
      return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
    }

    /** Must be called from a user gesture (iOS Safari). */
    async start() {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: {
          facingMode: { ideal: "environment" },
          width: { ideal: 1280 },
          height: { ideal: 720 },
        },
      });
      this.video.srcObject = this.stream;
      this.video.muted = true;
      this.video.setAttribute("playsinline", "");
      await this.video.play();
      if (!this.detect) {
        const native = await nativeDetector();
        this.detect =
          native || workerDetector(this.options.workerUrl, this.options.decoderUrl);
        this.engine = native ? "native" : "jsqr";
      }
      this.running = true;
      this.schedule();
    }

    stop() {
      this.running = false;
      window.clearTimeout(this.timer);
      if (this.stream) this.stream.getTracks().forEach((track) => track.stop());
      this.stream = null;
      this.video.srcObject = null;
    }

    schedule() {
      window.clearTimeout(this.timer);
      if (this.running && !document.hidden) {
        this.timer = window.setTimeout(() => this.tick(), FRAME_GAP_MS);
      }
    }

    async tick() {
      if (!this.running || document.hidden) return;
      if (this.video.readyState >= 2) {
        try {
          const code = await this.detect(this.video);
          if (code && this.running) this.options.onCode(code);
        } catch (error) {
          // A frame that cannot be read (camera switching): try the next one.
        }
      }
      this.schedule();
    }
  }

  window.WadScanner = window.WadScanner || {};
  window.WadScanner.CameraScanner = CameraScanner;
})();
