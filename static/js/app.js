// Linli: live updates. Socket.IO events become htmx triggers; fragments refetch themselves.
(function () {
  "use strict";

  function showLive(state) {
    var banner = document.getElementById("live-status");
    document.body.dataset.liveState = state;
    if (banner) banner.hidden = state !== "reconnecting";
  }

  function connect() {
    if (document.body.dataset.live !== "on" || typeof io === "undefined") return;
    var socket = io({ transports: ["websocket", "polling"] });
    var wasConnected = false;
    socket.on("connect", function () {
      showLive("connected");
      // back after a drop: pushes sent meanwhile are lost, so live fragments fetch their state
      // again (hx-trigger "portal:resync from:body")
      if (wasConnected) htmx.trigger(document.body, "portal:resync", {});
      wasConnected = true;
      // rooms a page asks to watch: <body data-rooms> or any element with data-rooms (checked server-side)
      var rooms = [];
      document.querySelectorAll("[data-rooms]").forEach(function (el) {
        el.dataset.rooms.split(" ").forEach(function (room) { if (room && rooms.indexOf(room) < 0) rooms.push(room); });
      });
      // the rooms the server let it join, on <body data-watching> (what a test waits for)
      if (rooms.length) socket.emit("watch", { rooms: rooms }, function (answer) {
        document.body.dataset.watching = ((answer && answer.joined) || []).join(" ");
      });
    });
    socket.on("disconnect", function () { showLive("reconnecting"); });
    socket.io.on("reconnect_attempt", function () { showLive("reconnecting"); });
    socket.on("portal", function (event) {
      if (!event || typeof event.type !== "string") return;
      htmx.trigger(document.body, "portal:" + event.type, event);
      // and one named after the object, so a fragment can listen to its own (hx-trigger
      // "portal:groupbuy:12 from:body"): event filters would need eval, which the CSP forbids
      if (typeof event.id === "number") htmx.trigger(document.body, "portal:" + event.type + ":" + event.id, event);
    });
    window.linliSocket = socket;
  }

  document.addEventListener("DOMContentLoaded", connect);

  // Select-all on the invite link field makes copying easy on phones.
  document.addEventListener("focusin", function (e) {
    if (e.target.classList && e.target.classList.contains("invite-link")) e.target.select();
  });
})();
