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
  });
})();
