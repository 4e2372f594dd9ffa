// The page works as plain HTML forms and links; this script only makes it quicker to use:
// a facet click or a new sort order submits the form, empty fields stay out of the URL,
// and the year chart is drawn from /api/stats for the same filters (with charts.js, shared with
// the office page).
(function () {
  "use strict";

  var form = document.getElementById("search");
  if (form) {
    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.type === "checkbox" || target.type === "radio" || target.tagName === "SELECT") {
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function () {
      // Blank inputs would only add "min_lawsuits=&…" noise to the URL.
      Array.prototype.forEach.call(form.elements, function (element) {
        if (element.name && element.value === "") {
          element.disabled = true;
        }
      });
    });
  }

  var back = document.querySelector("[data-back]");
  if (back && document.referrer.indexOf(location.origin + "/") === 0) {
    back.addEventListener("click", function (event) {
      event.preventDefault();
      history.back();
    });
  }

  var chart = document.getElementById("chart");
  var charts = window.govreportsCharts;
  if (chart && window.echarts && charts) {
    charts.load(chart, chart.dataset.statsUrl, "统计图暂时无法显示。", function (stats) {
      drawYears(chart, stats.groups);
    });
  }

  function drawYears(element, groups) {
    charts.plot(element, {
      color: ["#8fb3c9", "#b5523b"],
      grid: { left: 44, right: 52, top: 34, bottom: 26 },
      xAxis: {
        type: "category",
        data: groups.map(function (group) { return String(group.value); }),
        axisTick: { show: false },
        axisLine: { lineStyle: { color: "#c9ced4" } }
      },
      yAxis: [
        { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceef0" } } },
        { type: "value", minInterval: 1, splitLine: { show: false } }
      ],
      series: [
        { name: "报告数", type: "bar", barMaxWidth: 28, data: groups.map(function (group) { return group.count; }) },
        {
          name: "新收申请",
          type: "line",
          yAxisIndex: 1,
          symbolSize: 6,
          data: groups.map(function (group) { return group.totals.applications_received; })
        }
      ]
    }, groups.length);
  }
})();
