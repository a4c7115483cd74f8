/* Registering a call (/workbench/hotline/new): redraw the routing suggestion (智能派单建议) as the operator types,
   from the dry run (POST /api/v1/hotline/routing/dry-run). The page works without it: the "查看派单建议" button
   posts the form back and the server draws the same panel. Text is set with textContent only. */
(function () {
  "use strict";
  var form = document.getElementById("new-call");
  var body = document.getElementById("suggestion-body");
  if (!form || !body || !window.fetch) { return; }
  var url = form.getAttribute("data-dry-run");
  var content = document.getElementById("t-content");
  var region = document.getElementById("t-region");
  var kind = document.getElementById("t-kind");
  var unitDefault = document.querySelector("#t-unit option[value='']");
  var timer = null;
  var asked = "";

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) { node.className = cls; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function fact(list, term, value, cls) {
    list.appendChild(el("dt", null, term));
    list.appendChild(el("dd", cls || null, value));
  }

  function draw(s) {
    body.textContent = "";
    if (!s.department) {
      body.appendChild(el("p", null, s.explanation || "没有找到合适的承办单位，请人工选择。"));
      if (unitDefault) { unitDefault.textContent = "按智能派单建议"; }
      return;
    }
    var p = el("p", "suggested", "建议派往：");
    var strong = el("strong", null, s.department);
    strong.id = "suggested-unit";
    p.appendChild(strong);
    if (s.function) { p.appendChild(el("span", "muted", "（" + s.function + "）")); }
    body.appendChild(p);
    var dl = el("dl", "facts");
    fact(dl, "主要依据", s.rule || "—");
    fact(dl, "派单说明", s.explanation, "text");
    body.appendChild(dl);
    if (s.alternatives && s.alternatives.length) {
      body.appendChild(el("p", "alt-title", "其他可能的承办单位："));
      var ul = el("ul", "alternatives");
      s.alternatives.forEach(function (a) {
        var li = el("li", null, a.department);
        li.appendChild(el("span", "muted", "（" + a.function + "，得分 " + a.score + (a.rule ? "，" + a.rule : "") + "）"));
        ul.appendChild(li);
      });
      body.appendChild(ul);
    }
    if (unitDefault) { unitDefault.textContent = "按智能派单建议（" + s.department + "）"; }
  }

  function ask() {
    var text = content.value.trim();
    if (text.length < 5) { return; }
    var payload = {content: text.slice(0, 4000)};
    if (region && region.value) { payload.region_code = region.value; }
    if (kind && kind.value) { payload.kind = kind.value; }
    var key = JSON.stringify(payload);
    if (key === asked) { return; }
    asked = key;
    fetch(url, {method: "POST", headers: {"Content-Type": "application/json", "Accept": "application/json"},
                body: key, credentials: "omit"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s && key === asked) { draw(s); } })
      .catch(function () { asked = ""; });
  }

  function later() {
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(ask, 700);
  }

  content.addEventListener("input", later);
  if (region) { region.addEventListener("change", later); }
  if (kind) { kind.addEventListener("change", later); }
}());
