// Draws every trend chart on the page from its json_script block. No data is built here: the
// figures come from the server as JSON (never as markup), so nothing typed can run as script.
(function () {
  "use strict";
  if (typeof window.Plotly === "undefined") { return; }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  var text = window.getComputedStyle(document.body).color;
  var grid = dark ? "rgba(255,255,255,0.12)" : "rgba(0,0,0,0.08)";
  // A chart narrower than this (on a phone) leaves out the severity bands' names, which covered
  // its first points; the shading stays, and the text above each chart names the bands.
  var NARROW = 560;
  // No toolbar. Its buttons sat inside each chart's role="img" (reachable by Tab, hidden from
  // screen readers), and Plotly's own "Share chart..." button offered to upload the figure,
  // a person's mood data, to Plotly's cloud. The data tables give the numbers instead; the
  // two cloud settings stay off should anyone bring the toolbar back.
  var PLOTLY_CONFIG = {
    displayModeBar: false,
    showSendToCloud: false,
    plotlyServerURL: "",
    displaylogo: false,
    responsive: true
  };

  document.querySelectorAll("[data-figure]").forEach(function (el) {
    var source = document.getElementById(el.getAttribute("data-figure"));
    if (!source) { return; }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    if (el.clientWidth < NARROW) {
      layout.annotations = (layout.annotations || []).filter(function (a) { return a.name !== "band"; });
    }
    layout.font = Object.assign({ color: text }, layout.font || {});
    ["xaxis", "yaxis"].forEach(function (axis) {
      layout[axis] = Object.assign({ gridcolor: grid, zerolinecolor: grid }, layout[axis] || {});
    });
    window.Plotly.newPlot(el, figure.data, layout, PLOTLY_CONFIG);
  });
})();
