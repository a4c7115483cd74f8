/* The operations screen reloads itself every data-refresh-s seconds (a wall display has nobody to press F5).
   Plain ES5; without scripts the <noscript> refresh does the same. A failed reload keeps the last good page. */
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh-s"), 10) || 60;
  window.setTimeout(function () {
    var xhr = new XMLHttpRequest();
    xhr.open("HEAD", window.location.href, true);
    xhr.onload = function () { if (xhr.status === 200) { window.location.reload(); } else { schedule(); } };
    xhr.onerror = schedule;
    xhr.send();
  }, seconds * 1000);

  function schedule() { window.setTimeout(function () { window.location.reload(); }, seconds * 1000); }
}());
