// Fallback search: find a delegate without a badge, confirm identity, check in.
(function () {
  "use strict";

  /**
   * @param {object} deps config, api, ui (verdict helpers), checkpoint(), zoneFor(),
   *   enqueue(fields), focusScanInput()
   */
  function initSearch(deps) {
    const { config, api, ui, checkpoint, zoneFor, enqueue, focusScanInput } = deps;
    const { fill, formatTime, namesInOrder, categoryName, unlockAudio } = ui;
    const readBody = api.readBody;
    const S = config.strings;
    const $ = (id) => document.getElementById(id);

    async function onSearch(event) {
      event.preventDefault();
      const query = $("search-input").value.trim();
      const list = $("search-results");
      list.replaceChildren();
      $("search-confirm").hidden = true;
      if (query.length < 2) {
        $("search-status").textContent = S.search_short;
        return;
      }
      $("search-status").textContent = S.sending;
      let body = null;
      try {
        const url =
          `${config.api}/checkpoints/${checkpoint().id}/search` +
          `?q=${encodeURIComponent(query)}`;
        const response = await fetch(url, {
          credentials: "same-origin",
          headers: { Accept: "application/json" },
        });
        body = response.ok ? await readBody(response) : null;
      } catch (error) {
        body = null;
      }
      if (!body || !Array.isArray(body.results)) {
        $("search-status").textContent = S.search_failed;
        return;
      }
      $("search-status").textContent = body.results.length ? "" : S.search_none;
      body.results.forEach((person) => list.append(searchRow(person)));
    }

    function searchRow(person) {
      const row = document.createElement("li");
      row.className = "search-row";
      row.dataset.registration = person.id;
      const names = document.createElement("strong");
      names.textContent = namesInOrder(person).join(" · ") || S.no_name;
      const details = document.createElement("span");
      details.className = "muted";
      const parts = [person.organisation, categoryName(person.category), person.mobile];
      if (person.checked_in_at) {
        const time = formatTime(person.checked_in_at, zoneFor(checkpoint()));
        parts.push(fill(S.checked_in_at, { time }));
      }
      details.textContent = parts.filter(Boolean).join(" · ");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "search-pick";
      button.textContent = $("search-results").dataset.pickLabel;
      button.addEventListener("click", () => askToAdmit(person));
      row.append(names, details, button);
      return row;
    }

    function askToAdmit(person) {
      const box = $("search-confirm");
      $("search-confirm-text").textContent = fill(S.confirm_identity, {
        name: namesInOrder(person).join(" / ") || S.no_name,
      });
      box.dataset.registration = person.id;
      box.hidden = false;
      $("search-confirm-yes").focus();
      box.person = person;
    }

    function confirmAdmit() {
      unlockAudio();
      const box = $("search-confirm");
      const person = box.person;
      box.hidden = true;
      if (!person) return;
      // Only what the verdict screen shows is kept on the device, not the phone number.
      const shown = {
        id: person.id,
        name_zh: person.name_zh,
        name_en: person.name_en,
        organisation: person.organisation,
        category: person.category,
      };
      enqueue({ kind: "checkin", registration: person.id, method: "search", person: shown });
      $("search-results").replaceChildren();
      $("search-input").value = "";
      focusScanInput();
    }

    $("search-form").addEventListener("submit", onSearch);
    $("search-confirm-yes").addEventListener("click", confirmAdmit);
    $("search-confirm-no").addEventListener("click", () => {
      $("search-confirm").hidden = true;
    });
  }

  window.WadScanner = window.WadScanner || {};
  window.WadScanner.initSearch = initSearch;
})();
