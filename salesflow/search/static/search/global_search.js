// The header's global search box: htmx fills the drop-down as you type (see header_box.html);
// this script makes it a combobox: ArrowDown/ArrowUp move through the hits, Enter opens the one
// chosen (or submits the form to the search page when none is), Escape closes the drop-down.
(function () {
  "use strict";

  function setup(form) {
    if (form.dataset.globalSearchReady) return;
    form.dataset.globalSearchReady = "1";
    const input = form.querySelector("#global-search-q");
    const panel = form.querySelector("#global-search-results");
    if (!input || !panel) return;
    let active = -1;

    function options() {
      return Array.from(panel.querySelectorAll('[role="option"]'));
    }

    function open() {
      const has = panel.childElementCount > 0 && input.value.trim().length > 0;
      panel.hidden = !has;
      input.setAttribute("aria-expanded", has ? "true" : "false");
    }

    function close() {
      panel.hidden = true;
      input.setAttribute("aria-expanded", "false");
      choose(-1);
    }

    function choose(index) {
      const all = options();
      all.forEach(function (option, i) {
        const on = i === index;
        option.classList.toggle("is-active", on);
        option.setAttribute("aria-selected", on ? "true" : "false");
      });
      active = index;
      if (index >= 0 && all[index]) {
        input.setAttribute("aria-activedescendant", all[index].id);
        all[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    form.addEventListener("htmx:afterSwap", function () {
      active = -1;
      input.removeAttribute("aria-activedescendant");
      open();
    });
    input.addEventListener("input", function () {
      if (!input.value.trim()) {
        panel.innerHTML = "";
        close();
      }
    });
    input.addEventListener("focus", function () {
      if (panel.childElementCount > 0 && input.value.trim()) open();
    });
    input.addEventListener("keydown", function (event) {
      const all = options();
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (panel.hidden) {
          if (!all.length) return;
          open();
        }
        event.preventDefault();
        const step = event.key === "ArrowDown" ? 1 : -1;
        let next = active + step;
        if (next >= all.length) next = 0;
        if (next < 0) next = all.length - 1;
        choose(next);
      } else if (event.key === "Enter") {
        if (!panel.hidden && active >= 0 && all[active]) {
          event.preventDefault();
          window.location.assign(all[active].href);
        }
      } else if (event.key === "Escape") {
        if (!panel.hidden) {
          event.preventDefault();
          close();
        }
      }
    });
    document.addEventListener("click", function (event) {
      if (!form.contains(event.target)) close();
    });
    form.addEventListener("focusout", function (event) {
      if (event.relatedTarget && !form.contains(event.relatedTarget)) close();
    });
  }

  function init() {
    document.querySelectorAll("[data-global-search]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
