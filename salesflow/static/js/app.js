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

  // Accessibility (docs/accessibility.md): a box that scrolls sideways (a wide table on a phone,
  // the stage path) must be reachable by keyboard, or its hidden part cannot be scrolled into
  // view without a mouse. When it overflows and holds nothing focusable, it becomes a named tab
  // stop (a named group if it is a plain <div>: not a landmark, so pages with many tables do not
  // fill up with regions); when it no longer overflows, the tab stop is removed again.
  var SCROLLERS = ".table-wrap, .stage-progress";
  var FOCUSABLE = "a[href], button, input, select, textarea, summary, [tabindex]";

  function scrollerName(box) {
    var caption = box.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    var section = box.closest("section, .card");
    var heading = section && section.querySelector("h1, h2, h3");
    if (heading && heading.textContent.trim()) return heading.textContent.trim();
    return box.classList.contains("stage-progress") ? "Stages" : "Table";
  }

  function markScrollers() {
    document.querySelectorAll(SCROLLERS).forEach(function (box) {
      var overflows = box.scrollWidth > box.clientWidth + 1;
      var marked = box.hasAttribute("data-scroll-region");
      if (overflows && !marked && !box.hasAttribute("tabindex") && !box.querySelector(FOCUSABLE)) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-region", "");
        if (box.tagName === "DIV" && !box.hasAttribute("role")) box.setAttribute("role", "group");
        if (!box.hasAttribute("aria-label")) box.setAttribute("aria-label", scrollerName(box));
      } else if (!overflows && marked) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-region");
      }
    });
  }

  var resizeTimer = null;
  document.addEventListener("DOMContentLoaded", markScrollers);
  document.addEventListener("htmx:afterSettle", markScrollers);
  document.addEventListener("toggle", markScrollers, true); // an opened <details>; toggle does not bubble
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(markScrollers, 150);
  });
})();

// --- Editing: conflicts and focus after htmx swaps (issue 12, docs/editing.md) ---------------
(function () {
  "use strict";

  // An edit conflict answers 409 with the form that shows both versions: swap it in like a
  // success (htmx leaves 4xx answers out), and do not report it as a failure.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status === 409 && xhr.responseText) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Focus after a swap: the first control in error inside the region that was replaced, else
  // an element the server marked with data-focus-after-swap, else the element that had focus
  // before (found again by its id, e.g. a ticked checklist item), so focus never drops to the
  // page body.
  // Per request (several may overlap, e.g. a list reloading while a value is clicked).
  var requests = typeof WeakMap === "function" ? new WeakMap() : null;
  // The focus a swap still has to give back: a request that starts while an earlier one's swap
  // has dropped the focus to the body (a panel reloading after a ticked item) inherits it.
  var pendingId = "";

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!requests || !event.detail.xhr) return;
    var active = document.activeElement;
    var id = active && active !== document.body && active.id ? active.id : pendingId;
    requests.set(event.detail.xhr, { activeId: id, done: false });
    if (id) pendingId = id;
  });

  function forget() {
    pendingId = "";
  }
  document.addEventListener("htmx:responseError", forget);
  document.addEventListener("htmx:sendError", forget);

  function openAncestors(element) {
    for (var node = element.parentElement; node; node = node.parentElement) {
      if (node.tagName === "DETAILS" && !node.open) node.open = true;
    }
  }

  var MARKED = '[aria-invalid="true"], [data-focus-after-swap]';

  function focusOn(target) {
    openAncestors(target);
    target.removeAttribute("data-focus-after-swap");
    target.focus();
  }

  // Runs for each element htmx swapped in (the target and any out-of-band parts): a marked
  // control inside new content takes the focus; once all are settled, a focus that dropped to
  // the page body goes back to the element that had it (by id).
  document.addEventListener("htmx:afterSettle", function (event) {
    var before = requests && event.detail.xhr ? requests.get(event.detail.xhr) : null;
    if (!before || before.done) return;
    var elt = event.target; // the swapped-in element (detail.elt is the one that asked)
    var target = elt && elt.matches && elt.matches(MARKED) ? elt
      : elt && elt.querySelector ? elt.querySelector(MARKED) : null;
    if (target) {
      before.done = true;
      forget();
      focusOn(target);
      return;
    }
    setTimeout(function () {
      if (before.done) return;
      before.done = true;
      var lost = !document.activeElement || document.activeElement === document.body;
      var again = before.activeId && document.getElementById(before.activeId);
      if (lost && again) focusOn(again);
      if (before.activeId === pendingId) forget();
    }, 0);
  });

  // Inline edit: Escape in the small form cancels it (its Cancel link loads the value again).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.closest) return;
    var form = event.target.closest(".inline-field--editing");
    var cancel = form && form.querySelector("[data-inline-cancel]");
    if (!cancel) return;
    event.preventDefault();
    cancel.click();
  });
})();
