// Small enhancements on top of htmx; every page works without this file.
(function () {
  "use strict";

  // htmx does not swap error responses: say so instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr.status;
    var text = status === 403 ? "You are not allowed to do that."
      : status === 404 ? "That record no longer exists or is not visible to you."
      : "Something went wrong (" + status + "). Reload the page and try again.";
    showMessage(text, "error");
  });
  document.addEventListener("htmx:sendError", function () {
    showMessage("The server could not be reached. Check your connection and try again.", "error");
  });

  function showMessage(text, level) {
    var region = document.getElementById("messages");
    if (!region) return;
    var p = document.createElement("p");
    p.className = "message message--" + level;
    p.textContent = text;
    region.replaceChildren(p);
  }
})();
