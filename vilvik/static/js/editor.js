// Turns each code textarea of the edit form into a CodeMirror editor. Without JavaScript the
// plain textareas still submit the same form.
(function () {
  "use strict";
  if (typeof CodeMirror === "undefined") { return; }
  document.querySelectorAll(".field.code textarea").forEach(function (area) {
    var editor = CodeMirror.fromTextArea(area, {
      mode: "python",
      lineNumbers: true,
      indentUnit: 4,
      tabSize: 4,
      indentWithTabs: false,
      viewportMargin: Infinity,
      extraKeys: {
        Tab: function (cm) { cm.replaceSelection("    "); },
        "Shift-Tab": false
      }
    });
    editor.getWrapperElement().setAttribute("aria-label", area.id.replace("code_", "") + " source");
    // An editor created inside a closed <details> measures itself when it is opened.
    var details = area.closest("details");
    if (details) {
      details.addEventListener("toggle", function () { if (details.open) { editor.refresh(); } });
    }
    // Keyboard users leave the editor with Escape then Tab.
    editor.on("keydown", function (cm, event) {
      if (event.key === "Escape") { cm.getInputField().blur(); }
    });
  });
}());
