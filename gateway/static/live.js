// Live notifications: prepends each alert for this user to the list and to the page banner.
(function () {
  var list = document.getElementById("live-notifications");
  var counter = document.getElementById("live-count");
  if ((!list && !counter) || !window.EventSource) { return; }
  var source = new EventSource("/api/v1/notifications/live");
  source.addEventListener("alert", function (message) {
    var alert = JSON.parse(message.data);
    if (counter) { counter.textContent = String(Number(counter.textContent || "0") + 1); }
    if (!list) { return; }
    var item = document.createElement("li");
    item.className = "alert alert-" + alert.kind;
    var link = document.createElement("a");
    link.href = "/console/events/" + encodeURIComponent(alert.event_id);
    link.textContent = alert.title;          // text, never HTML
    var time = document.createElement("time");
    time.textContent = " " + alert.fired_at.slice(0, 16).replace("T", " ");
    item.appendChild(link);
    item.appendChild(time);
    list.insertBefore(item, list.firstChild);
  });
})();

// The dashboard: events graded anywhere in the county appear (or change colour) without a
// reload; every time limit counts down, and turns red once overdue.
(function () {
  var table = document.getElementById("live-events");
  if (!table) { return; }
  var body = table.tBodies[0];

  function badge(event) {
    var span = document.createElement("span");
    span.className = "badge level-" + event.level;
    span.textContent = event.level_name;
    return span;
  }

  function cell(row, content) {
    var td = document.createElement("td");
    if (content instanceof Node) { td.appendChild(content); } else { td.textContent = content; }
    row.appendChild(td);
    return td;
  }

  if (table.dataset.live && window.EventSource) {
    var source = new EventSource("/api/v1/live/events");
    source.addEventListener("event", function (message) {
      var event = JSON.parse(message.data);
      var row = body.querySelector('tr[data-event-id="' + CSS.escape(event.event_id) + '"]');
      if (row) {
        row.cells[0].replaceChildren(badge(event));
        row.cells[4].textContent = String(event.heat);
      } else {
        var empty = body.querySelector("tr.empty");
        if (empty) { empty.remove(); }
        row = document.createElement("tr");
        row.dataset.eventId = event.event_id;
        row.className = "live-new";
        cell(row, badge(event));
        var link = document.createElement("a");
        link.href = "/console/events/" + encodeURIComponent(event.event_id);
        link.textContent = event.title;        // text, never HTML
        cell(row, link);
        cell(row, (event.discovered_at || "").slice(0, 16).replace("T", " "));
        cell(row, "—");
        cell(row, String(event.heat));
        cell(row, "—");
        body.insertBefore(row, body.firstChild);
      }
    });
  }

  function tick() {
    var now = Date.now();
    table.querySelectorAll("time.countdown").forEach(function (time) {
      var left = Math.round((Date.parse(time.getAttribute("datetime")) - now) / 60000);
      var abs = Math.abs(left);
      var text = (abs >= 60 ? Math.floor(abs / 60) + "小时" : "") + (abs % 60) + "分";
      time.textContent = left >= 0 ? "剩 " + text : "超时 " + text;
      time.classList.toggle("overdue", left < 0);
      time.closest("tr").classList.toggle("overdue", left < 0);
    });
  }
  tick();
  setInterval(tick, 15000);
})();
