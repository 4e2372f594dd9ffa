// The office page: the chart of its main figures over the years, drawn from /api/offices/{id}.
// No inline script or style anywhere (the Content-Security-Policy refuses them): this file only.
(function () {
  "use strict";

  var chart = document.getElementById("office-chart");
  if (!chart || !window.echarts) {
    return;
  }
  var SERIES = [
    ["applications_received", "新收申请"],
    ["granted", "予以公开"],
    ["reviews", "行政复议"],
    ["lawsuits", "行政诉讼"]
  ];

  fetch(chart.dataset.officeUrl)
    .then(function (response) {
      if (!response.ok) {
        throw new Error("office " + response.status);
      }
      return response.json();
    })
    .then(function (office) {
      draw(chart, office.years);
    })
    .catch(function () {
      chart.textContent = "图表暂时无法显示。";
      chart.classList.add("unavailable");
    });

  function figure(entry, key) {
    return entry.totals && entry.totals[key] != null ? entry.totals[key] : null;
  }

  function draw(element, years) {
    var plot = window.echarts.init(element, null, { renderer: "svg" });
    plot.setOption({
      animation: false,
      color: ["#2d5f7c", "#8fb3c9", "#b5523b", "#d9a441"],
      textStyle: { fontFamily: "inherit", color: "#5b6470" },
      grid: { left: 44, right: 24, top: 34, bottom: 26 },
      tooltip: { trigger: "axis", formatter: tooltipOf },
      legend: { top: 0, left: "center", itemWidth: 14, itemHeight: 8 },
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
    });
    window.addEventListener("resize", function () { plot.resize(); });
    element.dataset.drawn = String(years.length);
  }

  // As app.js does: a tooltip of elements, not ECharts' HTML with style attributes.
  function tooltipOf(items) {
    var tip = document.createElement("div");
    tip.className = "chart-tip";
    var year = document.createElement("div");
    year.textContent = items.length ? items[0].axisValueLabel + " 年" : "";
    tip.appendChild(year);
    items.forEach(function (item) {
      var line = document.createElement("div");
      var mark = document.createElement("span");
      mark.className = "mark";
      mark.style.backgroundColor = item.color;
      var value = document.createElement("strong");
      value.textContent = item.value == null ? "—" : Number(item.value).toLocaleString("zh-CN");
      line.append(mark, item.seriesName + " ", value);
      tip.appendChild(line);
    });
    return tip;
  }
})();
