/* govdisclosure index: sort (click a column head) and filter (type in the box) the tables of
   index.html.  A table with data-rows="NAME" takes its rows from window.GD_INDEX[NAME] (the
   file index-data.js: [status class, [text, sort key, link, detail?] per column] per row) and shows
   data-page of them at a time; the others use the rows in the page.  Text is set as text,
   never parsed as markup. */
(function () {
  "use strict";
  var collator = new Intl.Collator("zh-CN", {numeric: true});

  function fromPage(tbody) {
    return Array.prototype.map.call(tbody.rows, function (tr) {
      var cells = Array.prototype.map.call(tr.cells, function (td) {
        var v = td.getAttribute("data-value");
        var unknown = v === null && td.classList.contains("num");  /* a number not known: sorted last */
        return [td.textContent, unknown ? null : (v === null ? td.textContent : Number(v)), null];
      });
      return {cells: cells, tr: tr, text: tr.textContent.toLowerCase()};
    });
  }

  function fromData(rows) {
    return rows.map(function (row) {
      var cells = row.slice(1);
      return {cls: row[0], cells: cells, tr: null,
              text: cells.map(function (c) { return c[0] + (c[3] ? " " + c[3] : ""); }).join(" ").toLowerCase()};
    });
  }

  function build(row) {
    var tr = document.createElement("tr");
    tr.className = row.cls;
    row.cells.forEach(function (c) {
      var td = document.createElement("td");
      if (typeof c[1] === "number") { td.className = "num"; }
      if (c[2]) {
        var a = document.createElement("a");
        a.setAttribute("href", c[2]);
        a.textContent = c[0];
        td.appendChild(a);
      } else {
        td.textContent = c[0];
      }
      if (c[3]) {  /* a second line: the English message behind a Chinese reason */
        var small = document.createElement("small");
        small.className = "muted";
        small.setAttribute("lang", "en");
        small.textContent = c[3];
        td.appendChild(document.createElement("br"));
        td.appendChild(small);
      }
      tr.appendChild(td);
    });
    return tr;
  }

  function compare(a, b, column, direction) {
    var x = a.cells[column][1], y = b.cells[column][1];
    var xm = x === null || x === "" || x === undefined || (typeof x === "number" && isNaN(x)),
        ym = y === null || y === "" || y === undefined || (typeof y === "number" && isNaN(y));
    if (xm || ym) { return xm === ym ? 0 : (xm ? 1 : -1); }  /* unknown values last */
    if (typeof x === "number" && typeof y === "number") { return direction * (x - y); }
    return direction * collator.compare(String(x), String(y));
  }

  function setup(table) {
    var tbody = table.tBodies[0];
    var name = table.getAttribute("data-rows");
    var external = name !== null;
    var rows = external ? fromData((window.GD_INDEX || {})[name] || []) : fromPage(tbody);
    var pageSize = external ? Number(table.getAttribute("data-page")) || 200 : Infinity;
    var filter = document.querySelector(".gd-filter[data-table='" + table.id + "']");
    var shown = document.querySelector(".gd-shown[data-table='" + table.id + "']");
    var pager = document.querySelector(".gd-pages[data-table='" + table.id + "']");
    var state = {column: -1, direction: 1, page: 0, matches: rows};

    function render() {
      var start = state.page * pageSize;
      var visible = state.matches.slice(start, start + pageSize);
      if (external) {
        var fragment = document.createDocumentFragment();
        visible.forEach(function (row) { fragment.appendChild(row.tr || (row.tr = build(row))); });
        tbody.replaceChildren(fragment);
      } else {  /* rows of the page: hide what does not match, put the matches in order */
        var matched = new Set(state.matches);
        var fragment2 = document.createDocumentFragment();
        state.matches.forEach(function (row) { row.tr.hidden = false; fragment2.appendChild(row.tr); });
        rows.forEach(function (row) {
          if (!matched.has(row)) { row.tr.hidden = true; fragment2.appendChild(row.tr); }
        });
        tbody.replaceChildren(fragment2);
      }
      if (shown) { shown.textContent = state.matches.length + " / " + rows.length + " 行"; }
      if (pager) {
        pager.replaceChildren();
        var pages = Math.ceil(state.matches.length / pageSize);
        if (pages > 1) {
          [["« 上一页", state.page - 1], ["下一页 »", state.page + 1]].forEach(function (spec) {
            var button = document.createElement("button");
            button.type = "button";
            button.textContent = spec[0];
            button.disabled = spec[1] < 0 || spec[1] >= pages;
            button.addEventListener("click", function () { state.page = spec[1]; render(); });
            pager.appendChild(button);
          });
          var where = document.createElement("span");
          where.textContent = " 第 " + (state.page + 1) + " / " + pages + " 页";
          pager.appendChild(where);
        }
      }
    }

    function apply() {
      var words = filter ? filter.value.toLowerCase().split(/\s+/).filter(Boolean) : [];
      state.matches = rows.filter(function (row) {
        return words.every(function (w) { return row.text.indexOf(w) >= 0; });
      });
      if (state.column >= 0) {
        var column = state.column, direction = state.direction;
        state.matches = state.matches.slice().sort(function (a, b) { return compare(a, b, column, direction); });
      }
      state.page = 0;
      render();
    }

    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
      th.tabIndex = 0;
      function sort() {
        state.direction = state.column === index ? -state.direction : 1;
        state.column = index;
        Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", state.direction > 0 ? "ascending" : "descending");
        apply();
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) { if (event.key === "Enter") { sort(); } });
    });
    if (filter) { filter.addEventListener("input", apply); }
    if (external) { apply(); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("table.gd-index"), setup);
}());
