// The query page: load a named query into the editor, run it, show the answer as a table.
// Every value is put on the page with textContent, never as markup.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("config").textContent);
  var form = document.getElementById("query-form");
  var editor = document.getElementById("query");
  var examples = document.getElementById("examples");
  var format = document.getElementById("format");
  var statusLine = document.getElementById("status");
  var errorBox = document.getElementById("error");
  var results = document.getElementById("results");

  function isHttp(iri) { return /^https?:\/\/[^\s<>"]+$/i.test(iri); }

  function localHref(iri) {
    if (iri.indexOf(config.base) === 0) { return config.prefix + iri.slice(config.base.length); }
    return isHttp(iri) ? iri : null;
  }

  function cell(term) {
    var td = document.createElement("td");
    if (!term) { return td; }
    if (term.type === "uri") {
      var href = localHref(term.value);
      if (href) {
        var a = document.createElement("a");
        a.href = href;
        a.textContent = term.value;
        td.appendChild(a);
      } else {
        td.textContent = term.value;
      }
    } else {
      td.textContent = term.value;
      var note = term["xml:lang"] || "";
      if (note) {
        var small = document.createElement("small");
        small.className = "note";
        small.textContent = " " + note;
        td.appendChild(small);
      }
    }
    return td;
  }

  function showTable(doc) {
    var table = document.createElement("table");
    table.className = "results";
    var head = table.createTHead().insertRow();
    var columns = doc.boolean === undefined ? doc.head.vars : ["ask"];
    columns.forEach(function (name) {
      var th = document.createElement("th");
      th.textContent = name;
      head.appendChild(th);
    });
    var body = table.createTBody();
    if (doc.boolean !== undefined) {
      body.insertRow().appendChild(cell({ type: "literal", value: String(doc.boolean) }));
    } else {
      doc.results.bindings.forEach(function (binding) {
        var row = body.insertRow();
        columns.forEach(function (name) { row.appendChild(cell(binding[name])); });
      });
    }
    var wrap = document.createElement("div");
    wrap.className = "table-wrap";
    wrap.appendChild(table);
    results.replaceChildren(wrap);
    var count = doc.boolean === undefined ? doc.results.bindings.length : 1;
    return count + (count === 1 ? " row" : " rows");
  }

  function showText(text) {
    var pre = document.createElement("pre");
    pre.className = "rdf";
    pre.textContent = text;
    results.replaceChildren(pre);
  }

  function run(event) {
    if (event) { event.preventDefault(); }
    var chosen = format.value;
    var accept = chosen === "html" ? "application/sparql-results+json, text/turtle;q=0.9" : "*/*";
    var body = new URLSearchParams();
    body.set("query", editor.value);
    if (chosen !== "html") { body.set("format", chosen); }
    errorBox.hidden = true;
    statusLine.textContent = "running…";
    var started = performance.now();
    fetch(config.endpoint, {
      method: "POST",
      headers: { "Accept": accept, "Content-Type": "application/x-www-form-urlencoded" },
      body: body
    }).then(function (response) {
      return response.text().then(function (text) {
        var seconds = ((performance.now() - started) / 1000).toFixed(2) + " s";
        if (!response.ok) {
          results.replaceChildren();
          errorBox.textContent = response.status + " " + response.statusText + "\n" + text;
          errorBox.hidden = false;
          statusLine.textContent = "failed in " + seconds;
          return;
        }
        var type = response.headers.get("Content-Type") || "";
        if (chosen === "html" && type.indexOf("application/sparql-results+json") === 0) {
          statusLine.textContent = showTable(JSON.parse(text)) + " in " + seconds;
        } else {
          showText(text);
          statusLine.textContent = "answered in " + seconds;
        }
      });
    }).catch(function (error) {
      errorBox.textContent = String(error);
      errorBox.hidden = false;
      statusLine.textContent = "";
    });
  }

  examples.addEventListener("change", function () {
    if (!examples.value) { return; }
    fetch(config.prefix + "queries/" + encodeURIComponent(examples.value) + ".rq")
      .then(function (response) { return response.text(); })
      .then(function (text) { editor.value = text; editor.focus(); });
  });
  editor.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) { run(event); }
    if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      var start = editor.selectionStart;
      editor.setRangeText("  ", start, editor.selectionEnd, "end");
    }
  });
  form.addEventListener("submit", run);
})();
