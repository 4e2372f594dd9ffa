// The page works as plain HTML forms and links; this script only makes it quicker to use:
// a facet click or a new sort order submits the form, empty fields stay out of the URL,
// and the year chart is drawn from /api/stats for the same filters.
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
  if (chart && window.echarts) {
    fetch(chart.dataset.statsUrl)
      .then(function (response) {
        if (!response.ok) {
          throw new Error("stats " + response.status);
        }
        return response.json();
      })
      .then(function (stats) {
        drawYears(chart, stats.groups);
      })
      .catch(function () {
        chart.textContent = "统计图暂时无法显示。";
        chart.classList.add("unavailable");
      });
  }

  function drawYears(element, groups) {
    var years = groups.map(function (group) { return String(group.value); });
    var reports = groups.map(function (group) { return group.count; });
    var applications = groups.map(function (group) { return group.totals.applications_received; });
    var plot = window.echarts.init(element, null, { renderer: "svg" });
    var ink = "#5b6470";
    plot.setOption({
      animation: false,
      color: ["#8fb3c9", "#b5523b"],
      textStyle: { fontFamily: "inherit", color: ink },
      grid: { left: 44, right: 52, top: 34, bottom: 26 },
      tooltip: { trigger: "axis", formatter: tooltipOf },
      legend: { top: 0, left: "center", itemWidth: 14, itemHeight: 8, data: ["报告数", "新收申请"] },
      xAxis: { type: "category", data: years, axisTick: { show: false }, axisLine: { lineStyle: { color: "#c9ced4" } } },
      yAxis: [
        { type: "value", minInterval: 1, splitLine: { lineStyle: { color: "#eceef0" } } },
        { type: "value", minInterval: 1, splitLine: { show: false } }
      ],
      series: [
        { name: "报告数", type: "bar", barMaxWidth: 28, data: reports },
        { name: "新收申请", type: "line", yAxisIndex: 1, symbolSize: 6, data: applications }
      ]
    });
    window.addEventListener("resize", function () { plot.resize(); });
    element.dataset.drawn = String(groups.length);
  }

  // The tooltip as elements: ECharts' own tooltip is HTML with style attributes, which the
  // Content-Security-Policy refuses (style-src 'self'); colours set through element.style are allowed.
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
