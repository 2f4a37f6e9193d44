// The map panel of a record page: the register's map framed on the record, which is highlighted.
import { registerMap } from "./map.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const map = registerMap(document.getElementById("record-map"), config,
                        { groups: ["in_force", "in_procedure", "reserved", "historical"] });
window.placenamesMap = map;
map.on("load", () => {
  if (!config.highlight) return;
  map.addSource("record", { type: "geojson", data: config.highlight });
  const kind = config.highlight.type;
  if (kind.endsWith("LineString")) {
    map.addLayer({ id: "record-line", type: "line", source: "record",
                   layout: { "line-cap": "round" },
                   paint: { "line-color": "#f08c00", "line-width": 6, "line-opacity": 0.8 } },
                 "names-label-line");
  } else if (kind.endsWith("Polygon")) {
    map.addLayer({ id: "record-fill", type: "line", source: "record",
                   paint: { "line-color": "#f08c00", "line-width": 3 } });
  } else {
    map.addLayer({ id: "record-point", type: "circle", source: "record",
                   paint: { "circle-radius": 9, "circle-color": "rgba(240,140,0,0.35)",
                            "circle-stroke-color": "#f08c00", "circle-stroke-width": 3 } });
  }
});
