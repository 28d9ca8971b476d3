// Live progress of a queued or running run: polls the submission's progress.json and updates
// the page; reloads it once the run has ended, to show the result or the error.
(function () {
  "use strict";
  var panel = document.querySelector("[data-progress-url]");
  if (!panel) { return; }
  var url = panel.getAttribute("data-progress-url");
  function text(id, value) {
    var element = document.getElementById(id);
    if (element && value !== null && value !== undefined) { element.textContent = value; }
  }
  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (state) {
        if (state.done) { window.location.reload(); return; }
        var label = state.status.charAt(0).toUpperCase() + state.status.slice(1);
        text("run-status", label);
        document.querySelectorAll("h1 [data-status]").forEach(function (badge) { badge.textContent = label; });
        text("submission-status", state.status);
        text("run-generation", state.generation);
        if (state.best !== null) { text("run-best", Number(state.best).toPrecision(6)); }
        var bar = document.getElementById("run-progress");
        if (bar) { bar.value = state.generation; }
        // The chart is SVG rendered by the server from numbers only.
        if (state.chart) { document.getElementById("run-chart").innerHTML = state.chart; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
