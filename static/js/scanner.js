// The scanner page: pick a checkpoint, read badges (camera or handheld), show the verdict.
//
// Everything goes through the scan API with the staff session. A scan is shown as
// admitted only when the server said "ok"; until then it is pending, and the queue
// (scanner-queue.js) sends it again with the same nonce.
(function () {
  "use strict";

  const config = JSON.parse(document.getElementById("scanner-config").textContent);
  const S = config.strings;
  const $ = (id) => document.getElementById(id);
  const HISTORY_SIZE = 20;
  // A code that stays in front of the camera is sent once; seen again after this gap, again.
  const CAMERA_DEBOUNCE_MS = 3000;
  const SETUP_KEY = "wadconf.scanner.setup";
  const { ScanQueue, CameraScanner, readJSON, writeJSON } = window.WadScanner;
  const ui = window.WadScanner.createVerdicts(config, () => focusScanInput());
  const api = window.WadScanner.createApi(config);
  const { fill, formatTime, displayName, verdictLabel, tone, unlockAudio, presentVerdict } = ui;

  let checkpoints = [];
  let setup = readJSON(SETUP_KEY, null);
  let history = readJSON(config.storageKey + ".history", []);
  let lastCamera = { code: "", at: 0 };
  let queue = null;
  let camera = null;

  // ---- small helpers -------------------------------------------------------------

  function zoneFor(checkpoint) {
    const event = (checkpoint && checkpoint.event) || {};
    return event.timezone || (event.slug && config.zones[event.slug]) || config.zone;
  }

  function notice(text, kind) {
    const box = $("scanner-notice");
    box.textContent = text;
    box.dataset.kind = kind || "info";
    box.hidden = !text;
  }

  // ---- recent scans and undo -----------------------------------------------------

  function saveHistory() {
    history = history.slice(0, HISTORY_SIZE);
    writeJSON(config.storageKey + ".history", history);
  }

  function renderHistory() {
    const list = $("history");
    list.replaceChildren();
    history.forEach((entry) => {
      const row = document.createElement("li");
      row.className = "history-row";
      row.dataset.tone = entry.annulled ? "annulled" : tone(entry.verdict);
      row.dataset.verdict = entry.verdict;
      row.dataset.nonce = entry.nonce;
      if (entry.annulled) row.dataset.annulled = "true";
      const time = document.createElement("time");
      time.textContent = formatTime(new Date(entry.at).toISOString(), entry.zone);
      const status = document.createElement("span");
      status.className = "history-status";
      status.textContent = entry.annulled
        ? S.status_annulled
        : entry.verdict === "ok" && entry.direction === "out"
          ? S.exit
          : verdictLabel(entry.verdict);
      const name = document.createElement("span");
      name.className = "history-name";
      name.textContent = entry.registration ? displayName(entry.registration) : entry.code;
      const detail = document.createElement("span");
      detail.className = "history-detail";
      detail.textContent = entry.verdict === "ok" ? "" : entry.message || "";
      row.append(time, status, name, detail);
      list.append(row);
    });
    $("history-empty").hidden = history.length > 0;
    updateUndo();
    updatePendingBanner();
  }

  function undoCandidate() {
    const limit = Date.now() - config.undoMinutes * 60 * 1000;
    return history.find(
      (entry) =>
        entry.verdict === "ok" &&
        entry.direction !== "out" &&
        entry.scanId &&
        !entry.annulled &&
        entry.at > limit,
    );
  }

  function updateUndo() {
    const entry = undoCandidate();
    const button = $("undo-open");
    button.disabled = !entry;
    $("undo-name").textContent = entry ? displayName(entry.registration) : "";
  }

  async function submitUndo(event) {
    event.preventDefault();
    const entry = undoCandidate();
    const reason = $("undo-reason").value.trim();
    if (!entry) return closeUndo();
    if (!reason) {
      notice(S.reason_required, "bad");
      $("undo-reason").focus();
      return;
    }
    let body = null;
    try {
      const response = await fetch(`${config.api}/scans/${entry.scanId}/undo`, {
        method: "POST",
        credentials: "same-origin",
        headers: api.jsonHeaders(),
        body: JSON.stringify({ reason }),
      });
      body = await api.readBody(response);
      if (response.ok && body) {
        entry.annulled = true;
        saveHistory();
        renderHistory();
        notice(fill(S.undo_done, { name: displayName(entry.registration) }), "info");
        closeUndo();
        return;
      }
    } catch (error) {
      body = null;
    }
    notice(fill(S.undo_failed, { message: (body && body.message) || S.search_failed }), "bad");
  }

  function openUndo() {
    $("undo-form").hidden = false;
    $("undo-reason").value = "";
    $("undo-reason").focus();
  }

  function closeUndo() {
    $("undo-form").hidden = true;
    focusScanInput();
  }

  function updatePendingBanner() {
    const waiting = queue ? queue.length : 0;
    $("pending-banner").hidden = waiting === 0;
    $("pending-count").textContent = String(waiting);
  }

  function onOutcome(item, outcome) {
    const entry = history.find((candidate) => candidate.nonce === item.nonce);
    if (outcome.retry) {
      if (outcome.reason === "signed_out") notice(outcome.message || S.signed_out, "bad");
      else if (outcome.reason === "server_error") notice(S.server_error, "bad");
      // Everything queued behind it waits as well: none of it may be taken as admitted.
      const waiting = new Set(queue.items.map((queued) => queued.nonce));
      history.forEach((row) => {
        if (waiting.has(row.nonce)) row.verdict = "pending";
      });
      saveHistory();
      renderHistory();
      if (item.attempts === 1) {
        presentVerdict({ verdict: "pending", registration: item.person || null });
      }
      return;
    }
    const result = outcome.result;
    const fields = {
      verdict: result.result,
      message: result.message || "",
      scanId: result.scan_id || null,
      registration: result.registration || null,
      checkedInAt: result.checked_in_at || null,
      checkedInDevice: result.checked_in_device || "",
    };
    if (entry) Object.assign(entry, fields);
    saveHistory();
    renderHistory();
    presentVerdict(Object.assign({ zone: item.zone, direction: item.direction }, fields));
    if (queue.length === 0) notice("", "info");
  }

  /** Record a read in the list (as sending) and queue it. */
  function enqueue(fields) {
    if (!setup) {
      notice(S.pick_checkpoint, "bad");
      return;
    }
    const zone = zoneFor(setup.checkpoint);
    const blocked = queue.items.some((queued) => queued.pending);
    const item = queue.add(
      Object.assign(
        { checkpoint: setup.checkpoint.id, device: setup.device || "", zone },
        fields,
      ),
    );
    history.unshift({
      nonce: item.nonce,
      at: item.queuedAt,
      zone,
      code: item.code || "",
      direction: item.direction || "in",
      verdict: blocked ? "pending" : "sending",
      // A search check-in knows the person; a code does not until the server says.
      registration: fields.person || null,
      message: "",
    });
    saveHistory();
    renderHistory();
    updatePendingBanner();
    if (blocked) presentVerdict({ verdict: "pending", registration: fields.person || null });
  }

  // ---- input: handheld scanners, the camera, search -------------------------------

  /** "in", or "out" when this lane records exits at an entry/exit checkpoint. */
  function direction() {
    const chosen = document.querySelector('input[name="direction"]:checked');
    return !$("direction").hidden && chosen ? chosen.value : "in";
  }

  function focusScanInput() {
    const input = $("scan-input");
    if (!input || $("scanner-main").hidden) return;
    const active = document.activeElement;
    const busyElsewhere =
      active && active !== input && active.matches("input, select, textarea") && !active.disabled;
    if (!busyElsewhere && window.matchMedia("(pointer: fine)").matches) input.focus();
  }

  function onScanSubmit(event) {
    event.preventDefault();
    unlockAudio();
    const input = $("scan-input");
    const code = input.value.trim();
    input.value = "";
    if (code) enqueue({ kind: "scan", code, method: "keyboard", direction: direction() });
    input.focus();
  }

  function onCameraCode(text) {
    const code = text.trim();
    const now = Date.now();
    if (code === lastCamera.code && now - lastCamera.at < CAMERA_DEBOUNCE_MS) {
      lastCamera.at = now; // still in front of the camera: not a new scan
      return;
    }
    lastCamera = { code, at: now };
    if (!code.toUpperCase().startsWith(config.prefix)) {
      notice(S.not_badge, "info");
      return;
    }
    enqueue({ kind: "scan", code, method: "camera", direction: direction() });
  }

  async function startCamera() {
    unlockAudio();
    if (!CameraScanner.available()) {
      $("camera-status").textContent = S.camera_unsupported;
      return;
    }
    if (!camera) {
      camera = new CameraScanner($("camera-video"), {
        workerUrl: config.worker,
        decoderUrl: config.decoder,
        onCode: onCameraCode,
      });
    }
    $("camera-start").disabled = true;
    try {
      await camera.start();
      $("camera-video").hidden = false;
      $("camera-start").hidden = true;
      $("camera-stop").hidden = false;
      $("camera-status").textContent = "";
      $("camera").dataset.engine = camera.engine;
      $("camera").dataset.running = "true";
    } catch (error) {
      $("camera-status").textContent = fill(S.camera_failed, { error: error.name || error });
    } finally {
      $("camera-start").disabled = false;
      focusScanInput();
    }
  }

  function stopCamera() {
    if (camera) camera.stop();
    $("camera-video").hidden = true;
    $("camera-start").hidden = false;
    $("camera-stop").hidden = true;
    $("camera").dataset.running = "false";
    focusScanInput();
  }

  // ---- checkpoint setup ----------------------------------------------------------

  function checkpointLabel(checkpoint) {
    const name =
      config.locale === "zh-Hans"
        ? checkpoint.name_zh || checkpoint.name
        : checkpoint.name_en || checkpoint.name;
    const eventName = checkpoint.event && checkpoint.event.name;
    const label = [name || checkpoint.code, eventName].filter(Boolean).join(" · ");
    return checkpoint.is_open === false ? `${label} (${S.closed})` : label;
  }

  function showSetup() {
    const select = $("setup-checkpoint");
    select.replaceChildren();
    checkpoints.forEach((checkpoint) => {
      const option = document.createElement("option");
      option.value = String(checkpoint.id);
      option.textContent = checkpointLabel(checkpoint);
      select.append(option);
    });
    if (setup) {
      select.value = String(setup.checkpoint.id);
      $("setup-device").value = setup.device || "";
    }
    $("scanner-setup").hidden = false;
    $("scanner-main").hidden = true;
    if (camera) stopCamera();
  }

  function onSetupSubmit(event) {
    event.preventDefault();
    const id = Number($("setup-checkpoint").value);
    const checkpoint = checkpoints.find((candidate) => candidate.id === id);
    if (!checkpoint) return;
    setup = { checkpoint, device: $("setup-device").value.trim().slice(0, 100) };
    writeJSON(SETUP_KEY, setup);
    showMain();
  }

  function showMain() {
    $("scanner-setup").hidden = true;
    $("scanner-main").hidden = false;
    $("where-checkpoint").textContent = checkpointLabel(setup.checkpoint);
    $("where-device").textContent = setup.device || "";
    $("direction").hidden = setup.checkpoint.reentry !== "in_out";
    $("scanner").dataset.checkpoint = String(setup.checkpoint.id);
    focusScanInput();
  }

  async function loadCheckpoints() {
    try {
      const response = await fetch(`${config.api}/checkpoints`, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
      const body = response.ok ? await api.readBody(response) : null;
      if (!body || !Array.isArray(body.checkpoints)) throw new Error(String(response.status));
      checkpoints = body.checkpoints;
    } catch (error) {
      // Offline after a reload: keep scanning at the remembered checkpoint; scans queue.
      if (setup) {
        showMain();
        return;
      }
      notice(S.load_failed, "bad");
      return;
    }
    if (!checkpoints.length) {
      notice(S.no_checkpoints, "bad");
      return;
    }
    const remembered = setup && checkpoints.find((c) => c.id === setup.checkpoint.id);
    if (remembered) {
      setup.checkpoint = remembered;
      writeJSON(SETUP_KEY, setup);
      showMain();
    } else {
      setup = null;
      showSetup();
    }
  }

  // ---- wiring --------------------------------------------------------------------

  function init() {
    queue = new ScanQueue(config.storageKey + ".queue", api.sendItem, onOutcome);
    // A reload during an outage: whatever was still being sent is pending now.
    history.forEach((entry) => {
      if (entry.verdict === "sending") entry.verdict = "pending";
    });
    $("setup-form").addEventListener("submit", onSetupSubmit);
    $("change-checkpoint").addEventListener("click", showSetup);
    $("scan-form").addEventListener("submit", onScanSubmit);
    $("camera-start").addEventListener("click", startCamera);
    $("camera-stop").addEventListener("click", stopCamera);
    $("verdict").addEventListener("click", ui.hideVerdict);
    $("undo-open").addEventListener("click", openUndo);
    $("undo-form").addEventListener("submit", submitUndo);
    $("undo-cancel").addEventListener("click", closeUndo);
    window.WadScanner.initSearch({
      config,
      api,
      ui,
      checkpoint: () => setup.checkpoint,
      zoneFor,
      enqueue,
      focusScanInput,
    });
    $("retry-now").addEventListener("click", () => queue.wake());
    window.addEventListener("online", () => queue.wake());
    // Names of the last scans stay on a shared device no longer than the login; scans
    // still waiting stay too (under this account) so that none is lost.
    const logout = document.querySelector('form[action$="/logout"]');
    if (logout) {
      logout.addEventListener("submit", () => {
        window.localStorage.removeItem(config.storageKey + ".history");
      });
    }
    document.addEventListener("keydown", unlockAudio, { once: true });
    document.addEventListener("pointerdown", unlockAudio, { once: true });
    // Clicks on nothing in particular give the focus back to the handheld input.
    document.addEventListener("click", (event) => {
      if (!event.target.closest("input, select, textarea, button, a, label, form, dialog")) {
        focusScanInput();
      }
    });
    renderHistory();
    // The undo button expires with the grace period even when nothing else happens.
    window.setInterval(updateUndo, 30000);
    loadCheckpoints();
    queue.run();
    $("scanner").dataset.ready = "true";
  }

  init();
})();
