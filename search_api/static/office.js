// The office page: the chart of its main figures over the years, drawn from /api/offices/{id}
// with the pages' shared chart code (charts.js).
// No inline script or style anywhere (the Content-Security-Policy refuses them): this file only.
(function () {
  "use strict";

  var chart = document.getElementById("office-chart");
  var charts = window.govreportsCharts;
  if (!chart || !window.echarts || !charts) {
    return;
  }
  var SERIES = [
    ["applications_received", "新收申请"],
    ["granted", "予以公开"],
    ["reviews", "行政复议"],
    ["lawsuits", "行政诉讼"]
  ];

  charts.load(chart, chart.dataset.officeUrl, "图表暂时无法显示。", function (office) {
    draw(chart, office.years);
  });

  function figure(entry, key) {
    return entry.totals && entry.totals[key] != null ? entry.totals[key] : null;
  }

  function draw(element, years) {
    charts.plot(element, {
      color: ["#2d5f7c", "#8fb3c9", "#b5523b", "#d9a441"],
      grid: { left: 44, right: 24, top: 34, bottom: 26 },
      xAxis: { type: "category", data: years.map(function (entry) { return String(entry.year); }) },
      yAxis: { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceef0" } } },
      series: SERIES.map(function (pair) {
        return {
          name: pair[1],
          type: "line",
          connectNulls: false,
          symbolSize: 6,
          data: years.map(function (entry) { return figure(entry, pair[0]); })
        };
      })
    }, years.length);
  }
})();
