// The scanner's verdict screen (colour, names, sound, vibration) and the formatting helpers
// the rest of the page shares. Verdicts that arrive back to back are each shown, in order.
(function () {
  "use strict";

  const VERDICT_MS = { ok: 2500, already_checked_in: 5000, pending: 3000 };
  const REFUSED_MS = 6000;
  // Each verdict stays at least this long before the next replaces it: a refusal must
  // not vanish under the next person's green before staff have seen it.
  const MIN_SHOW_MS = { ok: 600, pending: 600 };
  const MIN_REFUSED_SHOW_MS = 1500;

  /**
   * @param {object} config the page's JSON data block
   * @param {() => void} onHide called when the verdict screen closes
   */
  function createVerdicts(config, onHide) {
    const S = config.strings;
    const $ = (id) => document.getElementById(id);
    let verdictTimer = null;
    const waitingVerdicts = [];
    let verdictBusyUntil = 0;
    let verdictPump = null;
    let audio = null;

    function fill(template, values) {
      return template.replace(/%\(([a-z_]+)\)s/g, (whole, name) =>
        name in values ? String(values[name]) : whole,
      );
    }

    /** "09:03" in the event's zone; with the date when it is not today there. */
    function formatTime(iso, zone) {
      if (!iso) return "";
      const when = new Date(iso);
      const options = { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
      const day = (d) => d.toLocaleDateString("en-CA", { timeZone: zone });
      if (day(when) !== day(new Date())) {
        options.month = "short";
        options.day = "numeric";
      }
      return new Intl.DateTimeFormat(config.locale, options).format(when);
    }

    function namesInOrder(registration) {
      const zh = (registration && registration.name_zh) || "";
      const en = (registration && registration.name_en) || "";
      const names = config.locale === "zh-Hans" ? [zh, en] : [en, zh];
      return names.filter(Boolean);
    }

    function displayName(registration) {
      return namesInOrder(registration)[0] || S.no_name;
    }

    function categoryName(category) {
      if (!category) return "";
      return config.locale === "zh-Hans"
        ? category.name_zh || category.name_en
        : category.name_en || category.name_zh;
    }

    function verdictLabel(verdict) {
      if (verdict === "sending") return S.sending;
      if (verdict === "pending") return S.status_pending;
      return S["verdict_" + verdict] || verdict;
    }

    function tone(verdict) {
      if (verdict === "ok") return "ok";
      if (verdict === "already_checked_in") return "warn";
      if (verdict === "pending" || verdict === "sending") return "pending";
      return "bad";
    }

    // ---- sound and vibration -------------------------------------------------------

    /** Browsers (iOS above all) allow sound only after a user gesture: unlock on the first. */
    function unlockAudio() {
      const Context = window.AudioContext || window.webkitAudioContext;
      if (!Context) return;
      if (!audio) audio = new Context();
      if (audio.state === "suspended") audio.resume();
    }

    function beep(notes, type) {
      if (!audio || audio.state !== "running") return;
      let at = audio.currentTime;
      notes.forEach(([frequency, seconds]) => {
        const oscillator = audio.createOscillator();
        const gain = audio.createGain();
        oscillator.type = type;
        oscillator.frequency.value = frequency;
        gain.gain.setValueAtTime(0.25, at);
        gain.gain.exponentialRampToValueAtTime(0.001, at + seconds);
        oscillator.connect(gain).connect(audio.destination);
        oscillator.start(at);
        oscillator.stop(at + seconds);
        at += seconds + 0.04;
      });
    }

    function signal(kind) {
      const sounds = {
        ok: [[[880, 0.09], [1320, 0.14]], "sine"],
        warn: [[[523, 0.18], [523, 0.18]], "triangle"],
        bad: [[[196, 0.45]], "sawtooth"],
        pending: [[[660, 0.08]], "sine"],
      };
      const pattern = { ok: 60, warn: [100, 60, 100], bad: [300, 100, 300], pending: 30 };
      const [notes, type] = sounds[kind];
      beep(notes, type);
      if (navigator.vibrate) navigator.vibrate(pattern[kind]);
    }

    // ---- the verdict screen --------------------------------------------------------

    function showVerdict(entry) {
      const box = $("verdict");
      const kind = tone(entry.verdict);
      const registration = entry.registration;
      const names = namesInOrder(registration);
      const category = registration && registration.category;
      let title = S.refused;
      let message = entry.message || "";
      if (entry.verdict === "ok") {
        title = entry.direction === "out" ? S.exit : S.admitted;
        message = "";
      } else if (entry.verdict === "already_checked_in") {
        title = S.already;
        const time = formatTime(entry.checkedInAt, entry.zone);
        if (time) {
          message = entry.checkedInDevice
            ? fill(S.already_at_device, { time, device: entry.checkedInDevice })
            : fill(S.already_at, { time });
        }
      } else if (entry.verdict === "pending") {
        title = S.pending;
        message = S.pending_detail;
      }
      box.dataset.verdict = entry.verdict;
      box.dataset.tone = kind;
      $("verdict-title").textContent = title;
      $("verdict-name").textContent = names[0] || "";
      $("verdict-name-other").textContent = names[1] || "";
      $("verdict-org").textContent = (registration && registration.organisation) || "";
      $("verdict-category").textContent = categoryName(category);
      const swatch = $("verdict-swatch");
      const colour =
        category && /^#[0-9a-fA-F]{3,8}$/.test(category.colour || "") ? category.colour : "";
      swatch.hidden = !colour;
      swatch.style.backgroundColor = colour;
      $("verdict-message").textContent = message;
      box.hidden = false;
      signal(kind);
      window.clearTimeout(verdictTimer);
      verdictTimer = window.setTimeout(hideVerdict, VERDICT_MS[entry.verdict] || REFUSED_MS);
    }

    /** Queue a verdict for the screen; each gets its minimum time before the next replaces it. */
    function presentVerdict(entry) {
      waitingVerdicts.push(entry);
      pumpVerdicts();
    }

    function pumpVerdicts() {
      if (verdictPump || !waitingVerdicts.length) return;
      const wait = verdictBusyUntil - Date.now();
      if (wait > 0) {
        verdictPump = window.setTimeout(() => {
          verdictPump = null;
          pumpVerdicts();
        }, wait);
        return;
      }
      const entry = waitingVerdicts.shift();
      showVerdict(entry);
      verdictBusyUntil = Date.now() + (MIN_SHOW_MS[entry.verdict] || MIN_REFUSED_SHOW_MS);
      pumpVerdicts();
    }

    function hideVerdict() {
      window.clearTimeout(verdictTimer);
      $("verdict").hidden = true;
      onHide();
    }

    return {
      fill,
      formatTime,
      namesInOrder,
      displayName,
      categoryName,
      verdictLabel,
      tone,
      unlockAudio,
      presentVerdict,
      hideVerdict,
    };
  }

  window.WadScanner = window.WadScanner || {};
  window.WadScanner.createVerdicts = createVerdicts;
})();
