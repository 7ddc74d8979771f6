// Events: a page that shows live counts names its Socket.IO room in data-watch-rooms;
// app.js asks to watch body.dataset.rooms when the socket (re)connects.
(function () {
  "use strict";
  var holder = document.querySelector("[data-watch-rooms]");
  if (holder && holder.dataset.watchRooms) {
    var rooms = (document.body.dataset.rooms || "").split(" ").filter(Boolean);
    holder.dataset.watchRooms.split(" ").forEach(function (room) {
      if (room && rooms.indexOf(room) < 0) rooms.push(room);
    });
    document.body.dataset.rooms = rooms.join(" ");
  }
})();
