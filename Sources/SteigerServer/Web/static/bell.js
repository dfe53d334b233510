// The bell's number, kept live: server-sent events from /notifications/live, or a look at the
// API every 30 seconds where the browser has no EventSource or the stream keeps failing.
(function () {
  "use strict";
  var bell = document.querySelector(".bell");
  if (!bell) return;
  var count = bell.querySelector(".count");

  function show(unread) {
    count.textContent = String(unread);
    count.hidden = unread === 0;
    bell.setAttribute("aria-label", unread === 0 ? bell.dataset.labelNone : bell.dataset.label.replace("{count}", String(unread)));
  }

  function poll() {
    fetch("/api/v1/me/notifications?unread=true&limit=1", { credentials: "same-origin" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (body) { if (body) show(body.unread); })
      .catch(function () {});
  }

  function fallBack() {
    poll();
    setInterval(poll, 30000);
  }

  if (!window.EventSource) { fallBack(); return; }
  var failures = 0;
  var source = new EventSource(bell.dataset.live);
  source.addEventListener("unread", function (event) {
    failures = 0;
    show(parseInt(event.data, 10) || 0);
  });
  source.onerror = function () {
    failures += 1;
    if (failures >= 5) { source.close(); fallBack(); }
  };
})();
