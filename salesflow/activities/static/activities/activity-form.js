// Activity forms: show the invitation fields only for an invitation, and in the complete form
// only the next-step fields of the choice made (plan one / no next step). The server checks
// the same rules; without JavaScript every field shows.
(function () {
  "use strict";
  if (window.salesflowActivityForms) {
    window.salesflowActivityForms(document);
    return;
  }

  function syncInvitation(form) {
    var type = form.querySelector("select[name='type']");
    var reason = form.querySelector("[name='invitation_reason']");
    if (!type || !reason) return;
    var fieldset = reason.closest("fieldset");
    if (fieldset) fieldset.hidden = type.value !== "invitation";
  }

  function syncPlan(form) {
    var chosen = form.querySelector("input[name='plan']:checked");
    form.querySelectorAll("[data-plan]").forEach(function (part) {
      part.hidden = chosen ? part.dataset.plan !== chosen.value : false;
    });
    var nextType = form.querySelector("select[name='next_type']");
    var nextReason = form.querySelector("[name='next_invitation_reason']");
    if (nextType && nextReason) {
      nextReason.closest(".field").hidden = nextType.value !== "invitation";
    }
  }

  function sync(root) {
    (root || document).querySelectorAll("form").forEach(function (form) {
      syncInvitation(form);
      if (form.hasAttribute("data-complete-form")) syncPlan(form);
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.form;
    if (!form) return;
    syncInvitation(form);
    if (form.hasAttribute("data-complete-form")) syncPlan(form);
  });
  window.salesflowActivityForms = sync;
  sync(document);
  document.addEventListener("DOMContentLoaded", function () { sync(document); });
  document.addEventListener("htmx:afterSwap", function (event) { sync(event.target); });
})();
