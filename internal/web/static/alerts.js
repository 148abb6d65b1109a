// Live alerts: new and updated alerts arrive over server-sent events from
// /alerts/live, with the same filter as the page, each as its table row
// rendered by the server in the page's language (level name,
// organisation, local time) and the list's new total. This script only
// puts them in place: it formats nothing. Without JavaScript the page is
// a plain list that reloads on demand. (No inline script: the page's
// Content-Security-Policy allows none.)
(function () {
  "use strict";
  var table = document.getElementById("alerts");
  if (!table || !window.EventSource) return;
  var body = table.tBodies[0];
  var live = document.getElementById("alerts-live");
  var total = document.getElementById("alerts-total");
  var src = new EventSource("/alerts/live" + window.location.search);
  src.addEventListener("open", function () { live.hidden = false; });
  src.addEventListener("error", function () { live.hidden = true; });
  src.addEventListener("resync", function () { window.location.reload(); });
  src.addEventListener("row", function (ev) {
    var row = JSON.parse(ev.data);
    var old = body.querySelector('tr[data-id="' + String(Number(row.id)) + '"]');
    if (old) old.remove();
    if (row.html) {
      var empty = body.querySelector("tr.empty");
      if (empty) empty.remove();
      var t = document.createElement("template");
      t.innerHTML = row.html;
      var tr = t.content.querySelector("tr");
      if (tr) body.insertBefore(tr, body.firstChild);
    }
    if (total && row.total) total.textContent = row.total;
  });
})();
