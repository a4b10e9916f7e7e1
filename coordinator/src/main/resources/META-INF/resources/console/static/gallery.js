// Gallery: a thumbnail opens the image larger in a dialog (Escape or Close shuts it).
(function () {
  "use strict";
  function start() {
    const dialog = document.getElementById("zoom");
    if (!dialog) { return; }
    document.querySelectorAll("button.thumb").forEach(function (b) {
      b.addEventListener("click", function () {
        document.getElementById("zoom-img").src = b.dataset.full;
        document.getElementById("zoom-img").alt = b.dataset.caption;
        document.getElementById("zoom-caption").textContent = b.dataset.caption;
        dialog.showModal();
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
