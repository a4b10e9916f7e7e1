// The live run page: draws the loss chart and follows the run's server-sent events.
(function () {
  "use strict";
  const live = document.getElementById("run-live");
  const box = document.getElementById("loss-chart");
  const palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2"];
  let plot = null;

  function draw(s) {
    if (typeof uPlot === "undefined") { return; }
    const data = [s.rounds];
    const series = [{ label: "round" }];
    function add(label, values, color, width, dash) {
      if (!values || values.every(v => v === null)) { return; }
      data.push(values);
      series.push({ label: label, stroke: color, width: width, dash: dash, spanGaps: true, points: { show: true } });
    }
    add("global train", s.globalTrain, "#14243a", 3);
    add("global validation", s.globalValidation, "#14243a", 3, [8, 4]);
    Object.keys(s.siteTrain).forEach(function (site, i) {
      add(site + " train", s.siteTrain[site], palette[i % palette.length], 1.5);
      if (s.siteValidation[site]) { add(site + " validation", s.siteValidation[site], palette[i % palette.length], 1.5, [6, 4]); }
    });
    if (plot) { plot.destroy(); }
    box.textContent = "";
    if (s.rounds.length === 0) { box.textContent = "No round has finished yet."; return; }
    const width = Math.max(320, box.clientWidth - 20);
    plot = new uPlot({ width: width, height: 320, series: series,
      scales: { x: { time: false } }, axes: [{ label: "round" }, { label: "loss" }] }, data, box);
  }

  function start() {
    const initial = document.getElementById("chart-data");
    if (initial) { draw(JSON.parse(initial.textContent)); }
    if (live && live.dataset.events && window.EventSource) {
      const events = new EventSource(live.dataset.events);
      // The server renders and escapes the panel; it replaces the one on the page.
      events.addEventListener("status", function (e) { live.innerHTML = e.data; });
      events.addEventListener("chart", function (e) { draw(JSON.parse(e.data)); });
      events.addEventListener("end", function () { events.close(); });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
