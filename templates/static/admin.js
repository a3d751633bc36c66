// Admin pages work without this script; it only adds conveniences:
// a warning before leaving the editor with unsaved changes, a live word
// count, copy buttons, and a box that selects every comment shown.
(function () {
  "use strict";
  var editor = document.querySelector("form.editor");
  if (editor) {
    var saved = new FormData(editor);
    var changed = function () {
      var now = new FormData(editor);
      var fields = ["title", "body", "summary", "tags", "slug"];
      return fields.some(function (name) { return (now.get(name) || "") !== (saved.get(name) || ""); });
    };
    var leaving = false;
    editor.addEventListener("submit", function () { leaving = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!leaving && changed()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    var body = editor.querySelector("#body");
    var count = document.createElement("p");
    count.className = "hint";
    count.id = "live-word-count";
    count.setAttribute("aria-live", "polite");
    var update = function () {
      var words = body.value.trim() === "" ? 0 : body.value.trim().split(/\s+/).length;
      count.textContent = words + (words === 1 ? " word" : " words");
    };
    if (body) {
      body.insertAdjacentElement("afterend", count);
      body.addEventListener("input", update);
      update();
    }
  }
  var moderation = document.querySelector("form.moderation");
  var bulkButtons = moderation && moderation.querySelector(".buttons");
  if (bulkButtons) {
    var boxes = moderation.querySelectorAll("input[type=checkbox][name=ids]");
    var all = document.createElement("input");
    all.type = "checkbox";
    all.id = "select-all";
    var label = document.createElement("label");
    label.className = "check select-all";
    label.appendChild(all);
    label.appendChild(document.createTextNode(" Select all"));
    bulkButtons.insertAdjacentElement("afterbegin", label);
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    var follow = function () {
      var ticked = Array.prototype.filter.call(boxes, function (box) { return box.checked; }).length;
      all.checked = ticked === boxes.length;
      all.indeterminate = ticked > 0 && ticked < boxes.length;
    };
    boxes.forEach(function (box) { box.addEventListener("change", follow); });
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var source = document.querySelector(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = "Copied";
      });
    });
  });
})();
