// Live pages (check-in dashboard, signing readiness): fetch the #live fragment again every
// few seconds.
// The page works without this file (reload by hand); CSP forbids inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  const live = document.getElementById("live");
  if (!live || !live.dataset.refreshUrl) return;
  const status = document.getElementById("refresh-status");
  const normalText = status ? status.textContent : "";
  const seconds = Math.max(5, parseInt(live.dataset.refreshSeconds || "10", 10));
  let busy = false;

  async function refresh() {
    // Nobody looks at a hidden tab: skip the request, catch up when it is shown again.
    if (busy || document.hidden) return;
    busy = true;
    try {
      const response = await fetch(live.dataset.refreshUrl, {
        credentials: "same-origin",
        headers: { "X-Requested-With": "fetch" },
        cache: "no-store",
      });
      // A login page after a timeout, or an error: keep the last state and say so.
      if (!response.ok || response.redirected) throw new Error(String(response.status));
      // The fragment is rendered by the server with Jinja's escaping, as the page itself.
      live.innerHTML = await response.text();
      if (status) {
        status.textContent = normalText;
        status.classList.remove("stale");
      }
    } catch (error) {
      if (status) {
        status.textContent = status.dataset.staleText || "";
        status.classList.add("stale");
      }
    } finally {
      busy = false;
    }
  }

  window.setInterval(refresh, seconds * 1000);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
});
