// The SPARQL editor: a bundled query is one click away; Run posts the text to /sparql (SPARQL 1.1 Protocol)
// and shows the answer. Answer text goes into the page with textContent only, never as HTML.
(function () {
  "use strict";
  var form = document.getElementById("sparql-form");
  var query = document.getElementById("query");
  var accept = document.getElementById("accept");
  var status = document.getElementById("status");
  var results = document.getElementById("results");

  Array.prototype.forEach.call(document.querySelectorAll("button.bundled-query"), function (button) {
    button.addEventListener("click", function () {
      query.value = button.getAttribute("data-text");
      status.textContent = button.getAttribute("data-name");
      status.className = "";
    });
  });

  function cell(tag, text) {
    var el = document.createElement(tag);
    el.textContent = text;
    return el;
  }

  function showTable(data) {
    var table = document.createElement("table");
    table.className = "results";
    if (typeof data["boolean"] === "boolean") {
      table.appendChild(cell("tr", "")).appendChild(cell("td", String(data["boolean"])));
      return { table: table, rows: 1 };
    }
    var vars = data.head.vars;
    var head = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
    vars.forEach(function (v) { head.appendChild(cell("th", v)); });
    var body = table.appendChild(document.createElement("tbody"));
    data.results.bindings.forEach(function (b) {
      var tr = body.appendChild(document.createElement("tr"));
      vars.forEach(function (v) { tr.appendChild(cell("td", b[v] ? b[v].value : "")); });
    });
    return { table: table, rows: data.results.bindings.length };
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var started = performance.now();
    status.textContent = "running …";
    status.className = "";
    results.textContent = "";
    var type = accept.value;
    fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/sparql-query", "Accept": type + ", text/turtle;q=0.9" },
      body: query.value
    }).then(function (response) {
      return response.text().then(function (text) { return { response: response, text: text }; });
    }).then(function (r) {
      var seconds = ((performance.now() - started) / 1000).toFixed(2) + " s";
      if (!r.response.ok) {
        status.className = "error";
        status.textContent = r.response.status + ": " + r.text;
        return;
      }
      var cut = r.response.headers.get("KG-Truncated");
      var ctype = r.response.headers.get("Content-Type") || "";
      if (ctype.indexOf("sparql-results+json") >= 0) {
        var shown = showTable(JSON.parse(r.text));
        results.appendChild(shown.table);
        status.textContent = shown.rows + " rows, " + seconds + (cut ? " — " + cut : "");
      } else {
        results.appendChild(cell("pre", r.text));
        status.textContent = seconds + (cut ? " — " + cut : "");
      }
      status.setAttribute("data-done", "1");
    }).catch(function (e) {
      status.className = "error";
      status.textContent = String(e);
    });
  });
})();
