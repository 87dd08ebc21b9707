// The signed PDF's build progress in the admin: polls the progress address every two
// seconds and moves the bar; reloads the page when the build is ready or failed.
(function () {
  "use strict";
  document.querySelectorAll("[data-pdf-progress]").forEach(function (section) {
    var bar = section.querySelector("progress");
    var text = section.querySelector("[data-pdf-progress-text]");
    function poll() {
      fetch(section.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          if (data.state === "ready" || data.state === "failed") { window.location.reload(); return; }
          bar.max = Math.max(data.total, 1);
          bar.value = data.done;
          bar.textContent = data.percent + "%";
          text.textContent = data.done.toLocaleString() + " / " + data.total.toLocaleString() + " (" + data.percent + "%)";
          window.setTimeout(poll, 2000);
        })
        .catch(function () { window.setTimeout(poll, 5000); });
    }
    window.setTimeout(poll, 1000);
  });
})();
