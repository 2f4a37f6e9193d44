// The map of a road's signs (staff): the register's map framed on the road, which is highlighted;
// its signs as dots coloured by state, the proposed signs as numbered rings. A click on the map
// fills the longitude/latitude fields of the page's form (add a sign, or move one).
import { maplibregl, registerMap } from "./map.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const map = registerMap(document.getElementById("record-map"), config,
                        { groups: ["in_force", "in_procedure", "historical"] });
window.placenamesMap = map;
const STATE_COLOUR = ["case",
  ["!=", ["get", "pending"], ""], "#c92a2a",
  ["match", ["get", "status"], ["damaged", "missing"], true, false], "#c92a2a",
  ["==", ["get", "status"], "installed"], "#2b8a3e",
  "#f08c00"];

map.on("load", () => {
  if (config.highlight && config.highlight.type.endsWith("LineString")) {
    map.addSource("road", { type: "geojson", data: config.highlight });
    map.addLayer({ id: "road-line", type: "line", source: "road", layout: { "line-cap": "round" },
                   paint: { "line-color": "#f08c00", "line-width": 6, "line-opacity": 0.6 } });
  }
  if (config.proposed) {
    map.addSource("proposed", { type: "geojson", data: config.proposed });
    map.addLayer({ id: "proposed-ring", type: "circle", source: "proposed",
                   paint: { "circle-radius": 9, "circle-color": "rgba(255,255,255,0.7)",
                            "circle-stroke-color": "#0033a0", "circle-stroke-width": 2 } });
    map.addLayer({ id: "proposed-n", type: "symbol", source: "proposed",
                   layout: { "text-field": ["to-string", ["get", "n"]], "text-size": 11,
                             "text-font": ["WenQuanYi Micro Hei"] },
                   paint: { "text-color": "#0033a0" } });
  }
  if (config.signs) {
    map.addSource("signs", { type: "geojson", data: config.signs });
    map.addLayer({ id: "signs-dot", type: "circle", source: "signs",
                   paint: { "circle-radius": 7, "circle-color": STATE_COLOUR,
                            "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
    map.on("click", "signs-dot", (e) => {
      const url = e.features[0].properties.url;
      if (url && !document.getElementById("f-lon")) window.location.href = url;
    });
  }
});

const lon = document.getElementById("f-lon");
const lat = document.getElementById("f-lat");
if (lon && lat) {
  map.getCanvas().style.cursor = "crosshair";
  let marker = null;
  map.on("click", (e) => {
    lon.value = e.lngLat.lng.toFixed(7);
    lat.value = e.lngLat.lat.toFixed(7);
    const details = lon.closest("details");
    if (details) details.open = true;
    if (marker) marker.remove();
    marker = new maplibregl.Marker({ color: "#0033a0" }).setLngLat(e.lngLat).addTo(map);
  });
}
