// Linli group buying: quantity steppers and the print button (no inline scripts under the CSP).
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var stepButton = event.target.closest("[data-stepper] [data-step]");
    if (stepButton) {
      var input = stepButton.parentElement.querySelector("input[type=number]");
      if (!input) return;
      var value = parseInt(input.value, 10) || 0;
      var next = value + parseInt(stepButton.dataset.step, 10);
      var min = parseInt(input.min, 10) || 1;
      var max = parseInt(input.max, 10) || 100000;
      input.value = Math.min(Math.max(next, min), max);
      input.dispatchEvent(new Event("change", { bubbles: true }));
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
    var copy = event.target.closest("[data-copy-link]");
    if (copy) {
      navigator.clipboard.writeText(copy.dataset.copyLink).then(function () {
        var done = copy.closest(".gb-share").querySelector("[data-copied]");
        if (done) done.hidden = false;
      });
      return;
    }
    var share = event.target.closest("[data-share-link]");
    if (share) {
      navigator.share({ title: share.dataset.shareTitle, text: share.dataset.shareText, url: share.dataset.shareLink })
        .catch(function () { /* the person closed the share sheet */ });
    }
  });

  // Share a buy: the copy button where the clipboard is there (a secure page), the system
  // share sheet where the browser has one (phones); the plain link is there either way.
  function shareButtons() {
    document.querySelectorAll("[data-copy-link]").forEach(function (button) {
      button.hidden = !(navigator.clipboard && navigator.clipboard.writeText);
    });
    document.querySelectorAll("[data-share-link]").forEach(function (button) {
      button.hidden = typeof navigator.share !== "function";
    });
  }
  document.addEventListener("DOMContentLoaded", shareButtons);
})();
