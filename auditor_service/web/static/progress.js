// Follows a job shown on the page (an element with data-job-status, the URL of its status JSON):
// its phase and progress bar kept up to date, and, when it finishes, the page it leads to opened.
(function () {
  "use strict";
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
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
})();
