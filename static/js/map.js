// The register's map: MapLibre GL JS on the register's own vector tiles (/tiles/all/{z}/{x}/{y}.mvt),
// over a configured base layer (Tianditu, any XYZ) or a plain background where the register's own
// roads, buildings and jurisdictions are the map. Used by /map and by the record pages' map panel.
import * as maplibregl from "../vendor/maplibre-gl/maplibre-gl.mjs";

const FONT = ["WenQuanYi Micro Hei"];
// colours by status group; historical names are hidden until the reader asks for them
export const GROUP_COLOURS = {
  in_force: "#1d2330", in_procedure: "#d9480f", reserved: "#7048e8", historical: "#98a2b3",
};
export const POINT_COLOURS = {
  building: "#0b4ea2", residential: "#2b8a3e", square: "#c2255c", park: "#2f9e44",
  village: "#8f5b00", community: "#8f5b00", bridge: "#1971c2",
};
// planned names (规划地名, the reserved names of naming plans): violet and dashed, never drawn
// like a standard name
export const PLANNED_COLOUR = "#7048e8";
const PLATE_COLOURS = {
  installed: "#2b8a3e", ordered: "#f08c00", printed: "#1971c2", damaged: "#c92a2a",
};
const LINE_WIDTH = ["match", ["get", "cls"], "avenue", 7, "road", 5, "street", 4, "bridge", 5, 3];
const isLine = ["==", ["geometry-type"], "LineString"];
const isPoint = ["==", ["geometry-type"], "Point"];
const isPolygon = ["==", ["geometry-type"], "Polygon"];
const groupColour = ["match", ["get", "group"],
  ...Object.entries(GROUP_COLOURS).flat(), GROUP_COLOURS.in_procedure];
const pointColour = ["match", ["get", "cls"],
  ...Object.entries(POINT_COLOURS).flat(), "#495057"];

// The style layers of the names, filtered by status group (see setGroups)
const NAME_LAYERS = ["names-fill", "names-casing", "names-line", "names-point", "names-label-line",
                     "names-label-point"];
// The layers a reader can switch on and off: id → the style layers it groups
export const SWITCHABLE = {
  addresses: ["addresses-point", "addresses-label"],
  plates: ["plates-point"],
  jurisdictions: ["jurisdictions-line", "jurisdictions-label"],
  planned: ["planned-fill", "planned-line", "planned-point", "planned-label-line",
            "planned-label-point"],
};

function baseLayers(basemap) {
  const sources = {};
  const layers = [{ id: "background", type: "background",
                    paint: { "background-color": basemap ? "#ffffff" : "#f3f1eb" } }];
  if (basemap) {
    basemap.layers.forEach((urls, i) => {
      sources[`base${i}`] = { type: "raster", tiles: urls, tileSize: 256, maxzoom: 18,
                              attribution: i === 0 ? basemap.attribution : undefined };
      layers.push({ id: `base${i}`, type: "raster", source: `base${i}` });
    });
  }
  return { sources, layers };
}

/** The planned names' style layers: from the register's tiles (approved plans only), or for
 * staff from their own source (``config.planned_tiles``: the reserved names of every plan). */
