/* The hall kiosk's enhancements (every page works without them): back to the start page after a minute without
   a touch (body data-idle seconds, data-home), the digit pad typing into its field without a round trip, and the
   ticket's print button. Plain ES5. */
(function () {
  "use strict";
  var body = document.body;
  var home = body.getAttribute("data-home");
  var note = document.getElementById("k-idle");
  var timer = null, left = 0;

  function atHome() { return location.pathname === home && !location.search; }

  function idleSeconds() { return parseInt(body.getAttribute("data-idle"), 10) || 60; }

  function countdown() {
    left -= 1;
    if (left <= 0) {
      clearInterval(timer);
      location.replace(home); // replace: the back button does not lead to what the last person saw
      return;
    }
    if (note && left <= 10) {
      note.hidden = false;
      note.innerHTML = "无人操作，" + left + " 秒后返回首页（触摸屏幕继续）";
    }
  }

  function wake() {
    if (timer) { clearInterval(timer); }
    if (note) { note.hidden = true; }
    if (atHome()) { return; }
    left = idleSeconds();
    timer = setInterval(countdown, 1000);
  }

  var events = ["touchstart", "mousedown", "keydown", "input", "scroll"];
  for (var i = 0; i < events.length; i++) { document.addEventListener(events[i], wake, true); }
  wake();

  // the digit pad: type into the field here rather than posting each press
  var input = document.getElementById("pad-input");
  if (input) {
    var allowed = input.getAttribute("data-keys") || "0123456789";
    var max = parseInt(input.getAttribute("maxlength"), 10) || 40;
    var keys = document.querySelectorAll("[data-key]");
    var press = function (e) {
      var key = this.getAttribute("data-key"), value = input.value;
      e.preventDefault();
      if (key === "back") { value = value.slice(0, -1); }
      else if (key === "clear") { value = ""; }
      else if (allowed.indexOf(key) >= 0 && value.length < max) { value += key; }
      input.value = value;
    };
    for (var k = 0; k < keys.length; k++) { keys[k].addEventListener("click", press, false); }
  }

  var print = document.querySelector("[data-print]");
  if (print && window.print) {
    print.hidden = false;
    print.addEventListener("click", function () { window.print(); }, false);
  }
}());
