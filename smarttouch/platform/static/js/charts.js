/* Draws the hub's charts: every <div class="chart" data-figure="ID"> gets the plotly figure
   stored as JSON in <script type="application/json" id="ID">. The page's language comes from
   <script type="application/json" id="plotly-locale"> (month and day names from Babel). */
(function () {
  "use strict";
  function readJson(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function draw() {
    if (typeof Plotly === "undefined") { return; }
    var config = readJson("plotly-config") || {};
    var locale = readJson("plotly-locale");
    if (locale) {
      Plotly.register({moduleType: "locale", name: locale.name, dictionary: {}, format: locale.format});
      config.locale = locale.name;
    }
    var charts = document.querySelectorAll("div.chart[data-figure]");
    for (var i = 0; i < charts.length; i++) {
      var fig = readJson(charts[i].getAttribute("data-figure"));
      if (fig) {
        Plotly.newPlot(charts[i], fig.data, fig.layout, config);
        charts[i].setAttribute("data-drawn", "true");
      }
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
