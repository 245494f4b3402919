// Browser side of qkvlib.widgets.HeatmapView: one labelled, annotated
// heatmap drawn as SVG from the numbers the kernel sends.
//
// The kernel does all the arithmetic; this module only draws. It keeps
// the conventions of qkvlib.heatmap: rows are queries, columns are
// keys, token labels on both axes, axis titles naming the roles, a
// title with the symbol and shape, a labelled colour bar, values in
// the cells up to 12 x 12, masked (-inf) cells in grey. The SVG is
// built once per shape and label set and then updated in place.

// BEGIN COLOUR TABLES (written by ci/colour_tables.py)
// viridis, 64 stops from 0 to 1, RGB 0-255.
const VIRIDIS = [
  [68, 1, 84], [70, 7, 90], [71, 13, 96], [71, 19, 101],
  [72, 24, 106], [72, 29, 111], [72, 35, 116], [72, 40, 120],
  [71, 45, 123], [70, 50, 126], [69, 55, 129], [68, 59, 132],
  [66, 64, 134], [64, 69, 136], [62, 73, 137], [61, 78, 138],
  [58, 83, 139], [56, 88, 140], [54, 92, 141], [52, 96, 141],
  [50, 100, 142], [49, 104, 142], [47, 108, 142], [45, 112, 142],
  [44, 115, 142], [42, 119, 142], [41, 123, 142], [39, 127, 142],
  [38, 130, 142], [36, 134, 142], [35, 138, 141], [33, 142, 141],
  [32, 146, 140], [31, 150, 139], [31, 154, 138], [31, 158, 137],
  [31, 161, 135], [33, 165, 133], [35, 169, 131], [38, 173, 129],
  [42, 176, 127], [47, 180, 124], [53, 183, 121], [59, 187, 117],
  [66, 190, 113], [74, 193, 109], [82, 197, 105], [90, 200, 100],
  [101, 203, 94], [110, 206, 88], [119, 209, 83], [129, 211, 77],
  [139, 214, 70], [149, 216, 64], [160, 218, 57], [170, 220, 50],
  [181, 222, 43], [192, 223, 37], [202, 225, 31], [213, 226, 26],
  [223, 227, 24], [234, 229, 26], [244, 230, 30], [253, 231, 37],
];
// RdBu_r, 64 stops from 0 to 1, RGB 0-255.
const RDBU_R = [
  [5, 48, 97], [9, 56, 109], [14, 65, 121], [18, 73, 132],
  [23, 82, 144], [27, 90, 156], [31, 99, 168], [36, 106, 174],
  [42, 113, 178], [47, 121, 181], [52, 128, 185], [58, 135, 189],
  [63, 142, 192], [70, 149, 196], [82, 157, 200], [95, 165, 205],
  [110, 174, 210], [123, 182, 214], [135, 190, 218], [147, 198, 222],
  [157, 203, 225], [167, 208, 228], [177, 213, 231], [187, 218, 234],
  [197, 223, 236], [207, 228, 239], [213, 231, 241], [219, 234, 242],
  [225, 237, 243], [231, 240, 244], [237, 242, 245], [243, 245, 246],
  [248, 244, 242], [249, 240, 235], [249, 235, 227], [250, 231, 220],
  [251, 227, 212], [252, 222, 205], [253, 217, 196], [251, 208, 185],
  [250, 200, 175], [248, 191, 164], [247, 183, 153], [246, 175, 142],
  [244, 166, 131], [240, 156, 123], [235, 145, 114], [230, 134, 106],
  [225, 120, 96], [220, 110, 87], [215, 99, 79], [210, 88, 73],
  [204, 76, 68], [198, 65, 62], [193, 54, 57], [187, 42, 52],
  [182, 31, 46], [174, 23, 42], [162, 19, 40], [150, 15, 39],
  [138, 11, 37], [127, 8, 35], [115, 4, 33], [103, 0, 31],
];
// END COLOUR TABLES

