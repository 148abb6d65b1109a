// Live alerts: new and updated alerts arrive over server-sent events and
// are put at the top of the table. Without JavaScript the page is a plain
// list that reloads on demand.
(function () {
  "use strict";
  var table = document.getElementById("alerts");
  if (!table || !window.EventSource) return;
  var body = table.tBodies[0];
  var live = document.getElementById("alerts-live");
  var src = new EventSource("/api/v1/alerts/stream");
  src.addEventListener("open", function () { live.hidden = false; });
  src.addEventListener("resync", function () { window.location.reload(); });
  src.addEventListener("alert", function (ev) {
    var a = JSON.parse(ev.data);
    var old = body.querySelector('tr[data-id="' + a.id + '"]');
    if (old) old.remove();
    var empty = body.querySelector("tr.empty");
    if (empty) empty.remove();
    var tr = document.createElement("tr");
    tr.dataset.id = a.id;
    tr.className = "level-" + a.level + " fresh";
    if (document.getElementById("bulk")) {
      // The bulk triage form's tick box, as the server renders it.
      var pick = document.createElement("td");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.name = "id";
      box.value = String(a.id);
      box.setAttribute("form", "bulk");
      box.setAttribute("aria-label", a.title);
      pick.appendChild(box);
      tr.appendChild(pick);
    }
    [a.level, a.title, String(a.tenant), a.key, String(a.count), a.first_seen, a.last_seen, a.status].forEach(function (text, i) {
      var td = document.createElement("td");
      if (i === 1) {
        var link = document.createElement("a");
        link.href = "/alerts/" + a.id;
        link.textContent = text;
        td.appendChild(link);
      } else if (i === 3) {
        var code = document.createElement("code");
        code.textContent = text;
        td.appendChild(code);
      } else {
        td.textContent = text;
      }
      tr.appendChild(td);
    });
    body.insertBefore(tr, body.firstChild);
  });
})();
