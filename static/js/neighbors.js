// Neighbours: tapping a suggested tag adds it to the tag box it belongs to.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("button.suggest[data-tag]");
    if (!button) return;
    var holder = button.closest(".tag-suggestions");
    var input = holder && document.getElementById(holder.dataset.for);
    if (!input) return;
    var tag = button.dataset.tag;
    var parts = input.value.split(/[,，、\s]+/).filter(Boolean);
    if (parts.indexOf(tag) === -1) parts.push(tag);
    input.value = parts.join(", ");
    button.disabled = true;
    input.focus();
  });
})();