const SVG_NS = "http://www.w3.org/2000/svg";
const TRAITS = [
  "name", "values", "rows", "cols", "title", "kind", "limit",
  "row_title", "col_title", "colorbar_label", "selected_rows",
  "marked_rows", "marked_cells", "summary",
];
const ANNOTATE_UP_TO = 12;
const CELL_W = 46;
const CELL_H = 32;
const FONT = "12px sans-serif";
const MASKED_FILL = "#d9d9d9";
const MASKED_TEXT = "#595959";

let measureContext = null;

function textWidth(text) {
  if (measureContext === null) {
    measureContext = document.createElement("canvas").getContext("2d");
  }
  if (!measureContext) {
    return 7 * text.length;
  }
  measureContext.font = FONT;
  return measureContext.measureText(text).width;
}

function make(tag, attributes, parent) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attributes)) {
    node.setAttribute(key, String(value));
  }
  if (parent) {
    parent.appendChild(node);
  }
  return node;
}

// Linear interpolation between the two neighbouring stops of a table.
function lookup(table, t) {
  const clipped = Math.min(1, Math.max(0, t));
  const x = clipped * (table.length - 1);
  const k = Math.min(table.length - 2, Math.floor(x));
  const f = x - k;
  const low = table[k];
  const high = table[k + 1];
  return [0, 1, 2].map((c) => low[c] + f * (high[c] - low[c]));
}

// Where a value sits on the colour map, from 0 to 1: weights use fixed
// limits 0 and 1; signed values map -limit..limit with zero centred.
function position(value, kind, limit) {
  if (kind === "weights") {
    return value;
  }
  const reach = limit > 0 ? limit : 1;
  return 0.5 + 0.5 * value / reach;
}

function cssColour(rgb) {
  const [r, g, b] = rgb.map((c) => Math.round(c));
  return `rgb(${r}, ${g}, ${b})`;
}

// Dark text on light cells, light text on dark ones, by luminance.
function textColour(rgb) {
  const [r, g, b] = rgb.map((c) => c / 255);
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.5 ? "#000000" : "#ffffff";
}

// The same labels as cell_label in qkvlib/plotting.py: two decimals
// below 100, whole numbers below 10,000, then one digit and a power of
// ten, so that every label fits its cell.
function cellLabel(value) {
  if (Math.abs(value) < 99.995) {
    const text = value.toFixed(2);
    return text === "-0.00" ? "0.00" : text;
  }
  if (Math.abs(value) < 9999.5) {
    return value.toFixed(0);
  }
  const [mantissa, power] = value.toExponential(0).split("e");
  return `${mantissa}e${Number(power)}`;
}

function ticksFor(kind, limit) {
  if (kind === "weights") {
    return [0, 0.25, 0.5, 0.75, 1];
  }
  const reach = limit > 0 ? limit : 1;
  return [-reach, -reach / 2, 0, reach / 2, reach];
}

function layoutOf(spec) {
  const nRows = spec.values.length;
  const nCols = nRows ? spec.values[0].length : 0;
  const rowLabelWidth = Math.max(0, ...spec.rows.map(textWidth));
  const colLabelWidth = Math.max(0, ...spec.cols.map(textWidth));
  const rotate = spec.cols.some((label) => label.length > 3);
  const left = 26 + rowLabelWidth + 8;
  const colLabels = rotate ? 0.72 * colLabelWidth + 10 : 18;
  const top = 24 + 18 + colLabels;
  const gridW = CELL_W * nCols;
  const gridH = CELL_H * nRows;
  const titleWidth = textWidth(spec.title) * 1.2;
  const width = Math.max(left + gridW + 100, left + titleWidth + 10);
  const height = top + gridH + 10;
  return { nRows, nCols, left, top, gridW, gridH, rotate, width, height };
}

