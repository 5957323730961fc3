// The scanner's outbox: scans wait here, in order, until the server has answered them.
//
// Every item carries a nonce chosen when it was scanned, so sending it again after a
// lost answer never records a second entry (the API returns the first verdict). The
// queue lives in localStorage: a reload, a crash or a flat battery keeps waiting scans.
// One request at a time, oldest first: a handheld scanner's back-to-back codes are
// answered in the order they were read, and none is dropped.
(function () {
  "use strict";

  const MAX_DELAY_MS = 8000;

  function newNonce() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function readJSON(key, fallback) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw ? JSON.parse(raw) : fallback;
    } catch (error) {
      return fallback;
    }
  }

  function writeJSON(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Private mode or a full store: the queue still works for this page's lifetime.
    }
  }

  class ScanQueue {
    /**
     * @param {string} key localStorage key of the queue
     * @param {(item: object) => Promise<{retry: boolean, reason?: string, result?: object}>} send
     * @param {(item: object, outcome: object) => void} onOutcome called for every answer or failure
     */
    constructor(key, send, onOutcome) {
      this.key = key;
      this.send = send;
      this.onOutcome = onOutcome;
      this.items = readJSON(key, []);
      this.busy = false;
      this.wakeUp = null;
    }

    get length() {
      return this.items.length;
    }

    /** Queue a scan; returns the stored item (with its nonce). */
    add(fields) {
      const item = Object.assign({ nonce: newNonce(), queuedAt: Date.now(), attempts: 0 }, fields);
      this.items.push(item);
      this.save();
      this.run();
      return item;
    }

    save() {
      writeJSON(this.key, this.items);
    }

    /** Stop waiting before the next retry (back online, or the user asked). */
    wake() {
      if (this.wakeUp) this.wakeUp();
      this.run();
    }

    async run() {
      if (this.busy) return;
      this.busy = true;
      try {
        while (this.items.length) {
          const item = this.items[0];
          let outcome;
          try {
            outcome = await this.send(item);
          } catch (error) {
            outcome = { retry: true, reason: "offline" };
          }
          if (outcome.retry) {
            item.attempts += 1;
            item.pending = true;
            this.save();
            this.onOutcome(item, outcome);
            await this.pause(Math.min(500 * 2 ** Math.min(item.attempts, 5), MAX_DELAY_MS));
            continue;
          }
          this.items.shift();
          this.save();
          this.onOutcome(item, outcome);
        }
      } finally {
        this.busy = false;
      }
    }

    pause(ms) {
      return new Promise((resolve) => {
        const timer = window.setTimeout(done, ms);
        const self = this;
        function done() {
          window.clearTimeout(timer);
          self.wakeUp = null;
          resolve();
        }
        this.wakeUp = done;
      });
    }
  }

  window.WadScanner = window.WadScanner || {};
  window.WadScanner.ScanQueue = ScanQueue;
  window.WadScanner.newNonce = newNonce;
  window.WadScanner.readJSON = readJSON;
  window.WadScanner.writeJSON = writeJSON;
})();
