// Scan a QR code with the phone's camera: 核销 (/pickup/verify) and event check-in (the door).
//
// A page puts {{ qr_scan(...) }} (templates/_macros/qrscan.html) in or beside its form; the
// "scan" button shows only where a camera API exists (a secure context: https, or localhost).
// It opens the camera with qr-scanner (nimiq, vendored in static/vendor, its decoder in a
// worker); on a decode linliQr.decoded(box, text):
//   - a pickup code (8 digits): fills the form's code field and submits the form;
//   - a link of the portal's own (the order's or ticket's QR: data-qr-links names the paths):
//     opens that path on this site (never another site), where the handover or check-in is
//     confirmed;
//   - anything else: says so, and the code can still be typed.
(function () {
  "use strict";

  var active = null; // {box, scanner}

  function cameraAvailable() {
    return !!(window.isSecureContext && navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
  }

  function say(box, text) {
    var status = box.querySelector(".qr-scan-status");
    if (status) status.textContent = text || "";
  }

  function stop() {
    if (!active) return;
    var box = active.box;
    if (active.scanner) {
      active.scanner.stop();
      active.scanner.destroy();
    }
    active = null;
    box.querySelector(".qr-scan-view").hidden = true;
    box.querySelector(".qr-scan-start").hidden = false;
  }

  function decoded(box, text) {
    stop();
    text = String(text || "").trim();
    var digits = text.replace(/\s+/g, "");
    var form = box.closest("form");
    var field = box.dataset.qrField && form ? form.querySelector('[name="' + box.dataset.qrField + '"]') : null;
    if (field && /^\d{8}$/.test(digits)) {
      field.value = digits.slice(0, 4) + " " + digits.slice(4);
      say(box, "");
      form.requestSubmit();
      return "code";
    }
    var url = null;
    try {
      url = new URL(text);
    } catch (error) {
      url = null;
    }
    var paths = (box.dataset.qrLinks || "").split(" ").filter(Boolean);
    if (url && /^https?:$/.test(url.protocol) && paths.some(function (p) { return url.pathname.indexOf(p) === 0; })) {
      window.location.assign(window.location.origin + url.pathname);
      return "link";
    }
    say(box, box.dataset.qrUnknown);
    return "unknown";
  }

  function start(box) {
    stop();
    if (typeof window.QrScanner === "undefined") {
      say(box, box.dataset.qrFailed);
      return;
    }
    var video = box.querySelector("video");
    box.querySelector(".qr-scan-view").hidden = false;
    box.querySelector(".qr-scan-start").hidden = true;
    say(box, box.dataset.qrAim);
    var scanner = new window.QrScanner(video, function (result) { decoded(box, result.data); }, {
      returnDetailedScanResult: true,
      preferredCamera: "environment",
      maxScansPerSecond: 8,
    });
    active = {box: box, scanner: scanner};
    scanner.start().catch(function () {
      if (active && active.scanner === scanner) stop();
      say(box, box.dataset.qrFailed);
    });
  }

  function show(root) {
    if (!cameraAvailable()) return;
    (root.querySelectorAll ? root : document).querySelectorAll("[data-qr-scan] .qr-scan-start").forEach(function (button) {
      button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest && event.target.closest("[data-qr-scan]");
    if (!box) return;
    if (event.target.closest(".qr-scan-start")) start(box);
    else if (event.target.closest(".qr-scan-stop")) {
      stop();
      say(box, "");
    }
  });
  // an htmx swap that replaces the form (a 422 answer) brings a fresh box
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (active && event.detail.target && event.detail.target.contains(active.box)) stop();
  });
  document.addEventListener("htmx:load", function (event) { show(event.target); });
  window.addEventListener("pagehide", stop);
  show(document);

  window.linliQr = {decoded: decoded, cameraAvailable: cameraAvailable};
})();