function build(svg, spec, gradientId) {
  svg.replaceChildren();
  const box = layoutOf(spec);
  svg.setAttribute("width", box.width);
  svg.setAttribute("height", box.height);
  svg.setAttribute("viewBox", `0 0 ${box.width} ${box.height}`);
  const parts = { box, cells: [] };

  parts.title = make("text", {
    x: box.left + box.gridW / 2, y: 16, "text-anchor": "middle",
    class: "qkv-hm-title",
  }, svg);
  parts.colTitle = make("text", {
    x: box.left + box.gridW / 2, y: 36, "text-anchor": "middle",
    class: "qkv-hm-axis",
  }, svg);
  const rowTitleY = box.top + box.gridH / 2;
  parts.rowTitle = make("text", {
    x: 14, y: rowTitleY, "text-anchor": "middle",
    transform: `rotate(-90 14 ${rowTitleY})`, class: "qkv-hm-axis",
  }, svg);

  spec.cols.forEach((label, j) => {
    const x = box.left + CELL_W * (j + 0.5);
    const y = box.top - 6;
    const attributes = box.rotate
      ? { x, y, transform: `rotate(-45 ${x} ${y})`, "text-anchor": "start" }
      : { x, y, "text-anchor": "middle" };
    make("text", { ...attributes, class: "qkv-hm-label" }, svg)
      .textContent = label;
  });
  spec.rows.forEach((label, i) => {
    make("text", {
      x: box.left - 8, y: box.top + CELL_H * (i + 0.5),
      "text-anchor": "end", "dominant-baseline": "central",
      class: "qkv-hm-label",
    }, svg).textContent = label;
  });

  const grid = make("g", { class: "qkv-hm-grid" }, svg);
  const annotate = box.nRows <= ANNOTATE_UP_TO
    && box.nCols <= ANNOTATE_UP_TO;
  for (let i = 0; i < box.nRows; i += 1) {
    const row = [];
    for (let j = 0; j < box.nCols; j += 1) {
      const cell = make("g", { "data-row": i, "data-col": j }, grid);
      const x = box.left + CELL_W * j;
      const y = box.top + CELL_H * i;
      const rect = make("rect", {
        x, y, width: CELL_W, height: CELL_H,
      }, cell);
      const tip = make("title", {}, cell);
      const text = annotate ? make("text", {
        x: x + CELL_W / 2, y: y + CELL_H / 2, "text-anchor": "middle",
        "dominant-baseline": "central", class: "qkv-hm-value",
      }, cell) : null;
      row.push({ rect, text, tip });
    }
    parts.cells.push(row);
  }
  parts.marks = make("g", { class: "qkv-hm-marks" }, svg);

  const barX = box.left + box.gridW + 14;
  const defs = make("defs", {}, svg);
  const gradient = make("linearGradient", {
    id: gradientId, x1: 0, y1: 1, x2: 0, y2: 0,
  }, defs);
  const table = spec.kind === "weights" ? VIRIDIS : RDBU_R;
  table.forEach((rgb, k) => {
    make("stop", {
      offset: k / (table.length - 1), "stop-color": cssColour(rgb),
    }, gradient);
  });
  make("rect", {
    x: barX, y: box.top, width: 12, height: box.gridH,
    fill: `url(#${gradientId})`, class: "qkv-hm-bar",
  }, svg);
  parts.ticks = [0, 1, 2, 3, 4].map((k) => {
    const y = box.top + box.gridH * (1 - k / 4);
    make("line", {
      x1: barX + 12, x2: barX + 16, y1: y, y2: y, class: "qkv-hm-tick",
    }, svg);
    return make("text", {
      x: barX + 19, y, "dominant-baseline": "central",
      class: "qkv-hm-label",
    }, svg);
  });
  const barLabelX = barX + 70;
  parts.barLabel = make("text", {
    x: barLabelX, y: rowTitleY, "text-anchor": "middle",
    transform: `rotate(-90 ${barLabelX} ${rowTitleY})`,
    class: "qkv-hm-axis",
  }, svg);
  return parts;
}

