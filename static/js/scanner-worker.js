// Decodes camera frames off the main thread with jsQR (no WebAssembly, so the CSP
// needs no 'wasm-unsafe-eval'). The page sends the decoder's URL once, then frames.
"use strict";

self.onmessage = (event) => {
  const message = event.data;
  if (message.type === "init") {
    self.importScripts(message.decoder);
    self.postMessage({ type: "ready" });
    return;
  }
  if (message.type === "frame") {
    const pixels = new Uint8ClampedArray(message.buffer);
    // Badges are dark on light: skipping the inverted pass halves the work per frame.
    const found = self.jsQR(pixels, message.width, message.height, {
      inversionAttempts: "dontInvert",
    });
    self.postMessage({ type: "result", id: message.id, code: found ? found.data : null });
  }
};
