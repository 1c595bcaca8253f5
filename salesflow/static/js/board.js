// The Kanban board: drag a card to another column to move the deal (SortableJS + htmx).
// Without this file every card still has a Move form that posts to the same view.
(function () {
  "use strict";

  // Where a dragged card came from, so a refused move puts it back exactly there.
  var origins = {};
  // The card whose own form (Move, override, lost reason) was submitted: focus it afterwards.
  var focusAfterSwap = null;

  function boardState() {
    var values = {};
    var state = document.getElementById("board-state");
    if (!state) return values;
    Array.prototype.forEach.call(state.elements, function (input) {
      if (input.name) values[input.name] = input.value;
    });
    return values;
  }

  function columnList(stageId) {
    return document.getElementById("board-cards-" + stageId);
  }

  function cardOf(element) {
    return element && element.closest ? element.closest(".board-card") : null;
  }

  function moveDeal(card, toStage) {
    var values = boardState();
    values.stage = toStage;
    values.version = card.dataset.version;
    values.next = window.location.pathname + window.location.search;
    htmx.ajax("POST", card.dataset.moveUrl, {
      // The card is the source: its sync queue is its own. Without a source htmx would use
      // <body>, and a quick add opened while the move is in flight would wait behind it.
      source: card,
      target: card,
      swap: "outerHTML",
      values: values,
    });
  }

  // A phone shows one stage at a time and moves cards with each card's Move form: dragging
  // across columns that are not on screen cannot work, and a long press would fight scrolling.
  var phone = window.matchMedia("(max-width: 40rem)");
  var sortables = [];

  function makeSortable(list) {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "on";
    sortables = sortables.filter(function (sortable) {
      return document.contains(sortable.el);
    });
    sortables.push(new Sortable(list, {
      disabled: phone.matches,
      group: "board",
      sort: false, // a column keeps the server's order; only moves between columns count
      draggable: ".board-card[data-movable]",
      filter: ".board-refusal, .board-card__move",
      preventOnFilter: false,
      forceFallback: true, // mouse and touch events: the same drag in every browser
      fallbackOnBody: true,
      fallbackTolerance: 4,
      delayOnTouchOnly: true,
      delay: 150,
      animation: 150,
      ghostClass: "board-card--ghost",
      chosenClass: "board-card--chosen",
      dragClass: "board-card--drag",
      fallbackClass: "board-card--drag",
      scroll: true,
      bubbleScroll: true,
      onStart: function () {
        document.body.classList.add("board-dragging");
      },
      onEnd: function (event) {
        document.body.classList.remove("board-dragging");
        if (event.from === event.to) return;
        var card = event.item;
        origins[card.id] = { list: event.from, index: event.oldIndex };
        moveDeal(card, event.to.dataset.stage);
      },
    }));
  }

  // The stage switcher (phone): the chosen stage's column is the only one shown. The choice
  // survives a filter change (the board region is swapped) and a move.
  var chosenStage = null;

  function switcherOf(root) {
    return (root || document).querySelector ? (root || document).querySelector("[data-board-switcher]") : null;
  }

  function showStage(stageId) {
    var region = document.getElementById("board");
    var switcher = switcherOf(region);
    if (!region || !switcher) return;
    var select = switcher.querySelector("select");
    var columns = region.querySelectorAll(".board-column");
    var known = Array.prototype.some.call(columns, function (column) {
      return column.dataset.stage === String(stageId);
    });
    if (!known) stageId = select.value || (columns[0] && columns[0].dataset.stage);
    chosenStage = String(stageId);
    select.value = chosenStage;
    region.classList.add("is-one-stage");
    Array.prototype.forEach.call(columns, function (column) {
      column.classList.toggle("is-shown", column.dataset.stage === chosenStage);
    });
  }

  // Option labels follow the column headers, which a move refreshes out of band.
  function refreshSwitcher() {
    var switcher = switcherOf(document);
    if (!switcher) return;
    Array.prototype.forEach.call(switcher.querySelectorAll("option"), function (option) {
      var head = document.getElementById("board-head-" + option.value);
      var label = head && head.getAttribute("data-switcher-label");
      if (label && option.textContent !== label) option.textContent = label;
    });
  }

  function setUpSwitcher() {
    var switcher = switcherOf(document);
    if (!switcher || switcher.dataset.ready) return;
    switcher.dataset.ready = "on";
    var select = switcher.querySelector("select");
    select.addEventListener("change", function () {
      showStage(select.value);
      var column = document.getElementById("board-column-" + select.value);
      if (column && column.getBoundingClientRect().top < 0) switcher.scrollIntoView({ block: "start" });
    });
    // With JavaScript the select switches at once; the Show button is for pages without it.
    switcher.addEventListener("submit", function (event) {
      event.preventDefault();
      showStage(select.value);
    });
    showStage(chosenStage || select.value);
  }

  phone.addEventListener("change", function () {
    sortables.forEach(function (sortable) {
      if (document.contains(sortable.el)) sortable.option("disabled", phone.matches);
    });
  });

  function setUp(root) {
    if (typeof Sortable === "undefined") return;
    var lists = root.querySelectorAll ? root.querySelectorAll(".board-cards") : [];
    Array.prototype.forEach.call(lists, makeSortable);
    if (root.classList && root.classList.contains("board-cards")) makeSortable(root);
  }

  // A card came back from the server: put it in the column of its stage.
  function placeCard(card) {
    var origin = origins[card.id];
    delete origins[card.id];
    var list = columnList(card.dataset.stage);
    if (!list) {
      card.remove(); // moved to a column this page does not show
      return;
    }
    var moved = card.parentElement !== list;
    if (moved) {
      var before = origin && origin.list === list ? list.children[origin.index] : list.firstElementChild;
      list.insertBefore(card, before || null);
    }
    var refusal = card.querySelector(".board-refusal");
    if (focusAfterSwap === card.id) {
      focusAfterSwap = null;
      var target = refusal || card.querySelector(".board-card__name");
      // One stage at a time (phone): a card moved to another stage left the screen; the
      // status line says where it went.
      var column = list.closest(".board-column");
      var region = document.getElementById("board");
      var oneStage = phone.matches && region && region.classList.contains("is-one-stage");
      if (!refusal && oneStage && !column.classList.contains("is-shown")) {
        target = document.getElementById("board-status");
        if (target) target.setAttribute("tabindex", "-1");
      }
      if (target) target.focus();
    } else if (refusal) {
      refusal.focus({ preventScroll: true });
    }
    if (moved || refusal) card.scrollIntoView({ block: "nearest", inline: "nearest" });
  }

  document.addEventListener("htmx:load", function (event) {
    var element = event.detail.elt;
    setUp(element);
    setUpSwitcher();
    refreshSwitcher();
    if (element.classList && element.classList.contains("board-card")) placeCard(element);
  });

  // Sortable animates with style attributes (through the CSSOM, which the CSP allows). htmx
  // copies the attributes of an element it replaces onto the new one with setAttribute, which
  // the CSP refuses for style: drop them before a swap inside the board.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || !target.closest || !target.closest("#board")) return;
    target.removeAttribute("style");
    Array.prototype.forEach.call(target.querySelectorAll("[style]"), function (element) {
      element.removeAttribute("style");
    });
  });

  // A move that failed on the way (network, 403, 404, 500): put the card back. A refused
  // move is not a failure: it answers 200 with the card back in its column and the reasons.
  function revert(event) {
    var card = cardOf(event.detail.elt);
    if (!card || !origins[card.id]) return;
    var origin = origins[card.id];
    delete origins[card.id];
    origin.list.insertBefore(card, origin.list.children[origin.index] || null);
  }
  document.addEventListener("htmx:responseError", revert);
  document.addEventListener("htmx:sendError", revert);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var element = event.detail.elt;
    if (element.tagName === "FORM") {
      var card = cardOf(element);
      if (card) focusAfterSwap = card.id;
    }
  });

  // "Load more" asks for the cards after those on screen (moves change the count).
  document.addEventListener("htmx:configRequest", function (event) {
    var link = event.detail.elt;
    if (!link.hasAttribute || !link.hasAttribute("data-board-more")) return;
    var list = document.querySelector(link.getAttribute("hx-target"));
    if (list) event.detail.parameters.offset = list.querySelectorAll(".board-card").length;
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-board-dismiss]");
    if (!button) return;
    var card = cardOf(button);
    button.closest(".board-refusal").remove();
    if (card) {
      card.classList.remove("is-refused");
      var name = card.querySelector(".board-card__name");
      if (name) name.focus();
    }
  });

  document.addEventListener("htmx:afterSettle", refreshSwitcher);

  // The board reaches down to the bottom of the window (board.css), so its sideways scrollbar
  // is on screen: tell the CSS where the board starts. Set on the root element, which no swap
  // replaces, through the CSSOM (the CSP refuses style attributes, not this).
  function fitBoard() {
    var board = document.querySelector("[data-board]");
    if (!board) return;
    var top = board.getBoundingClientRect().top + window.scrollY;
    document.documentElement.style.setProperty("--board-top", Math.round(top) + "px");
    updateScrollButtons();
  }

  // Columns wider than the window: the scrollbar says so, and two buttons step a column at a
  // time (handy without a trackpad). Hidden when everything fits or on a phone.
  function updateScrollButtons() {
    var board = document.querySelector("[data-board]");
    var buttons = document.querySelector("[data-board-scroll]");
    if (!board || !buttons) return;
    var wide = !phone.matches && board.scrollWidth > board.clientWidth + 1;
    buttons.hidden = !wide;
    if (!wide) return;
    buttons.querySelector("[data-board-scroll-by='-1']").disabled = board.scrollLeft <= 0;
    var last = board.querySelector(".board-column:last-child");
    buttons.querySelector("[data-board-scroll-by='1']").disabled =
      !last || last.getBoundingClientRect().right <= board.getBoundingClientRect().right + 1;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-board-scroll-by]");
    var board = document.querySelector("[data-board]");
    if (!button || !board) return;
    var column = board.querySelector(".board-column");
    var step = column ? column.getBoundingClientRect().width + 12 : board.clientWidth / 2;
    board.scrollBy({ left: step * Number(button.dataset.boardScrollBy), behavior: "smooth" });
  });
  document.addEventListener("scroll", function (event) {
    if (event.target.matches && event.target.matches("[data-board]")) updateScrollButtons();
  }, true);

  document.addEventListener("htmx:afterSettle", fitBoard);
  window.addEventListener("resize", fitBoard);
  window.addEventListener("load", fitBoard);

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    setUpSwitcher();
    fitBoard();
  });
})();
