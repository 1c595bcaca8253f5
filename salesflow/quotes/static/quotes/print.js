// The print button of a standalone proposal: shown only when JavaScript can print.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-quote-print]")) {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  }
});
