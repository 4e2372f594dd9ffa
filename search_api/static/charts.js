// The charts of the search page (app.js) and of the office page (office.js): one look, one
// tooltip, one way of saying a chart could not be drawn. Loaded before either script.
// No inline script or style anywhere (the Content-Security-Policy refuses them): these files only.
(function () {
  "use strict";

  // Fetch `url` as JSON and hand it to `draw`; on any failure the element says `failure`.
  function load(element, url, failure, draw) {
    fetch(url)
      .then(function (response) {
        if (!response.ok) {
          throw new Error(url + " " + response.status);
        }
        return response.json();
      })
      .then(draw)
      .catch(function () {
        element.textContent = failure;
        element.classList.add("unavailable");
      });
  }

  // An SVG chart of `option` (its colours, grid, axes and series) in the pages' common look;
  // `data-drawn` holds how many points it drew, for the tests and for anyone scripting the page.
  function plot(element, option, points) {
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption(Object.assign({
      animation: false,
      textStyle: { fontFamily: "inherit", color: "#5b6470" },
      tooltip: { trigger: "axis", formatter: tooltipOf },
      legend: { top: 0, left: "center", itemWidth: 14, itemHeight: 8 }
    }, option));
    window.addEventListener("resize", function () { chart.resize(); });
    element.dataset.drawn = String(points);
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

  window.govreportsCharts = { load: load, plot: plot };
})();
