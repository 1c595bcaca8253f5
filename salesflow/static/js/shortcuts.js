// Keyboard shortcuts and the ? overlay; the quick add dialog; previous/next record links.
// See docs/everyday.md. Every page works without this file: the "+ New" button and the footer's
// "Keyboard shortcuts" link are ordinary links to pages.
(function () {
  "use strict";

  var PREFIX_WAIT = 1200; // ms to press the second key of "n d", "g l", ...
  var LIST_KEY = "salesflow.recordList";
  var NEW_KEYS = { l: "lead", c: "contact", a: "account", d: "deal", t: "activity" };
  var pending = null; // "n" or "g" while waiting for the second key
  var pendingTimer = null;

  function $(selector, root) { return (root || document).querySelector(selector); }

  function isTyping(target) {
    if (!target || target === document.body) return false;
    if (target.isContentEditable) return true;
    var tag = target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    if (tag === "INPUT") {
      var type = (target.type || "").toLowerCase();
      return ["button", "submit", "reset", "checkbox", "radio", "file", "image", "range", "color"].indexOf(type) === -1;
    }
    return false;
  }

  function openDialog() { return $("dialog[open]"); }

  // Quick add ------------------------------------------------------------------------------

  function quickAddUrl(kind) {
    var button = $("[data-quick-add-open]");
    var base = button ? button.getAttribute("href") : "/new/";
    // The page it is opened on: a record's page fills in the record (or its account).
    var from = "from=" + encodeURIComponent(window.location.pathname);
    return kind ? base + "?kind=" + encodeURIComponent(kind) + "&" + from : base + "?" + from;
  }

  // The first of `selector` in root that is shown (a picker hides its <select> behind its own
  // text box, which is what takes the focus then).
  function firstShown(selector, root) {
    var found = root.querySelectorAll(selector);
    for (var i = 0; i < found.length; i++) {
      if (found[i].type !== "hidden" && found[i].getClientRects().length) return found[i];
    }
    return null;
  }

  function focusInQuickAdd(root) {
    var target =
      firstShown(".has-error input, .has-error select, .has-error textarea", root) ||
      $("[data-quick-add-created]", root) ||
      firstShown("form input, form select, form textarea", root) ||
      $(".quick-add__kinds a[aria-current]", root) ||
      $(".quick-add__kinds a", root);
    if (target) target.focus();
  }

  function openQuickAdd(kind) {
    var dialog = $("#quick-add-dialog");
    var body = $("#quick-add-body");
    if (!dialog || !body || typeof htmx === "undefined" || $(".quick-add-page")) {
      window.location.href = quickAddUrl(kind);
      return;
    }
    // The dialog's body is the request's source, so it has its own sync queue: without one htmx
    // uses <body>, and while another request sourced there is in flight it queues this one and
    // resolves the promise at once (the dialog would open with what it held before). A quick
    // add asked for while an earlier one is still loading replaces it (htmx:abort).
    htmx.trigger(body, "htmx:abort");
    htmx.ajax("GET", quickAddUrl(kind), { source: body, target: body, swap: "innerHTML" }).then(
      function () {
        if (!dialog.open) dialog.showModal();
        focusInQuickAdd(dialog);
      },
      function () {} // aborted by a later quick add, or failed: htmx has reported it
    );
  }

  function closeDialog(dialog) {
    if (dialog && dialog.open) dialog.close();
  }

  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-quick-add-open]");
    if (opener && !event.ctrlKey && !event.metaKey && !event.shiftKey && event.button === 0) {
      event.preventDefault();
      openQuickAdd("");
      return;
    }
    var shortcutsLink = event.target.closest("[data-shortcuts-open]");
    if (shortcutsLink && $("#shortcuts-dialog") && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      openShortcuts(shortcutsLink);
      return;
    }
    var closer = event.target.closest("[data-quick-add-close], [data-dialog-close]");
    if (closer) {
      closeDialog(closer.closest("dialog"));
      return;
    }
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    if (event.target.tagName === "DIALOG" && event.target.open) {
      var box = event.target.getBoundingClientRect();
      var inside = event.clientX >= box.left && event.clientX <= box.right &&
        event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) closeDialog(event.target);
    }
  });

  // After each swap in quick add: focus the first invalid field, else the "Created" link,
  // else the first field.
  document.addEventListener("htmx:afterSettle", function (event) {
    var root = event.detail.elt && event.detail.elt.closest ? event.detail.elt : null;
    if (!root) return;
    var quickAdd = root.matches("[data-quick-add]") ? root : root.closest("[data-quick-add]");
    if (!quickAdd) quickAdd = $("[data-quick-add]", root);
    if (quickAdd && document.contains(quickAdd)) focusInQuickAdd(quickAdd);
  });

  function returnFocusOnClose(dialogId, buttonSelector) {
    var dialog = document.getElementById(dialogId);
    if (!dialog) return;
    dialog.addEventListener("close", function () {
      var button = dialog.returnFocusTo || $(buttonSelector);
      dialog.returnFocusTo = null;
      if (button) button.focus();
    });
  }

  // Shortcuts overlay ------------------------------------------------------------------------

  function openShortcuts(opener) {
    var dialog = $("#shortcuts-dialog");
    if (!dialog) return;
    dialog.returnFocusTo = opener || document.activeElement;
    if (!dialog.open) dialog.showModal();
    var close = $("[data-dialog-close]", dialog);
    if (close) close.focus();
  }

  // Previous / next record ---------------------------------------------------------------------

  function storeRecordList() {
    var table = $("[data-record-list]");
    if (!table) return;
    var urls = table.getAttribute("data-record-list").split(/\s+/).filter(Boolean);
    try {
      sessionStorage.setItem(LIST_KEY, JSON.stringify({
        urls: urls,
        from: window.location.pathname + window.location.search,
        title: document.title.split(" · ")[0]
      }));
    } catch (error) { /* storage full or off: no previous/next links */ }
  }

  function storedList() {
    try {
      var stored = JSON.parse(sessionStorage.getItem(LIST_KEY) || "null");
      return stored && Array.isArray(stored.urls) ? stored : null;
    } catch (error) { return null; }
  }

  function neighbours() {
    var stored = storedList();
    if (!stored) return null;
    var index = stored.urls.indexOf(window.location.pathname);
    if (index === -1) return null;
    return {
      previous: index > 0 ? stored.urls[index - 1] : null,
      next: index < stored.urls.length - 1 ? stored.urls[index + 1] : null,
      position: index + 1,
      count: stored.urls.length,
      from: stored.from,
      title: stored.title
    };
  }

  function link(href, text, rel, shortcut) {
    var a = document.createElement(href ? "a" : "span");
    if (href) {
      a.href = href;
      a.rel = rel;
      a.setAttribute("aria-keyshortcuts", shortcut);
    } else {
      a.className = "meta";
      a.setAttribute("aria-disabled", "true");
    }
    a.textContent = text;
    return a;
  }

  function showRecordPager() {
    if ($("[data-record-list]") || $(".record-pager")) return;
    var found = neighbours();
    if (!found) return;
    var nav = document.createElement("nav");
    nav.className = "record-pager";
    nav.setAttribute("aria-label", "Records of your list");
    var back = document.createElement("a");
    back.href = found.from;
    back.textContent = "Back to " + (found.title || "the list");
    var where = document.createElement("span");
    where.className = "meta";
    where.textContent = found.position + " of " + found.count;
    nav.append(
      link(found.previous, "‹ Previous", "prev", "k"), where,
      link(found.next, "Next ›", "next", "j"), back
    );
    var header = $("main .page-header");
    if (header) header.after(nav);
    else { var main = $("main"); if (main) main.prepend(nav); }
  }

  function goRecord(step) {
    var found = neighbours();
    if (!found) return false;
    var target = step > 0 ? found.next : found.previous;
    if (target) window.location.href = target;
    return Boolean(target);
  }

  // Keys ----------------------------------------------------------------------------------------

  function clearPending() {
    pending = null;
    if (pendingTimer) window.clearTimeout(pendingTimer);
    pendingTimer = null;
  }

  function startPending(key) {
    clearPending();
    pending = key;
    pendingTimer = window.setTimeout(function () {
      var was = pending;
      clearPending();
      if (was === "n") openQuickAdd(""); // no kind key followed: the kind chooser
    }, PREFIX_WAIT);
  }

  function goTo(letter) {
    var list = $(".shortcut-list");
    var url = list && list.getAttribute("data-go-" + letter);
    if (url) window.location.href = url;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.altKey || event.metaKey) return;
    if (isTyping(event.target)) return;
    var key = event.key;
    var dialog = openDialog();
    if (dialog) {
      // In the quick add kind chooser, a kind's letter picks it.
      var chooser = $("[data-quick-add][data-kind='']", dialog);
      if (chooser && NEW_KEYS[key]) {
        event.preventDefault();
        openQuickAdd(NEW_KEYS[key]);
      }
      return; // no other shortcut behind an open dialog
    }
    if (pending) {
      var was = pending;
      clearPending();
      if (was === "n" && NEW_KEYS[key]) { event.preventDefault(); openQuickAdd(NEW_KEYS[key]); return; }
      if (was === "g" && "dlacbh".indexOf(key) !== -1 && key.length === 1) { event.preventDefault(); goTo(key); return; }
      // Escape cancels a pending "n"; any other key opens the kind chooser.
      if (was === "n" && key !== "Escape") { openQuickAdd(""); }
      return;
    }
    switch (key) {
      case "/": {
        var search = document.getElementById("global-search-q");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      }
      case "?":
        event.preventDefault();
        openShortcuts(null);
        break;
      case "n":
      case "g":
        event.preventDefault();
        startPending(key);
        break;
      case "j":
        if (goRecord(1)) event.preventDefault();
        break;
      case "k":
        if (goRecord(-1)) event.preventDefault();
        break;
      default:
        break;
    }
  });

  function init() {
    returnFocusOnClose("quick-add-dialog", "[data-quick-add-open]");
    returnFocusOnClose("shortcuts-dialog", "[data-shortcuts-open]");
    storeRecordList();
    showRecordPager();
  }

  // List pages change their results with htmx (search, filters, pages): store the new list.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (target && (target.id === "results" || $("[data-record-list]", target))) storeRecordList();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
