// The filter bar of a list page (includes/list_filters.html) after Back: htmx restores the page
// it saved when the user moved on, a snapshot of the HTML in which a menu still says what the
// server first drew (its `selected` option) and a search box what it was first given; the rows
// are right but the sort menu and the filters said the default (or a later choice). After htmx
// restores a page, set every control of the bar from the address it restored, which is what the
// rows were drawn for.
(function () {
  "use strict";
  if (window.salesflowListStateKept) {
    return; // a page restored from htmx's history runs its scripts again
  }
  window.salesflowListStateKept = true;

  function fill(form, params) {
    Array.prototype.forEach.call(form.elements, function (control) {
      if (!control.name || control.type === "hidden" || control.type === "submit") {
        return;
      }
      var values = params.getAll(control.name);
      if (control.type === "checkbox" || control.type === "radio") {
        control.checked = values.indexOf(control.value) !== -1;
      } else if (control.tagName === "SELECT") {
        var wanted = values.length ? values : [""];
        Array.prototype.forEach.call(control.options, function (option) {
          option.selected = wanted.indexOf(option.value) !== -1;
        });
        if (control.tomselect) {
          control.tomselect.setValue(control.multiple ? values : wanted[0], true);
        }
      } else if (control.type !== "file" && control.type !== "password") {
        control.value = values.length ? values[0] : "";
      }
    });
  }

  document.addEventListener("htmx:historyRestore", function () {
    var params = new URLSearchParams(window.location.search);
    document.querySelectorAll("form.filters").forEach(function (form) {
      fill(form, params);
    });
  });
})();
