// Follows a job shown on the page (an element with data-job-status, the URL of its status JSON):
// its phase and progress bar kept up to date, and, when it finishes, the page it leads to opened.
// Asked often at first, so that a short job's page opens as soon as it is done; then each second.
(function () {
  "use strict";
  var FAST_MS = 250, FAST_FOR_MS = 10000, SLOW_MS = 1000;
  var started = Date.now();
  var box = document.querySelector("[data-job-status]");
  if (!box) { return; }
  var url = box.getAttribute("data-job-status");
  var phase = box.querySelector("[data-phase]");
  var tag = box.querySelector("[data-status]");
  var bar = box.querySelector("progress");

  function show(job) {
    phase.textContent = job.phase;
    tag.textContent = job.status;
    tag.className = "tag " + job.status;
    if (job.total > 0) {
      bar.max = job.total;
      bar.value = job.done;
      bar.textContent = job.done + " of " + job.total;
    } else {
      bar.removeAttribute("value");  // under way, how far not known
    }
  }

  function next() {
    return Date.now() - started < FAST_FOR_MS ? FAST_MS : SLOW_MS;
  }

  function poll() {
    fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (job) {
        show(job);
        if (job.next) {
          window.location.replace(job.next);
        } else {
          window.setTimeout(poll, next());
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, FAST_MS);
})();
