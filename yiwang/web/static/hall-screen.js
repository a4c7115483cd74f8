/* The hall's calling screen: redraw from the public board every 1.5 s (GET /api/v1/halls/{code}/board).
   Plain ES5 and XMLHttpRequest, for the old browsers hall TVs run. Without it the page refreshes itself. */
(function () {
  "use strict";
  var body = document.body;
  var url = body.getAttribute("data-board-url");
  var every = parseInt(body.getAttribute("data-poll-ms"), 10) || 1500;
  var listed = parseInt(body.getAttribute("data-listed"), 10) || 5;
  var skew = 0; // server clock minus this clock, in ms
  var failures = 0;
  var newest = null;
  var WEEKDAYS = "日一二三四五六";

  function byId(id) { return document.getElementById(id); }

  function esc(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
  }

  function parseTime(iso) {
    // 2026-03-02T01:30:00.123456Z or …+00:00 (older browsers parse neither with microseconds)
    var m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?(Z|([+-])(\d\d):?(\d\d))?$/.exec(iso || "");
    if (!m) { return null; }
    var ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], m[7] ? +(m[7] + "00").slice(0, 3) : 0);
    if (m[9]) { ms -= (m[9] === "-" ? -1 : 1) * ((+m[10]) * 60 + (+m[11])) * 60000; }
    return ms;
  }

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  function tick() {
    // the hall's time (Asia/Shanghai, UTC+8 all year), from the server's clock
    var d = new Date(new Date().getTime() + skew + 8 * 3600000);
    byId("scr-time").innerHTML = pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes());
    byId("scr-date").innerHTML = d.getUTCFullYear() + " 年 " + (d.getUTCMonth() + 1) + " 月 " + d.getUTCDate() +
      " 日 星期" + WEEKDAYS.charAt(d.getUTCDay());
  }

  function draw(board) {
    var calls = board.calling || [], queues = board.queues || [], i, rows = [];
    var latest = byId("scr-latest");
    var key = calls.length ? calls[0].ticket_no + "|" + calls[0].called_at : "";
    if (calls.length) {
      latest.className = "scr-latest";
      if (key !== newest) {
        latest.innerHTML = '<p class="scr-words"><span class="scr-line">请 <strong class="scr-no">' +
          esc(calls[0].ticket_no) + '</strong> 号</span> <span class="scr-line">到 <strong class="scr-win">' +
          esc(calls[0].window_name) + "</strong></span></p>";
        if (newest !== null) { flash(latest); }
      }
    } else if (key !== newest) {
      latest.className = "scr-latest scr-none";
      latest.innerHTML = '<p class="scr-words">暂无叫号，请耐心等候</p>';
    }
    newest = key;
    for (i = 0; i < calls.length && i < listed; i++) {
      rows.push("<tr" + (i === 0 ? ' class="scr-newest"' : "") + '><td class="scr-no">' + esc(calls[i].ticket_no) +
        "</td><td>" + esc(calls[i].window_name) + "</td></tr>");
    }
    byId("scr-list").innerHTML = rows.length ? rows.join("") : '<tr><td colspan="2" class="scr-empty">今天还没有叫号</td></tr>';
    rows = [];
    for (i = 0; i < queues.length; i++) {
      var q = queues[i];
      rows.push('<tr><th scope="row">' + esc(q.label) + "</th><td><strong>" + q.waiting + "</strong> 人</td><td>" +
        (q.waiting ? "约 <strong>" + q.estimated_wait_minutes + "</strong> 分钟" : "无需等候") + "</td></tr>");
    }
    byId("scr-queues").innerHTML = rows.join("");
    var state = byId("scr-state");
    state.innerHTML = board.open ? "正在办公" : "非办公时间";
    state.className = board.open ? "scr-state" : "scr-state scr-closed";
    byId("scr-hall-name").innerHTML = esc(board.hall_name);
    var now = parseTime(board.now);
    if (now !== null) { skew = now - new Date().getTime(); }
    tick();
  }

  function flash(el) {
    el.className = "scr-latest scr-flash";
    setTimeout(function () { el.className = "scr-latest"; }, 3000);
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    var done = false;
    xhr.open("GET", url, true);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.timeout = 5000;
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4 || done) { return; }
      done = true;
      var ok = false;
      if (xhr.status === 200) {
        try { draw(JSON.parse(xhr.responseText)); ok = true; } catch (e) { ok = false; }
      }
      failures = ok ? 0 : failures + 1;
      byId("scr-offline").hidden = failures < 3;
      setTimeout(poll, every);
    };
    xhr.send(null);
  }

  var first = parseTime(body.getAttribute("data-now"));
  if (first !== null) { skew = first - new Date().getTime(); }
  var latest = byId("scr-latest");
  var firstNo = latest.getElementsByTagName("strong");
  newest = firstNo.length ? null : "";
  setInterval(tick, 1000);
  setTimeout(poll, every);
}());
