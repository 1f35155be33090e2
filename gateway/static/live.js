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
