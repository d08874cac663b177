// Forge's pages work without this file; it only adds search suggestions as you type and copy buttons.
// Loaded from this forge (the Content-Security-Policy allows no inline script). It writes text into the page only as
// text (textContent, option values), never as HTML.
(function () {
  "use strict";

  function suggest(input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) return;
    var timer = 0, last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) return;
        last = q;
        var base = input.getAttribute("data-api") || "/api";
        Promise.all(["models", "datasets"].map(function (kind) {
          return fetch(base + "/" + kind + "?limit=5&search=" + encodeURIComponent(q), { credentials: "same-origin" })
            .then(function (r) { return r.ok ? r.json() : []; })
            .catch(function () { return []; });
        })).then(function (results) {
          if (input.value.trim() !== q) return;
          while (list.firstChild) list.removeChild(list.firstChild);
          results[0].concat(results[1]).forEach(function (item) {
            if (!item || typeof item.id !== "string") return;
            var option = document.createElement("option");
            option.value = item.id;
            list.appendChild(option);
          });
        });
      }, 200);
    });
  }

  function copyButtons() {
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        var source = document.getElementById(button.getAttribute("data-copy"));
        if (!source || !navigator.clipboard) return;
        navigator.clipboard.writeText(source.textContent).then(function () {
          var label = button.textContent;
          button.textContent = "Copied";
          setTimeout(function () { button.textContent = label; }, 1500);
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[list][data-suggest]").forEach(suggest);
    copyButtons();
  });
})();
