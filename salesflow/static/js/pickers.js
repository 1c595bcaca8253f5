// Record pickers (Tom Select on selects marked data-picker-url); see docs/search.md.
//
// The server renders a plain <select> holding the chosen record and a few suggestions, so a
// form works without this file. Here it becomes a search-as-you-type picker: what is typed is
// sent to the picker's endpoint (`?q=`), which answers up to 20 {value, text, hint} the user
// may read. Keyboard: type, arrows, Enter to choose, Escape to close, Backspace to clear.
// Pickers are set up on page load and in every piece of page htmx swaps in (dialogs too).
(function () {
  "use strict";

  if (typeof window.TomSelect === "undefined") return;

  var LOAD_DELAY_MS = 200;

  function escapeHtml(text) {
    return String(text == null ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;");
  }

  // The other field of the same form a parameter is taken from (`account:account`); a form
  // with a prefix names it `<prefix>-account`.
  function dependency(select, fieldName) {
    var form = select.form;
    if (!form) return null;
    var field = form.elements.namedItem(fieldName);
    if (field && field.tagName) return field;
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      if (el.name && el.name.slice(-(fieldName.length + 1)) === "-" + fieldName) return el;
    }
    return null;
  }

  function dependencies(select) {
    var spec = select.getAttribute("data-picker-depends") || "";
    return spec.split(/\s+/).filter(Boolean).map(function (pair) {
      var parts = pair.split(":");
      return { param: parts[0], field: dependency(select, parts[1]) };
    }).filter(function (dep) { return dep.field; });
  }

  function pickerUrl(select, query) {
    var url = new URL(select.getAttribute("data-picker-url"), window.location.href);
    url.searchParams.set("q", query);
    dependencies(select).forEach(function (dep) {
      if (dep.field.value) url.searchParams.set(dep.param, dep.field.value);
      else url.searchParams.delete(dep.param);
    });
    return url.toString();
  }

  function renderOption(data, escape) {
    var hint = data.hint ? '<small class="picker__hint">' + escape(data.hint) + "</small>" : "";
    return '<div class="picker__option"><span>' + escape(data.text) + "</span>" + hint + "</div>";
  }

  function setUp(select) {
    if (select.tomselect || select.hasAttribute("data-picker-off")) return;
    var emptyOption = select.querySelector('option[value=""]');
    var picker = new window.TomSelect(select, {
      valueField: "value",
      labelField: "text",
      searchField: ["text", "hint"],
      maxOptions: 50,
      preload: "focus",
      loadThrottle: LOAD_DELAY_MS,
      // Typed text is sent to the server; the suggestions already in the select cover the
      // empty query, so the first load happens on focus and then on each change.
      shouldLoad: function (query) { return query.length <= 100; },
      load: function (query, callback) {
        var self = this;
        fetch(pickerUrl(select, query), {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        })
          .then(function (response) {
            if (!response.ok) throw new Error(String(response.status));
            return response.json();
          })
          .then(function (json) {
            // The server decides what matches and in which order (name start first): show
            // its answer only (the chosen item stays), and ask again next time.
            self.clearOptions();
            callback(json.items);
            self.loadedSearches = {};
          })
          .catch(function () { callback(); self.loadedSearches = {}; });
      },
      score: function () { return function () { return 1; }; },
      render: {
        option: renderOption,
        item: function (data, escape) { return "<div>" + escape(data.text) + "</div>"; },
        no_results: function () { return '<div class="no-results">Nothing found</div>'; },
        loading: function () { return '<div class="picker__loading">Searching…</div>'; },
      },
      allowEmptyOption: false,
      placeholder: emptyOption ? emptyOption.textContent : "Type to search…",
      plugins: select.required || select.multiple ? [] : ["clear_button"],
      onItemAdd: function () { this.setTextboxValue(""); this.close(); },
    });
    // The original select stays in the form but is hidden; its label now names Tom Select's
    // search box, so assistive technology must skip the select (or it has no name).
    select.setAttribute("aria-hidden", "true");
    // The help text and error the select is described by describe the search box too.
    ["aria-describedby", "aria-invalid"].forEach(function (name) {
      var value = select.getAttribute(name);
      if (value) picker.control_input.setAttribute(name, value);
    });
    // A dependent picker starts over when the field it follows changes.
    dependencies(select).forEach(function (dep) {
      dep.field.addEventListener("change", function () {
        picker.clear();
        picker.clearOptions();
        picker.loadedSearches = {};
        picker.lastQuery = null;
      });
    });
  }

  function setUpIn(root) {
    if (!root || !root.querySelectorAll) return;
    if (root.matches && root.matches("select[data-picker-url]")) setUp(root);
    root.querySelectorAll("select[data-picker-url]").forEach(setUp);
  }

  function init() { setUpIn(document); }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
  document.addEventListener("htmx:load", function (event) { setUpIn(event.target); });
  document.addEventListener("htmx:afterSwap", function (event) { setUpIn(event.target); });
  // A dialog opened by script (quick add) may hold pickers added without htmx.
  document.addEventListener("toggle", function (event) { setUpIn(event.target); }, true);
  window.salesflowPickers = { setUpIn: setUpIn };
})();
