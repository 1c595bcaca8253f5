// Draws each report chart from the JSON the page embeds (salesflow/analytics/charts.py).
// The table under the chart holds the same figures, so the page reads without this script.
(function () {
  "use strict";
  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var percent = spec.datasets.some(function (d) { return d.percent; });
    new Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.datasets.map(function (d) { return { label: d.label, data: d.data, maxBarThickness: 56 }; })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: {
          x: { stacked: spec.stacked },
          y: {
            stacked: spec.stacked,
            beginAtZero: true,
            ticks: percent ? { callback: function (v) { return v + "%"; } } : {}
          }
        }
      }
    });
  }
  function drawAll(root) {
    root.querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  document.addEventListener("DOMContentLoaded", function () { drawAll(document); });
  document.addEventListener("htmx:afterSwap", function (event) { drawAll(event.target); });
})();
