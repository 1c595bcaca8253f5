// The deal page on a narrow screen: its panels fold to their titles (an accordion), so the stage
// path and the next action (the next step, Move, Close) are on the first screen. Without this
// file every panel stays open; deal.css puts the actions first either way.
(function () {
  "use strict";

  var phone = window.matchMedia("(max-width: 40rem)");
  // A panel with an error (or a refusal) is always open: the error sits next to its control.
  var ERRORS = ".has-error, .errorlist, .form-errors, .refusal, [role='alert'], [aria-invalid='true']";
  // The next action stays open: it is what the page is for on a phone.
  var ALWAYS_OPEN = "#panel-next-step, #panel-actions";
  // Open or folded, per panel id, as the user left it: a panel that htmx swaps keeps its state.
  var chosen = {};

  function panelsOf(root) {
    var layout = document.querySelector(".detail-layout");
    if (!layout) return [];
    var all = layout.querySelectorAll(".card[aria-labelledby]");
    return Array.prototype.filter.call(all, function (panel) {
      if (root && root !== document && !root.contains(panel) && panel !== root) return false;
      if (panel.closest(ALWAYS_OPEN)) return false;
      var heading = headingOf(panel);
      return heading && !heading.classList.contains("visually-hidden") && heading.closest(".card") === panel;
    });
  }

  function headingOf(panel) {
    var heading = document.getElementById(panel.getAttribute("aria-labelledby"));
    return heading && heading.tagName === "H2" ? heading : null;
  }

  function hasError(panel) {
    return panel.querySelector(ERRORS) !== null;
  }

  function targeted(panel) {
    var id = window.location.hash.slice(1);
    if (!id) return false;
    var target = document.getElementById(id);
    return target !== null && (target === panel || panel.contains(target));
  }

  function setOpen(panel, open) {
    panel.classList.toggle("is-folded", !open);
    var button = panel.querySelector(".panel-toggle");
    if (button) button.setAttribute("aria-expanded", open ? "true" : "false");
    if (panel.id) chosen[panel.id] = open;
  }

  function fold(panel) {
    var heading = headingOf(panel);
    if (!heading || heading.querySelector(".panel-toggle")) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "panel-toggle";
    while (heading.firstChild) button.appendChild(heading.firstChild);
    heading.appendChild(button);
    panel.classList.add("is-foldable");
    var open = hasError(panel) || targeted(panel) || (panel.id in chosen ? chosen[panel.id] : false);
    setOpen(panel, open);
  }

  function unfold(panel) {
    var button = panel.querySelector(".panel-toggle");
    if (button) {
      var heading = button.parentNode;
      while (button.firstChild) heading.insertBefore(button.firstChild, button);
      button.remove();
    }
    panel.classList.remove("is-foldable", "is-folded");
  }

  function apply(root) {
    var panels = panelsOf(root);
    if (phone.matches) {
      document.documentElement.classList.add("deal-folding");
      panels.forEach(fold);
    } else {
      document.documentElement.classList.remove("deal-folding");
      panels.forEach(unfold);
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".panel-toggle");
    if (button) {
      var panel = button.closest(".is-foldable");
      setOpen(panel, panel.classList.contains("is-folded"));
      return;
    }
    // A link to a part of the page (the section links, "Missing: ..." links) opens its panel.
    var link = event.target.closest && event.target.closest("a[href^='#']");
    if (link) openAround(document.getElementById(link.getAttribute("href").slice(1)));
  });

  function openAround(element) {
    var panel = element && element.closest(".is-foldable");
    if (panel && panel.classList.contains("is-folded")) setOpen(panel, true);
  }

  window.addEventListener("hashchange", function () {
    openAround(document.getElementById(window.location.hash.slice(1)));
  });

  // A panel an answer swaps in arrives open (no classes yet), so whatever focuses an error in
  // it can; htmx:load then folds it again only if the user had folded it and it shows no error.
  document.addEventListener("htmx:load", function (event) {
    apply(event.detail.elt);
  });

  phone.addEventListener("change", function () {
    apply(document);
  });

  // The stage path scrolls sideways on a narrow screen: bring the current stage into view.
  function showCurrentStage() {
    var current = document.querySelector(".stage-progress [aria-current]");
    if (!current) return;
    var path = current.parentNode;
    if (path.scrollWidth <= path.clientWidth) return;
    var offset = current.getBoundingClientRect().left - path.getBoundingClientRect().left;
    path.scrollLeft += offset - (path.clientWidth - current.offsetWidth) / 2;
  }

  document.addEventListener("DOMContentLoaded", function () {
    apply(document);
    showCurrentStage();
  });
})();
