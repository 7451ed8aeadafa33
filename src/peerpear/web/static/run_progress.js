// A pairing run's page follows the run: it polls the run (the API, with the session cookie),
// moves the <progress> bar and the status line (aria-live), and reloads once the run has
// finished so the page shows its groups or its failure. Without JavaScript the page refreshes
// itself instead (a <noscript> meta refresh).
(function () {
  "use strict";
  var section = document.querySelector("[data-run-url]");
  if (!section) {
    return;
  }
  var url = section.getAttribute("data-run-url");
  var bar = document.getElementById("run-progress");
  var line = document.getElementById("run-status");
  var FINISHED = ["succeeded", "failed", "cancelled"];
  var INTERVAL_MS = 1000;
  var failures = 0;

  function label(status) {
    return status.charAt(0).toUpperCase() + status.slice(1);
  }

  function show(run) {
    var percent = Math.round(run.progress * 100);
    if (bar) {
      bar.value = run.progress;
      bar.textContent = percent + "%";
    }
    if (line) {
      var text = label(run.status) + (run.cancel_requested ? ", cancelling" : "") + ": " + percent + "% done";
      if (line.textContent !== text) {
        line.textContent = text;
      }
    }
  }

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.json();
      })
      .then(function (run) {
        failures = 0;
        if (FINISHED.indexOf(run.status) !== -1) {
          if (line) {
            line.textContent = label(run.status) + ": loading the result";
          }
          window.location.reload();
          return;
        }
        show(run);
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () {
        // A hiccup (a restart, a lost connection): try again, more slowly; the Refresh link stays.
        failures += 1;
        window.setTimeout(poll, INTERVAL_MS * Math.min(10, 1 + failures));
      });
  }

  window.setTimeout(poll, INTERVAL_MS);
})();
