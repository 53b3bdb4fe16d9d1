/* gvcgraph network map: draws the view described by the JSON in #gvc-data with vis-network.
 *
 * Text from sources (labels, facts, quotes) is only ever put into the page with textContent or
 * as canvas text, never parsed as HTML. Nothing here makes a network request.
 */
(function () {
  "use strict";

  var DATA = JSON.parse(document.getElementById("gvc-data").textContent);
  var SVG_NS = "http://www.w3.org/2000/svg";
  var container = document.getElementById("map");
  var tip = document.getElementById("tip");
  var colorBy = DATA.colorBy || "class";
  var PAL = DATA.palette;  // the non-data colours, from gvcgraph/render/style.py
  var hidden = { cls: {}, ck: {}, fam: {}, gov: {} };
  var pinned = false;
  var byId = {};
  var edgeById = {};

  // ------------------------------------------------------------------ small DOM helpers
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG_NS, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  function shapeSwatch(shape, fill, stroke) {
    var s = svg("svg", { width: 16, height: 16, viewBox: "0 0 16 16", "aria-hidden": "true" });
    var a = { fill: fill, stroke: stroke, "stroke-width": 1 };
    var shapeEl;
    if (shape === "square") {
      shapeEl = svg("rect", Object.assign({ x: 2.5, y: 2.5, width: 11, height: 11 }, a));
    } else if (shape === "triangle") {
      shapeEl = svg("polygon", Object.assign({ points: "8,1.5 14.5,14 1.5,14" }, a));
    } else if (shape === "triangleDown") {
      shapeEl = svg("polygon", Object.assign({ points: "1.5,2 14.5,2 8,14.5" }, a));
    } else if (shape === "diamond") {
      shapeEl = svg("polygon", Object.assign({ points: "8,1 15,8 8,15 1,8" }, a));
    } else if (shape === "star") {
      shapeEl = svg("polygon", Object.assign(
        { points: "8,0.8 9.9,6 15.2,6 10.9,9.3 12.5,14.8 8,11.5 3.5,14.8 5.1,9.3 0.8,6 6.1,6" }, a));
    } else if (shape === "hexagon") {
      shapeEl = svg("polygon", Object.assign({ points: "8,1 14,4.5 14,11.5 8,15 2,11.5 2,4.5" }, a));
    } else {
      shapeEl = svg("circle", Object.assign({ cx: 8, cy: 8, r: 6 }, a));
    }
    s.appendChild(shapeEl);
    return s;
  }

  function lineSwatch(color, width, dashes) {
    var s = svg("svg", { width: 34, height: 12, viewBox: "0 0 34 12", "aria-hidden": "true" });
    var line = svg("line", { x1: 1, y1: 6, x2: 27, y2: 6, stroke: color,
      "stroke-width": Math.max(1, Math.min(width, 4)) });
    if (dashes && dashes.length) { line.setAttribute("stroke-dasharray", dashes.join(" ")); }
    s.appendChild(line);
    s.appendChild(svg("polygon", { points: "26,2 33,6 26,10", fill: color }));
    return s;
  }

  function fmt(x) {
    if (typeof x !== "number" || !isFinite(x)) { return String(x); }
    return Math.abs(x) >= 100 || Number.isInteger(x) ? x.toLocaleString("en") : x.toPrecision(3);
  }

  // ------------------------------------------------------------------ vis data
  function nodeColor(n) {
    var fill = colorBy === "country" ? n.k : n.c;
    var border = colorBy === "country" ? n.kb : n.cb;
    return { background: fill, border: border,
      highlight: { background: fill, border: PAL.highlight },
      hover: { background: fill, border: PAL.highlight } };
  }

  function visNode(n) {
    byId[n.id] = n;
    return {
      id: n.id, label: n.label, shape: n.shape, size: n.size,
      x: n.x, y: n.y, color: nodeColor(n), borderWidth: 1, borderWidthSelected: 3,
      font: { size: 12, face: "DejaVu Sans, Helvetica, Arial, sans-serif", color: PAL.label,
        strokeWidth: 3, strokeColor: PAL.background },
    };
  }

  function visEdge(e) {
    edgeById[e.id] = e;
    var edge = {
      id: e.id, from: e.from, to: e.to, width: e.width,
      color: { color: e.color, highlight: PAL.highlight, hover: PAL.highlight, inherit: false },
      dashes: e.dashes && e.dashes.length ? e.dashes : false,
      arrows: { to: { enabled: true, scaleFactor: 0.55 } },
      smooth: false,
    };
    if (e.r) {
      edge.smooth = { enabled: true, type: e.r > 0 ? "curvedCW" : "curvedCCW",
        roundness: Math.abs(e.r) };
    }
    return edge;
  }

  var nodes = new vis.DataSet(DATA.nodes.map(visNode));
  var edges = new vis.DataSet(DATA.edges.map(visEdge));
  var large = DATA.nodes.length > DATA.layoutLimit;

  var options = {
    autoResize: true,
    layout: { improvedLayout: false, randomSeed: 7 },
    interaction: { hover: !large, tooltipDelay: 150, hideEdgesOnDrag: large,
      hideEdgesOnZoom: large, keyboard: { enabled: true, bindToWindow: false },
      multiselect: false, navigationButtons: false },
    physics: DATA.physics ? {
      enabled: true, solver: "barnesHut",
      barnesHut: { gravitationalConstant: -2500, springLength: 110, springConstant: 0.03,
        damping: 0.4, avoidOverlap: 0.3 },
      stabilization: { enabled: true, iterations: 150, updateInterval: 50, fit: true },
    } : { enabled: false },
    nodes: { scaling: { label: { enabled: false } } },
    edges: { selectionWidth: 1.5, hoverWidth: 0.5 },
  };

  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);

  function setReady() {
    if (window.gvcMap.ready) { return; }
    window.gvcMap.ready = true;
    document.body.setAttribute("data-ready", "1");
  }

  window.gvcMap = { network: network, nodes: nodes, edges: edges, data: DATA, ready: false,
    drawn: drawn, show: showFor, search: search };

  if (DATA.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({ physics: { enabled: false } });
      network.fit({ animation: false });
      setReady();
    });
  } else {
    network.once("afterDrawing", function () { network.fit({ animation: false }); setReady(); });
  }

  // tier rows: labels drawn on the canvas, left of the nodes
  if (DATA.rows && DATA.rows.length) {
    network.on("beforeDrawing", function (ctx) {
      var xs = DATA.nodes.map(function (n) { return n.x; });
      var minX = Math.min.apply(null, xs) - 140;
      var maxX = Math.max.apply(null, xs) + 60;
      ctx.save();
      ctx.font = "bold 14px DejaVu Sans, Helvetica, Arial, sans-serif";
      ctx.fillStyle = PAL.muted;
      ctx.strokeStyle = PAL.grid;
      ctx.lineWidth = 1;
      DATA.rows.forEach(function (row, k) {
        if (k > 0) {
          ctx.beginPath();
          ctx.moveTo(minX, row[0] - DATA.spacing);
          ctx.lineTo(maxX, row[0] - DATA.spacing);
          ctx.stroke();
        }
        ctx.fillText(row[1], minX, row[0] + 5);
      });
      ctx.restore();
    });
  }

  // ------------------------------------------------------------------ header, notes
  document.title = DATA.title;
  document.getElementById("title").textContent = DATA.title;
  document.getElementById("meta").textContent = DATA.subtitle;
  var notes = document.getElementById("notes");
  (DATA.notes || []).forEach(function (text) { notes.appendChild(el("p", text)); });

  // ------------------------------------------------------------------ legend and filters
  function legendRow(list, group, entry, swatch) {
    var li = el("li");
    var label = el("label");
    var box = el("input");
    box.type = "checkbox";
    box.checked = true;
    box.className = "screen-only";
    box.setAttribute("data-group", group);
    box.setAttribute("data-key", entry.key);
    box.addEventListener("change", function () {
      if (box.checked) { delete hidden[group][entry.key]; } else { hidden[group][entry.key] = true; }
      applyFilters();
    });
    label.appendChild(box);
    label.appendChild(swatch);
    label.appendChild(el("span", entry.label));
    li.appendChild(label);
    li.appendChild(el("span", fmt(entry.count), "count"));
    list.appendChild(li);
    return swatch;
  }

  var classSwatches = [];
  function buildClassLegend() {
    var list = document.getElementById("legend-classes");
    while (list.firstChild) { list.removeChild(list.firstChild); }
    classSwatches = [];
    DATA.legend.classes.forEach(function (c) {
      var fill = colorBy === "country" ? PAL.neutralFill : c.color;
      var stroke = colorBy === "country" ? PAL.neutralBorder : c.border;
      legendRow(list, "cls", c, shapeSwatch(c.shape, fill, stroke));
    });
  }
  buildClassLegend();
  DATA.legend.countries.forEach(function (c) {
    legendRow(document.getElementById("legend-countries"), "ck", c,
      shapeSwatch("dot", c.color, c.border));
  });
  DATA.legend.families.forEach(function (f) {
    legendRow(document.getElementById("legend-families"), "fam", f,
      lineSwatch(f.color, f.width, f.dashes));
  });
  DATA.legend.governance.forEach(function (g) {
    legendRow(document.getElementById("legend-governance"), "gov", g, lineSwatch(g.color, 2, []));
  });
  if (!DATA.legend.governance.length) {
    document.getElementById("governance-block").hidden = true;
  }
  if (DATA.legend.size) {
    var s = DATA.legend.size;
    document.getElementById("legend-size").textContent = "Node size: " + s.label + " (" +
      fmt(s.min) + " to " + fmt(s.max) + ").";
  }

  function nodeVisible(n) {
    return !hidden.cls[n.cls] && !hidden.ck[n.ck];
  }

  function edgeVisible(e) {
    return !hidden.fam[e.fam] && !(e.fam === "supply" && hidden.gov[e.gov]) &&
      nodeVisible(byId[e.from]) && nodeVisible(byId[e.to]);
  }

  function applyFilters() {
    nodes.update(DATA.nodes.map(function (n) { return { id: n.id, hidden: !nodeVisible(n) }; }));
    edges.update(DATA.edges.map(function (e) { return { id: e.id, hidden: !edgeVisible(e) }; }));
  }

  document.getElementById("show-all").addEventListener("click", function () {
    hidden = { cls: {}, ck: {}, fam: {}, gov: {} };
    Array.prototype.forEach.call(document.querySelectorAll(".legend input"), function (b) {
      b.checked = true;
    });
    applyFilters();
  });
  document.getElementById("fit").addEventListener("click", function () {
    network.fit({ animation: false });
  });

  var colorSelect = document.getElementById("color-by");
  colorSelect.value = colorBy;
  colorSelect.addEventListener("change", function () {
    colorBy = colorSelect.value;
    nodes.update(DATA.nodes.map(function (n) { return { id: n.id, color: nodeColor(n) }; }));
    buildClassLegend();
  });

  // ------------------------------------------------------------------ tooltips
  function citation(key) {
    var ev = DATA.evidence[key];
    if (!ev) { return null; }
    var li = el("li");
    if (ev.quote) { li.appendChild(el("q", ev.quote)); }
    var where = [];
    if (ev.source) { where.push(ev.source + (ev.year ? " (" + ev.year + ")" : "")); }
    if (ev.file) { where.push(ev.file); }
    if (ev.line) { where.push("line " + ev.line + (ev.line_end ? "\u2013" + ev.line_end : "")); }
    if (ev.page) { where.push("p. " + ev.page); }
    if (ev.status && ev.status !== "reported") { where.push(ev.status); }
    var cite = el("span", where.join(", "), "cite");
    if (ev.title) { cite.title = ev.title; }
    li.appendChild(cite);
    return li;
  }

  function fillTip(heading, facts, evidence) {
    while (tip.firstChild) { tip.removeChild(tip.firstChild); }
    var close = el("button", "\u00d7", "close");
    close.type = "button";
    close.setAttribute("aria-label", "close");
    close.addEventListener("click", hideTip);
    tip.appendChild(close);
    tip.appendChild(el("h3", heading));
    var dl = el("dl");
    (facts || []).forEach(function (f) {
      dl.appendChild(el("dt", f[0]));
      dl.appendChild(el("dd", f[1]));
    });
    tip.appendChild(dl);
    var items = (evidence || []).map(citation).filter(function (x) { return x; });
    if (items.length) {
      tip.appendChild(el("h4", "Evidence"));
      var ol = el("ol");
      items.forEach(function (li) { ol.appendChild(li); });
      tip.appendChild(ol);
    } else if ((evidence || []).length === 0 && DATA.hasEvidence) {
      tip.appendChild(el("p", "No evidence passage recorded for this item.", "hint"));
    }
  }

  function placeTip(pointer) {
    tip.hidden = false;
    var box = container.getBoundingClientRect();
    var w = tip.offsetWidth;
    var h = tip.offsetHeight;
    var x = Math.min(Math.max(pointer.x + 14, 4), Math.max(box.width - w - 4, 4));
    var y = Math.min(Math.max(pointer.y + 14, 4), Math.max(box.height - h - 4, 4));
    tip.style.left = x + "px";
    tip.style.top = y + "px";
  }

  function showNode(id, pointer) {
    var n = byId[id];
    if (!n) { return; }
    var facts = n.facts.slice();
    if (n.measure !== null && n.measure !== undefined && DATA.legend.size) {
      var name = DATA.legend.size.label;
      facts.splice(facts.length - 1, 0, [name.charAt(0).toUpperCase() + name.slice(1),
        fmt(n.measure)]);
    }
    fillTip(n.full, facts, n.ev);
    tip.setAttribute("data-for", "node:" + id);
    placeTip(pointer);
  }

  function showEdge(id, pointer) {
    var e = edgeById[id];
    if (!e) { return; }
    fillTip(e.title, e.facts, e.ev);
    tip.setAttribute("data-for", "edge:" + id);
    placeTip(pointer);
  }

  function showFor(kind, id) {
    var p = kind === "node" ? network.canvasToDOM(network.getPosition(id)) : { x: 20, y: 20 };
    pinned = true;
    if (kind === "node") { showNode(id, p); } else { showEdge(id, p); }
  }

  function hideTip() {
    tip.hidden = true;
    pinned = false;
    tip.removeAttribute("data-for");
  }

  network.on("click", function (params) {
    if (params.nodes.length) {
      pinned = true;
      showNode(params.nodes[0], params.pointer.DOM);
    } else if (params.edges.length) {
      pinned = true;
      showEdge(params.edges[0], params.pointer.DOM);
    } else {
      hideTip();
    }
  });
  network.on("hoverNode", function (params) {
    if (!pinned) { showNode(params.node, params.pointer.DOM); }
  });
  network.on("blurNode", function () { if (!pinned) { tip.hidden = true; } });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { hideTip(); network.unselectAll(); }
  });

  // ------------------------------------------------------------------ search
  var searchBox = document.getElementById("search");
  var searchResult = document.getElementById("search-result");

  function search(text) {
    var q = String(text || "").trim().toLowerCase();
    if (!q) { searchResult.textContent = ""; network.unselectAll(); return []; }
    var found = DATA.nodes.filter(function (n) {
      return nodeVisible(n) && (n.full.toLowerCase().indexOf(q) >= 0 ||
        String(n.id).toLowerCase().indexOf(q) >= 0);
    }).map(function (n) { return n.id; });
    searchResult.textContent = found.length === 0 ? "no match" :
      found.length === 1 ? "1 match" : fmt(found.length) + " matches";
    if (found.length) {
      network.selectNodes(found.slice(0, 500));
      network.focus(found[0], { scale: Math.max(network.getScale(), 1.0), animation: false });
      showFor("node", found[0]);
    }
    return found;
  }
  searchBox.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { ev.preventDefault(); search(searchBox.value); }
  });
  searchBox.addEventListener("search", function () { search(searchBox.value); });

  // ------------------------------------------------------------------ for tests and scripts
  function drawn() {
    var body = network.body;
    var n = 0;
    var m = 0;
    body.nodeIndices.forEach(function (id) {
      if (!body.nodes[id].options.hidden) { n += 1; }
    });
    body.edgeIndices.forEach(function (id) {
      var e = body.edges[id];
      if (e && e.connected && !e.options.hidden && !e.from.options.hidden &&
          !e.to.options.hidden) { m += 1; }
    });
    return { nodes: n, edges: m };
  }
})();
