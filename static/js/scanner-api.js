// The scanner's requests to the scan API: session cookie plus the page's CSRF token.
(function () {
  "use strict";

  //: After this many server errors for one scan, it is refused so the lane moves on.
  const SERVER_ERROR_TRIES = 3;

  function createApi(config) {
    const S = config.strings;

    function csrfToken() {
      const meta = document.querySelector('meta[name="csrf-token"]');
      return (meta && meta.content) || config.csrf;
    }

    // ---- talking to the API --------------------------------------------------------

    function jsonHeaders() {
      return {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
      };
    }

    async function readBody(response) {
      const type = response.headers.get("Content-Type") || "";
      if (!type.includes("json")) return null;
      try {
        return await response.json();
      } catch (error) {
        return null;
      }
    }

    /** One attempt at sending a queued item: an answer, or {retry: true} when there is none. */
    async function sendItem(item) {
      const url =
        item.kind === "checkin"
          ? `${config.api}/checkpoints/${item.checkpoint}/checkins`
          : `${config.api}/scans`;
      const payload =
        item.kind === "checkin"
          ? { registration: item.registration, nonce: item.nonce, device: item.device }
          : {
              checkpoint: item.checkpoint,
              code: item.code,
              nonce: item.nonce,
              device: item.device,
              method: item.method,
              direction: item.direction || "in",
            };
      const controller = new AbortController();
      const timer = window.setTimeout(() => controller.abort(), 10000);
      let response;
      try {
        response = await fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: jsonHeaders(),
          body: JSON.stringify(payload),
          signal: controller.signal,
        });
      } catch (error) {
        return { retry: true, reason: "offline" };
      } finally {
        window.clearTimeout(timer);
      }
      const body = await readBody(response);
      if (response.status === 401 || response.redirected) {
        return { retry: true, reason: "signed_out" };
      }
      if (response.status >= 500 || response.status === 429 || !body) {
        // One code the server keeps failing on must not hold up the lane behind it.
        if (response.status >= 500 && item.attempts >= SERVER_ERROR_TRIES - 1) {
          return { retry: false, result: { result: "error", message: S.server_gave_up } };
        }
        return { retry: true, reason: "server_error" };
      }
      if (body.result) return { retry: false, result: body };
      // A stale page (CSRF) or an ended session: keep the scan; it goes after a reload or login.
      if (body.error === "csrf" || body.error === "unauthorized") {
        return { retry: true, reason: "signed_out", message: body.message };
      }
      return {
        retry: false,
        result: { result: "error", message: body.message || String(response.status) },
      };
    }

    return { jsonHeaders, readBody, sendItem };
  }

  window.WadScanner = window.WadScanner || {};
  window.WadScanner.createApi = createApi;
})();
