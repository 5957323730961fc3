// The schedule editor's grid: places the session blocks from their data-* attributes
// (the CSP forbids inline styles, setting element.style from script is allowed), colours
// them by track, and moves or resizes sessions by drag and drop. A drop posts JSON to the
// session's move endpoint with the page's CSRF token; when the move makes clashes the
// warnings are shown and the organiser confirms before the same move is sent again with
// confirm_clashes. Without this file the page still works: every session has a move form.
(function () {
  "use strict";

  const COLOUR = /^#[0-9a-fA-F]{6}$/;
  let text = {};
  let dragging = null; // {block, mode: "move" | "resize"}

  function colourise(root) {
    root.querySelectorAll("[data-colour]").forEach((el) => {
      const colour = el.dataset.colour;
      if (!COLOUR.test(colour)) return;
      if (el.classList.contains("swatch")) {
        el.style.backgroundColor = colour;
        return;
      }
      el.style.borderLeftColor = colour;
      // A light tint of the track colour (8-digit hex: about 12% opacity) behind the text.
      if (el.classList.contains("sched-block")) el.style.backgroundColor = colour + "1f";
    });
  }

  function minutesOf(hhmm) {
    const [h, m] = hhmm.split(":").map(Number);
    return h * 60 + m;
  }

  function hhmm(minutes) {
    const h = Math.floor(minutes / 60);
    const m = minutes % 60;
    return String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0");
  }

  function place(grid) {
    const rows = Number(grid.dataset.rows);
    const columns = Number(grid.dataset.columns);
    // Columns share the width; past 10rem each the grid grows and its box scrolls sideways.
    grid.style.gridTemplateColumns = "4rem repeat(" + columns + ", minmax(10rem, 1fr))";
    grid.style.minWidth = "calc(4rem + " + columns + " * 10rem)";
    grid.style.gridTemplateRows = "auto repeat(" + rows + ", 1.3rem)";
    grid.querySelectorAll(".sched-corner, .sched-head, .sched-tick").forEach((el) => {
      el.style.gridColumn = String(Number(el.dataset.col) + 1);
      el.style.gridRow = String(Number(el.dataset.row) + 1);
    });
    const heads = Array.from(grid.querySelectorAll(".sched-head"));
    const ticks = Array.from(grid.querySelectorAll(".sched-tick"));
    const cells = document.createDocumentFragment();
    heads.forEach((head) => {
      ticks.forEach((tick) => {
        const cell = document.createElement("div");
        cell.className = "sched-cell" + (tick.classList.contains("hour") ? " hour" : "");
        cell.dataset.col = head.dataset.col;
        cell.dataset.room = head.dataset.room;
        cell.dataset.time = tick.dataset.time;
        cell.style.gridColumn = String(Number(head.dataset.col) + 1);
        cell.style.gridRow = String(Number(tick.dataset.row) + 1);
        cells.appendChild(cell);
      });
    });
    // Cells first in the DOM, so blocks (later) paint above them.
    grid.insertBefore(cells, grid.querySelector(".sched-block"));
    grid.querySelectorAll(".sched-block").forEach((block) => {
      block.style.gridColumn = String(Number(block.dataset.col) + 1);
      block.style.gridRow =
        Number(block.dataset.rowStart) + 1 + " / " + (Number(block.dataset.rowEnd) + 1);
      block.draggable = true;
      const handle = block.querySelector(".sched-resize");
      if (handle) handle.draggable = true;
    });
    grid.classList.add("is-placed");
  }

  function csrfToken() {
    const meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function describe(warnings) {
    return warnings.map((w) => "• " + w.message).join("\n");
  }

  async function post(block, body) {
    block.classList.add("is-saving");
    let response;
    try {
      response = await fetch(block.dataset.moveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      block.classList.remove("is-saving");
      window.alert(text.network || "Network error");
      return;
    }
    let answer = {};
    try {
      answer = await response.json();
    } catch (error) {
      answer = { ok: false, message: String(response.status) };
    }
    block.classList.remove("is-saving");
    if (answer.ok) {
      window.location.reload();
      return;
    }
    if (answer.code === "clashes_need_confirmation" && !body.confirm_clashes) {
      const question =
        (text.confirm || "") + "\n\n" + describe(answer.warnings || []) + "\n\n" +
        (text.confirm_question || "");
      if (window.confirm(question)) post(block, Object.assign({}, body, { confirm_clashes: "y" }));
      return;
    }
    let detail = answer.message || "";
    if (answer.errors) detail = Object.values(answer.errors).flat().join("\n");
    window.alert((text.failed || "") + "\n" + detail);
  }

  function onDrop(cell) {
    if (!dragging) return;
    const { block, mode } = dragging;
    const grid = cell.closest(".sched-grid");
    const day = grid.dataset.day;
    const step = Number(grid.dataset.rowMinutes) || 15;
    const minutes = Number(block.dataset.minutes);
    let body;
    if (mode === "resize") {
      const start = minutesOf(block.dataset.start);
      const end = minutesOf(cell.dataset.time) + step;
      if (end <= start || block.dataset.day !== day) return;
      body = { day: block.dataset.day, start: block.dataset.start, end: hhmm(end), room_id: block.dataset.room };
    } else {
      const start = minutesOf(cell.dataset.time);
      const end = start + minutes;
      if (end >= 24 * 60) return;
      if (day === block.dataset.day && cell.dataset.time === block.dataset.start &&
          cell.dataset.room === block.dataset.room) return;
      body = { day: day, start: cell.dataset.time, end: hhmm(end), room_id: cell.dataset.room };
    }
    post(block, body);
  }

  function wire(grid) {
    grid.addEventListener("dragstart", (event) => {
      const handle = event.target.closest && event.target.closest(".sched-resize");
      const block = event.target.closest && event.target.closest(".sched-block");
      if (!block) return;
      dragging = { block: block, mode: handle ? "resize" : "move" };
      block.classList.add("is-dragging");
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", block.dataset.sessionId);
      if (handle) event.stopPropagation();
      // Let drops reach the cells under other blocks (a slot already taken is a valid
      // target: the server then warns of the clash). Deferred, so the drag itself starts.
      window.setTimeout(() => grid.classList.add("is-drag-active"), 0);
    });
    grid.addEventListener("dragend", () => {
      if (dragging) dragging.block.classList.remove("is-dragging");
      grid.classList.remove("is-drag-active");
      grid.querySelectorAll(".drop-over").forEach((el) => el.classList.remove("drop-over"));
      dragging = null;
    });
    grid.addEventListener("dragover", (event) => {
      const cell = event.target.closest && event.target.closest(".sched-cell");
      if (!cell || !dragging) return;
      event.preventDefault();
      event.dataTransfer.dropEffect = "move";
      grid.querySelectorAll(".drop-over").forEach((el) => el.classList.remove("drop-over"));
      cell.classList.add("drop-over");
    });
    grid.addEventListener("drop", (event) => {
      const cell = event.target.closest && event.target.closest(".sched-cell");
      if (!cell) return;
      event.preventDefault();
      const current = dragging;
      grid.classList.remove("is-drag-active");
      onDrop(cell);
      if (current) current.block.classList.remove("is-dragging");
      dragging = null;
    });
    // A double click on an empty cell starts a new session there.
    grid.addEventListener("dblclick", (event) => {
      const cell = event.target.closest && event.target.closest(".sched-cell");
      if (!cell || !grid.dataset.newUrl) return;
      const params = new URLSearchParams({ day: grid.dataset.day, start: cell.dataset.time });
      if (cell.dataset.room) params.set("room_id", cell.dataset.room);
      window.location.href = grid.dataset.newUrl + "?" + params.toString();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const source = document.getElementById("schedule-editor-text");
    if (source) {
      try {
        text = JSON.parse(source.textContent);
      } catch (error) {
        text = {};
      }
    }
    colourise(document);
    document.querySelectorAll(".sched-grid").forEach((grid) => {
      place(grid);
      wire(grid);
    });
  });
})();
