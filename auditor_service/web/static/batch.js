// Keeps a batch's page current: the page is fetched again and its #batch section put in place
// of this one's, until every pack is finished (the server renders it: one template, no second copy).
(function () {
  "use strict";
  if (!document.getElementById("batch")) { return; }

  function poll() {
    fetch(window.location.pathname, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("batch");
        var shown = document.getElementById("batch");
        if (fresh && shown) { shown.replaceWith(document.adoptNode(fresh)); }
        if (!fresh || fresh.getAttribute("data-finished") !== "true") { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 1000);
})();
