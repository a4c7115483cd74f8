/* The operations screen reloads itself every data-refresh-s seconds (a wall display has nobody to press F5). It
   first asks for the page; only when that answers does it reload, so a server restart or a network outage leaves
   the last good figures on the wall and the check is simply tried again. Plain ES5; without scripts the
   <noscript> refresh does the reloading. */
(function () {
  "use strict";
  var seconds = parseInt(document.body.getAttribute("data-refresh-s"), 10) || 60;

  function check() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", window.location.href, true);
    xhr.onload = function () {
      if (xhr.status === 200) { window.location.reload(); } else { later(); }
    };
    xhr.onerror = later;
    xhr.send();
  }

  function later() { window.setTimeout(check, seconds * 1000); }

  later();
}());