function plannedLayers(config) {
  const src = { source: config.planned_tiles ? "planned" : "register", "source-layer": "planned" };
  const suffix = (config.labels && config.labels.planned_suffix) || " (planned)";
  const label = ["concat", ["get", "name"], suffix];
  const text = { "text-color": PLANNED_COLOUR, "text-halo-color": "#ffffff", "text-halo-width": 2 };
  return [
    { id: "planned-fill", type: "fill", ...src, filter: isPolygon,
      paint: { "fill-color": PLANNED_COLOUR, "fill-opacity": 0.08 } },
    { id: "planned-line", type: "line", ...src, filter: ["!", isPoint],
      layout: { "line-join": "round" },
      paint: { "line-color": PLANNED_COLOUR, "line-dasharray": [2, 1.5],
               "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1.5, 16, 4] } },
    { id: "planned-point", type: "circle", ...src, filter: isPoint,
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
               "circle-color": "#ffffff", "circle-stroke-width": 2.5,
               "circle-stroke-color": PLANNED_COLOUR } },
    { id: "planned-label-line", type: "symbol", ...src, filter: isLine,
      layout: { "symbol-placement": "line", "text-field": label, "text-font": FONT,
                "text-size": ["interpolate", ["linear"], ["zoom"], 11, 11, 17, 15] },
      paint: text },
    { id: "planned-label-point", type: "symbol", ...src, filter: ["!", isLine],
      layout: { "text-field": label, "text-font": FONT, "text-size": 12,
                "text-offset": [0, 1.1], "text-anchor": "top" },
      paint: text },
  ];
}

/** The style: base layers, then the register's layers on the one vector source. */
export function registerStyle(config, shownGroups) {
  const groups = shownGroups || ["in_force", "in_procedure", "reserved"];
  const groupFilter = ["in", ["get", "group"], ["literal", groups]];
  const base = baseLayers(config.basemap);
  const label = ["step", ["zoom"], ["get", "name"],
    16, ["format", ["get", "name"], {}, "\n", {}, ["coalesce", ["get", "pinyin"], ""],
         { "font-scale": 0.75 }]];
  const src = { source: "register" };
  return {
    version: 8,
    sources: {
      ...base.sources,
      register: { type: "vector", tiles: [config.tiles], minzoom: 0, maxzoom: 16,
                  attribution: config.attribution || "" },
      ...(config.planned_tiles ? {
        planned: { type: "vector", tiles: [config.planned_tiles], minzoom: 0, maxzoom: 16 },
      } : {}),
    },
    layers: [
      ...base.layers,
      { id: "jurisdictions-line", type: "line", ...src, "source-layer": "jurisdictions",
        paint: { "line-color": "#7a6f5c", "line-width": 1.2, "line-dasharray": [4, 2] } },
      { id: "names-fill", type: "fill", ...src, "source-layer": "names",
        filter: ["all", isPolygon, groupFilter],
        paint: { "fill-color": pointColour, "fill-opacity": 0.15 } },
      { id: "names-casing", type: "line", ...src, "source-layer": "names",
        filter: ["all", isLine, groupFilter],
        layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": groupColour,
                 "line-width": ["interpolate", ["linear"], ["zoom"], 10, 1.5,
                                16, ["+", 2, ["*", 2.2, LINE_WIDTH]]] } },
      { id: "names-line", type: "line", ...src, "source-layer": "names",
        filter: ["all", isLine, groupFilter],
        layout: { "line-cap": "round", "line-join": "round" },
        paint: { "line-color": ["match", ["get", "cls"], "bridge", "#d0ebff", "#ffffff"],
                 "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.5,
                                16, ["*", 2.2, LINE_WIDTH]] } },
      { id: "names-point", type: "circle", ...src, "source-layer": "names",
        filter: ["all", isPoint, groupFilter],
        paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 3, 17, 7],
                 "circle-color": pointColour, "circle-stroke-width": 2,
                 "circle-stroke-color": groupColour } },
      ...plannedLayers(config),
      { id: "addresses-point", type: "circle", ...src, "source-layer": "addresses",
        minzoom: 15,
        paint: { "circle-radius": 3.5, "circle-color": "#ffffff",
                 "circle-stroke-color": "#0b4ea2", "circle-stroke-width": 1.5 } },
      { id: "plates-point", type: "circle", ...src, "source-layer": "plates", minzoom: 15,
        paint: { "circle-radius": 6, "circle-color": "rgba(0,0,0,0)", "circle-stroke-width": 2.5,
                 "circle-stroke-color": ["match", ["get", "status"],
                   ...Object.entries(PLATE_COLOURS).flat(), "#868e96"] } },
      { id: "names-label-line", type: "symbol", ...src, "source-layer": "names",
        filter: ["all", isLine, groupFilter],
        layout: { "symbol-placement": "line", "text-field": label, "text-font": FONT,
                  "text-size": ["interpolate", ["linear"], ["zoom"], 11, 11, 17, 15] },
        paint: { "text-color": "#1d2330", "text-halo-color": "#ffffff", "text-halo-width": 2 } },
      { id: "names-label-point", type: "symbol", ...src, "source-layer": "names",
        filter: ["all", ["!", isLine], groupFilter],
        layout: { "text-field": label, "text-font": FONT, "text-size": 12,
                  "text-offset": [0, 1.1], "text-anchor": "top" },
        paint: { "text-color": "#1d2330", "text-halo-color": "#ffffff", "text-halo-width": 2 } },
      { id: "addresses-label", type: "symbol", ...src, "source-layer": "addresses", minzoom: 16,
        layout: { "text-field": ["get", "label"], "text-font": FONT, "text-size": 11,
                  "text-offset": [0, -1.1] },
        paint: { "text-color": "#0b4ea2", "text-halo-color": "#ffffff", "text-halo-width": 1.5 } },
      { id: "jurisdictions-label", type: "symbol", ...src, "source-layer": "jurisdictions",
        layout: { "text-field": ["get", "name"], "text-font": FONT, "text-size": 13 },
        paint: { "text-color": "#7a6f5c", "text-halo-color": "#ffffff", "text-halo-width": 2 } },
    ],
  };
}

/** Show only the status groups in ``groups`` on every names layer. */
export function setGroups(map, groups) {
  const filter = ["in", ["get", "group"], ["literal", groups]];
  for (const id of NAME_LAYERS) {
    const layer = map.getLayer(id);
    if (!layer) continue;
    const geometry = (map.getFilter(id) || [])[1];
    map.setFilter(id, geometry ? ["all", geometry, filter] : filter);
  }
}

/** A MapLibre map of the register in ``element``. */
export function registerMap(element, config, options = {}) {
  const map = new maplibregl.Map({
    container: element,
    style: registerStyle(config, options.groups),
    center: config.center,
    zoom: config.zoom,
    maxZoom: 20,
    attributionControl: { compact: true },
    hash: options.hash || false,
  });
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), "top-right");
  map.addControl(new maplibregl.ScaleControl({ unit: "metric" }), "bottom-left");
  if (config.focus && config.focus.bbox) {
    map.fitBounds(config.focus.bbox, { padding: 60, maxZoom: 16, duration: 0 });
  }
  return map;
}

export { maplibregl };
