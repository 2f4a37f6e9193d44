// A geometry field drawn on the register's map with terra-draw: draw a line, an area or a point,
// adjust its vertices, clear it. The geometry (GeoJSON, CGCS2000 lon/lat) goes into the form's
// textarea, which also takes a pasted GeoJSON; a line's measured length fills the length field.
// The server checks the geometry again; its reason for refusing one is shown on the map.
import {
  TerraDraw, TerraDrawLineStringMode, TerraDrawPointMode, TerraDrawPolygonMode,
  TerraDrawSelectMode, ValidateNotSelfIntersecting,
} from "../vendor/terra-draw/terra-draw.module.js";
import {
  TerraDrawMapLibreGLAdapter,
} from "../vendor/terra-draw-maplibre-gl-adapter/terra-draw-maplibre-gl-adapter.module.js";
import { registerMap } from "./map.js";

const EARTH_M = 6371008.8;
const rad = (d) => (d * Math.PI) / 180;

/** Great-circle length of a line of [lon, lat] points, in metres. */
export function lineLength(coords) {
  let total = 0;
  for (let i = 1; i < coords.length; i += 1) {
    const [lon1, lat1] = coords[i - 1].map(rad);
    const [lon2, lat2] = coords[i].map(rad);
    const h = Math.sin((lat2 - lat1) / 2) ** 2
      + Math.cos(lat1) * Math.cos(lat2) * Math.sin((lon2 - lon1) / 2) ** 2;
    total += 2 * EARTH_M * Math.asin(Math.sqrt(h));
  }
  return total;
}

function parse(text) {
  try {
    const doc = JSON.parse(text);
    const geom = doc.type === "Feature" ? doc.geometry
      : doc.type === "FeatureCollection" ? doc.features?.[0]?.geometry : doc;
    return geom && geom.coordinates ? geom : null;
  } catch {
    return null;
  }
}

const MODE_OF = { LineString: "linestring", Polygon: "polygon", Point: "point" };

function setUp(box) {
  const config = JSON.parse(box.querySelector("script.draw-config").textContent);
  const area = box.querySelector("textarea");
  const measure = box.querySelector(".draw-measure");
  const problem = box.querySelector(".draw-error");
  const lengthField = box.dataset.length ? document.getElementById(box.dataset.length) : null;
  const start = parse(area.value);
  if (start) {
    const xs = [];
    const walk = (c) => (typeof c[0] === "number" ? xs.push(c) : c.forEach(walk));
    walk(start.coordinates);
    const lons = xs.map((p) => p[0]);
    const lats = xs.map((p) => p[1]);
    config.focus = { bbox: [Math.min(...lons), Math.min(...lats), Math.max(...lons),
                            Math.max(...lats)] };
  }
  const map = registerMap(box.querySelector(".draw-map"), config);
  box.map = map;
  const editable = { feature: { draggable: true,
    coordinates: { midpoints: true, draggable: true, deletable: true } } };
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawLineStringMode(),
      new TerraDrawPolygonMode({ validation: (feature, ctx) => ValidateNotSelfIntersecting(feature, ctx) }),
      new TerraDrawPointMode(),
      new TerraDrawSelectMode({ flags: { linestring: editable, polygon: editable,
                                         point: { feature: { draggable: true } } } }),
    ],
  });
  box.draw = draw;

  // ``fill``: a line the person drew or adjusted fills the length field (unless they typed
  // one); a geometry merely loaded (the sketch) only shows its length.
  function show(geometry, fill = true) {
    const isLine = geometry && geometry.type === "LineString";
    measure.textContent = isLine
      ? `${box.dataset.lengthLabel} ${lineLength(geometry.coordinates).toFixed(0)} m` : "";
    if (!lengthField) return;
    if (isLine && fill && (!lengthField.value || lengthField.dataset.auto === "1")) {
      lengthField.value = lineLength(geometry.coordinates).toFixed(1);
      lengthField.dataset.auto = "1";
    } else if (!isLine && lengthField.dataset.auto === "1") {
      lengthField.value = "";  // the length measured from a line that is gone
      lengthField.dataset.auto = "";
    }
  }

  function sync(keepId) {
    const features = draw.getSnapshot().filter((f) => f.geometry.type !== "Point"
      || f.properties.mode === "point");
    const finished = features.filter((f) => !f.properties.currentlyDrawing);
    // one geometry per field: the newest one replaces the others
    if (keepId !== undefined && finished.length > 1) {
      draw.removeFeatures(finished.filter((f) => f.id !== keepId).map((f) => f.id));
    }
    const current = draw.getSnapshot().find((f) => f.id === keepId)
      || draw.getSnapshot().find((f) => !f.properties.currentlyDrawing && f.properties.mode !== "select");
    area.value = current ? JSON.stringify(current.geometry) : "";
    show(current ? current.geometry : null);
    problem.hidden = true;
  }

  map.on("load", () => {
    draw.start();
    if (start && MODE_OF[start.type]) {
      const result = draw.addFeatures([{ type: "Feature", geometry: start,
                                         properties: { mode: MODE_OF[start.type] } }]);
      if (result[0] && !result[0].valid && !box.dataset.error) {
        problem.textContent = box.dataset.invalidLabel;
        problem.hidden = false;
      }
      show(start, false);
    }
    draw.setMode(start ? "select" : box.dataset.mode || "linestring");
    mark(start ? "select" : box.dataset.mode || "linestring");
    box.dataset.ready = "1";
  });
  draw.on("finish", (id, context) => {
    if (context.action === "draw") {
      sync(id);
      draw.setMode("select");
      mark("select");
    } else {
      sync(id);
    }
  });

  function mark(mode) {
    for (const b of box.querySelectorAll("button[data-mode]")) {
      b.setAttribute("aria-pressed", String(b.dataset.mode === mode));
    }
  }
  box.querySelector(".draw-toolbar").addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.mode) {
      draw.setMode(button.dataset.mode);
      mark(button.dataset.mode);
    } else if (button.dataset.action === "clear") {
      draw.clear();
      area.value = "";
      show(null);
    }
  });
  lengthField?.addEventListener("input", () => { lengthField.dataset.auto = ""; });
  area.addEventListener("change", () => {
    const geometry = parse(area.value);
    draw.clear();
    if (geometry && MODE_OF[geometry.type]) {
      draw.addFeatures([{ type: "Feature", geometry, properties: { mode: MODE_OF[geometry.type] } }]);
      show(geometry);
    }
  });
  if (box.dataset.error) {
    problem.textContent = box.dataset.error;
    problem.hidden = false;
  }
}

for (const box of document.querySelectorAll(".draw-field")) setUp(box);
