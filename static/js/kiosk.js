// Kiosk board: a ticking clock, and a board that catches up after every reconnection.
// app.js joins the rooms in <body data-rooms> and turns pushes into `portal:<type>` events;
// the board refetches itself on `portal:locker` (hx-trigger), at most one request at a time
// (htmx queues the last trigger while one is in flight).
(function () {
  "use strict";

  var body = document.body;
  var tz = body.dataset.tz || "Asia/Shanghai";
  var locale = body.dataset.locale || "zh-CN";

  function formatter(options) {
    try { return new Intl.DateTimeFormat(locale, Object.assign({ timeZone: tz }, options)); }
    catch (e) { return new Intl.DateTimeFormat(undefined, options); }
  }
  var timeFormat = formatter({ hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  var dateFormat = formatter({ year: "numeric", month: "long", day: "numeric", weekday: "long" });

  function tick() {
    var now = new Date();
    var clock = document.getElementById("k-clock");
    var date = document.getElementById("k-date");
    if (clock) { clock.textContent = timeFormat.format(now); clock.setAttribute("datetime", now.toISOString()); }
    if (date) date.textContent = dateFormat.format(now);
  }

  function showReconnecting(on) {
    var banner = document.getElementById("live-status");
    if (banner) banner.hidden = !on;
    body.dataset.liveState = on ? "reconnecting" : "connected";
  }

  function refresh() { htmx.trigger(body, "portal:locker", {}); }

  var hooked = false;
  function hookSocket() {
    var socket = window.linliSocket;
    if (!socket || hooked) return;
    hooked = true;
    // whatever was pushed while disconnected is fetched once we are back
    socket.on("connect", function () { showReconnecting(false); refresh(); });
    socket.on("connect_error", function () { showReconnecting(true); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 1000);
    hookSocket();
    setInterval(hookSocket, 1000);
    // the board's own requests failing means the network or the server is gone
    body.addEventListener("htmx:sendError", function () { showReconnecting(true); });
    body.addEventListener("htmx:responseError", function (e) {
      if (e.detail.xhr && e.detail.xhr.status === 401) { window.location.reload(); return; }
      showReconnecting(true);
    });
    body.addEventListener("htmx:afterSwap", function () {
      if (window.linliSocket && window.linliSocket.connected) showReconnecting(false);
    });
  });
})();
