// Bulk bar of the lists (salesflow/listviews/templates/listviews/bulk_bar.html): "Select all on
// this page" ticks every row's box; the form works without this script too (page_all).
(function () {
  if (window.salesflowBulk) return;
  window.salesflowBulk = true;
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("[data-bulk-all]")) {
      document.querySelectorAll('input[name="ids"][form="bulk-form"]').forEach(function (box) {
        box.checked = target.checked;
      });
    } else if (target.matches && target.matches('input[name="ids"][form="bulk-form"]')) {
      var all = document.querySelector("[data-bulk-all]");
      if (all && !target.checked) all.checked = false;
    }
  });
})();