function outline(parent, x, y, width, height, dashed) {
  // A white line under a black one reads on light and dark cells alike.
  make("rect", {
    x, y, width, height, fill: "none", stroke: "#ffffff",
    "stroke-width": 4,
  }, parent);
  make("rect", {
    x, y, width, height, fill: "none", stroke: "#000000",
    "stroke-width": 2, "stroke-dasharray": dashed ? "5 3" : "none",
  }, parent);
}

function update(parts, spec) {
  const { box } = parts;
  parts.title.textContent = spec.title;
  parts.colTitle.textContent = spec.col_title;
  parts.rowTitle.textContent = spec.row_title;
  parts.barLabel.textContent = spec.colorbar_label;
  ticksFor(spec.kind, spec.limit).forEach((value, k) => {
    parts.ticks[k].textContent = cellLabel(value);
  });
  const table = spec.kind === "weights" ? VIRIDIS : RDBU_R;
  for (let i = 0; i < box.nRows; i += 1) {
    for (let j = 0; j < box.nCols; j += 1) {
      const value = spec.values[i][j];
      const { rect, text, tip } = parts.cells[i][j];
      let shown;
      if (value === null) {
        rect.setAttribute("fill", MASKED_FILL);
        shown = "-inf";
        if (text) {
          text.setAttribute("fill", MASKED_TEXT);
        }
      } else {
        const rgb = lookup(table, position(value, spec.kind, spec.limit));
        rect.setAttribute("fill", cssColour(rgb));
        shown = cellLabel(value);
        if (text) {
          text.setAttribute("fill", textColour(rgb));
        }
      }
      if (text) {
        text.textContent = shown;
      }
      tip.textContent = `${spec.rows[i]}, ${spec.cols[j]}: ${shown}`;
    }
  }
  parts.marks.replaceChildren();
  for (const i of spec.selected_rows) {
    outline(parts.marks, box.left, box.top + CELL_H * i, box.gridW,
      CELL_H, false);
  }
  for (const i of spec.marked_rows) {
    outline(parts.marks, box.left, box.top + CELL_H * i, box.gridW,
      CELL_H, true);
  }
  for (const [i, j] of spec.marked_cells) {
    outline(parts.marks, box.left + CELL_W * j + 3,
      box.top + CELL_H * i + 3, CELL_W - 6, CELL_H - 6, true);
  }
}

// anywidget may load this module once per widget, so a counter here
// would repeat; the id of a colour bar's gradient must be unique on the
// whole page, or every bar would paint with the first panel's map.
function uniqueId() {
  const random = Math.random().toString(36).slice(2, 10);
  return `qkv-hm-gradient-${Date.now().toString(36)}-${random}`;
}

function render({ model, el }) {
  const gradientId = uniqueId();
  const figure = document.createElement("figure");
  figure.className = "qkv-hm";
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("role", "img");
  const caption = document.createElement("figcaption");
  caption.className = "qkv-hm-caption";
  figure.append(svg, caption);
  el.appendChild(figure);

  let parts = null;
  let builtFor = "";
  let pending = false;

  function draw() {
    pending = false;
    const spec = {};
    for (const name of TRAITS) {
      spec[name] = model.get(name);
    }
    const key = JSON.stringify([
      spec.values.length, spec.values.length ? spec.values[0].length : 0,
      spec.rows, spec.cols, spec.kind, spec.title.length,
    ]);
    if (parts === null || key !== builtFor) {
      parts = build(svg, spec, gradientId);
      builtFor = key;
    }
    update(parts, spec);
    figure.dataset.panel = spec.name;
    svg.setAttribute("aria-label", spec.summary);
    caption.textContent = spec.summary;
  }

  // One kernel message changes several traits at once; draw once.
  function schedule() {
    if (!pending) {
      pending = true;
      queueMicrotask(draw);
    }
  }

  for (const name of TRAITS) {
    model.on(`change:${name}`, schedule);
  }
  draw();
  return () => {
    for (const name of TRAITS) {
      model.off(`change:${name}`, schedule);
    }
  };
}

export default { render };
