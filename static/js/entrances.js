// The entrances page: a click on the map adds "lon,lat" to the list; the list's points and the
// proposed numbers are drawn on the map.
const area = document.getElementById("f-points");
const proposals = JSON.parse(document.getElementById("proposals").textContent);

function parsePoints() {
  return area.value.split("\n").map((line) => line.split(/[,\s]+/).filter(Boolean).map(Number))
    .filter((p) => p.length === 2 && p.every(Number.isFinite));
}

function pointsGeoJSON() {
  const byIndex = new Map(proposals.map((p) => [p.index, p.label]));
  return {
    type: "FeatureCollection",
    features: parsePoints().map((p, i) => ({
      type: "Feature", geometry: { type: "Point", coordinates: p },
      properties: { label: byIndex.has(i) ? `${byIndex.get(i)}号` : String(i + 1) },
    })),
  };
}

document.getElementById("clear-points").addEventListener("click", () => {
  area.value = "";
  area.dispatchEvent(new Event("input"));
});

function whenMap(callback) {
  const map = window.placenamesMap;
  if (!map) { setTimeout(() => whenMap(callback), 50); return; }
  if (map.loaded()) callback(map); else map.once("load", () => callback(map));
}

whenMap((map) => {
  map.addSource("entrances", { type: "geojson", data: pointsGeoJSON() });
  map.addLayer({ id: "entrances-point", type: "circle", source: "entrances",
                 paint: { "circle-radius": 7, "circle-color": "#f08c00",
                          "circle-stroke-color": "#ffffff", "circle-stroke-width": 2 } });
  map.addLayer({ id: "entrances-label", type: "symbol", source: "entrances",
                 layout: { "text-field": ["get", "label"], "text-font": ["WenQuanYi Micro Hei"],
                           "text-size": 13, "text-offset": [0, -1.3] },
                 paint: { "text-color": "#d9480f", "text-halo-color": "#fff",
                          "text-halo-width": 2 } });
  map.getCanvas().style.cursor = "crosshair";
  const placed = parsePoints();
  if (placed.length) {  // frame the entrances closely enough to see the road's address points
    const lons = placed.map((p) => p[0]);
    const lats = placed.map((p) => p[1]);
    map.fitBounds([Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
                  { padding: 80, maxZoom: 17, duration: 0 });
  }
  map.on("click", (event) => {
    const { lng, lat } = event.lngLat;
    const line = `${lng.toFixed(7)},${lat.toFixed(7)}`;
    area.value = area.value.trim() ? `${area.value.trim()}\n${line}` : line;
    area.dispatchEvent(new Event("input"));
  });
  area.addEventListener("input", () => map.getSource("entrances").setData(pointsGeoJSON()));
});
