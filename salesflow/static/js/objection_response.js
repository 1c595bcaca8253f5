// "Use this response" (objection library, deal page): when the answer opens for editing, put
// the cursor on its first "…" placeholder, selected, so typing replaces it. Delegated on the
// document, so panels swapped in by htmx work too.
(function () {
  "use strict";
  if (window.salesflowObjectionResponse) return;
  window.salesflowObjectionResponse = true;
  function selectPlaceholder(area) {
    var text = area.value;
    var start = text.indexOf("…");
    var length = 1;
    if (start < 0) {
      start = text.indexOf("...");
      length = 3;
    }
    area.focus();
    if (start >= 0) area.setSelectionRange(start, start + length);
  }
  document.addEventListener(
    "toggle",
    function (event) {
      var details = event.target;
      if (!details.matches || !details.matches("details.suggestions__use") || !details.open) return;
      var area = details.querySelector("textarea[data-placeholders]");
      if (area) selectPlaceholder(area);
    },
    true
  );
})();
