// The query page with JavaScript: YASGUI (static/vendor/, see hatch_build.py) over our endpoint.
// It completes from sparql/editor.json only (our prefixes, classes and properties), never from
// a site on the internet; result IRIs of this graph link to their pages here; a bar chart plugin
// draws a numeric column. Without JavaScript, or without the bundle, the form above still works.
(function () {
  "use strict";
  var Yasgui = window.Yasgui;
  if (!Yasgui) { return; }  // the bundle is missing: keep the plain form
  var page = JSON.parse(document.getElementById("config").textContent);
  var SVG = "http://www.w3.org/2000/svg";
  var NUMERIC = /XMLSchema#(decimal|double|float|int|long|short|byte|\w*[iI]nteger)$/;
  var prefixes = {};  // from editor.json: an IRI in a chart is shown as prefix:name

  function compact(iri) {
    var found = Object.keys(prefixes).find(function (p) { return iri.indexOf(prefixes[p]) === 0; });
    return found ? found + ":" + iri.slice(prefixes[found].length) : iri;
  }

  // an IRI of this graph opens its page on this server, wherever the server runs
  function localHref(iri) {
    return iri.indexOf(page.base) === 0 ? page.prefix + iri.slice(page.base.length) : iri;
  }

  function linkToPages(Table) {
    var original = Table.prototype.getUriLinkFromBinding;
    Table.prototype.getUriLinkFromBinding = function (binding, prefixes) {
      var html = original.call(this, binding, prefixes);
      if (localHref(binding.value) === binding.value) { return html; }
      var holder = document.createElement("template");
      holder.innerHTML = html;
      holder.content.querySelectorAll("a").forEach(function (a) {
        a.href = localHref(binding.value);
      });
      return holder.innerHTML;
    };
  }

  // completers over a fixed list (bulk: YASQE filters it as one types)
  function completers(settings) {
    var lines = Object.keys(settings.prefixes).map(function (p) {
      return p + ": <" + settings.prefixes[p] + ">";
    });
    function fork(from, name, list) {
      Yasgui.Yasqe.forkAutocompleter(from, {
        name: name, bulk: true, persistenceId: null, get: function () { return list; }
      }, false);
    }
    fork("prefixes", "ckg-prefixes", lines);
    fork("class", "ckg-classes", settings.classes);
    fork("property", "ckg-properties", settings.properties);
    return ["ckg-prefixes", "variables", "ckg-classes", "ckg-properties"];
  }

  // a horizontal bar per row: the first numeric column against the first other one
  function ChartPlugin(yasr) { this.yasr = yasr; this.priority = 5; this.label = "Chart"; }
  ChartPlugin.prototype.columns = function () {
    var results = this.yasr.results;
    if (!results || !results.getBindings || !results.getVariables) { return null; }
    var rows = results.getBindings() || [];
    var vars = results.getVariables() || [];
    var value = vars.find(function (v) {
      return rows.length > 0 && rows.every(function (r) {
        return !r[v] || NUMERIC.test(r[v].datatype || "");
      });
    });
    var label = vars.find(function (v) { return v !== value; });
    return value && label ? { rows: rows.slice(0, 60), value: value, label: label } : null;
  };
  ChartPlugin.prototype.canHandleResults = function () { return this.columns() !== null; };
  ChartPlugin.prototype.getIcon = function () {
    var icon = document.createElement("span");
    icon.textContent = "▇";
    return icon;
  };
  ChartPlugin.prototype.draw = function () {
    var c = this.columns();
    var values = c.rows.map(function (r) { return r[c.value] ? Number(r[c.value].value) : 0; });
    var top = Math.max.apply(null, values.concat([0])) || 1;
    var bar = 22, labelWidth = 340, width = 900;
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "result-chart");
    svg.setAttribute("viewBox", "0 0 " + width + " " + (bar * c.rows.length + 4));
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", c.value + " by " + c.label);
    c.rows.forEach(function (row, i) {
      var y = i * bar + 2;
      var name = document.createElementNS(SVG, "text");
      name.setAttribute("x", labelWidth - 6);
      name.setAttribute("y", y + bar * 0.7);
      name.setAttribute("text-anchor", "end");
      var term = row[c.label];
      var text = term ? (term.type === "uri" ? compact(term.value) : term.value) : "";
      name.textContent = text.length > 44 ? text.slice(0, 43) + "…" : text;
      var rect = document.createElementNS(SVG, "rect");
      rect.setAttribute("x", labelWidth);
      rect.setAttribute("y", y + 2);
      rect.setAttribute("height", bar - 4);
      rect.setAttribute("width", Math.max(1, (values[i] / top) * (width - labelWidth - 70)));
      var figure = document.createElementNS(SVG, "text");
      figure.setAttribute("x", labelWidth + (values[i] / top) * (width - labelWidth - 70) + 6);
      figure.setAttribute("y", y + bar * 0.7);
      figure.textContent = String(values[i]);
      svg.append(name, rect, figure);
    });
    this.yasr.resultsEl.appendChild(svg);
  };

  function start(settings) {
    prefixes = settings.prefixes;
    var names = completers(settings);
    linkToPages(Yasgui.Yasr.plugins.table);
    Yasgui.Yasr.registerPlugin("chart", ChartPlugin);
    var plain = document.getElementById("plain-editor");
    var shown = document.getElementById("plain-results");
    var holder = document.getElementById("yasgui");
    var endpoint = new URL(settings.endpoint, window.location.href).href;
    // shown before it is made: CodeMirror measures its lines when it starts
    plain.hidden = true;
    if (shown) { shown.hidden = true; }
    holder.hidden = false;
    var yasgui = new Yasgui(holder, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      persistenceId: "consortia-kg-editor",
      yasqe: {
        value: document.getElementById("query").value, autocompleters: names, prefixCcApi: null
      },
      yasr: { prefixes: settings.prefixes, defaultPlugin: "table" }
    });
    var examples = document.getElementById("examples");
    examples.addEventListener("change", function () {
      var chosen = settings.examples.find(function (q) { return q.name === examples.value; });
      if (chosen) { yasgui.getTab().setQuery(chosen.text); }
    });
    document.getElementById("examples-bar").hidden = false;
    // a shared link (the query in the URL) shows its answer at once
    var shared = new URLSearchParams(window.location.search).has("query") ||
      new URLSearchParams(window.location.hash.slice(1)).has("query");
    if (shared) { yasgui.getTab().query(); }
    window.consortiaEditor = yasgui;  // for the browser tests and the console
  }

  fetch(page.prefix + "sparql/editor.json")
    .then(function (response) { return response.json(); })
    .then(start);
})();
