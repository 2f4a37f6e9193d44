// /map: the register's map with a layer switcher, a legend, a name search and record pop-ups.
import { maplibregl, registerMap, setGroups, SWITCHABLE } from "./map.js";

const config = JSON.parse(document.getElementById("map-config").textContent);
const panel = document.getElementById("map-panel");
const map = registerMap(document.getElementById("map"), config, { hash: !config.focus });
const phone = window.matchMedia("(max-width: 600px)").matches;
if (phone) panel.querySelector("details.layers").open = false; // the map first on a phone
window.placenamesMap = map; // for the browser tests and the console

function shownGroups() {
  return [...panel.querySelectorAll("input[data-group]:checked")].map((i) => i.dataset.group);
}

panel.addEventListener("change", (event) => {
  const input = event.target;
  if (input.dataset.group) {
    setGroups(map, shownGroups());
  } else if (input.dataset.layer) {
    for (const id of SWITCHABLE[input.dataset.layer]) {
      if (map.getLayer(id)) {
        map.setLayoutProperty(id, "visibility", input.checked ? "visible" : "none");
      }
    }
  }
});

const recordUrl = (id) => config.record_url.replace("{id}", id);
const planUrl = (code) => config.plan_url.replace("{code}", encodeURIComponent(code));
const addressUrl = (code) => config.address_url.replace("{code}", encodeURIComponent(code));
const L = config.labels;

function popupContent(feature) {
  const p = feature.properties;
  const box = document.createElement("div");
  box.className = "map-popup";
  const title = document.createElement("strong");
  const link = document.createElement("a");
  const meta = document.createElement("div");
  meta.className = "meta";
  if (feature.sourceLayer === "planned") { // a planned name: never shown as a standard name
    box.classList.add("planned");
    title.textContent = p.name;
    const tag = document.createElement("span");
    tag.className = "tag planned";
    tag.textContent = L.planned_name;
    const staff = p.plan_status ? [L.plan_statuses[p.plan_status] || p.plan_status,
                                   p.taken ? L.taken : ""] : [];
    meta.textContent = [p.pinyin, L.classes[p.cls] || p.cls, p.plan, ...staff]
      .filter(Boolean).join(" · ");
    box.append(title, tag, meta);
    if (p.plan_code) { // the public plan page; staff (their own tiles) the plan's staff page
      link.href = planUrl(p.plan_code);
      link.textContent = panel.dataset.planLabel;
      link.className = "open-record";
      box.append(link);
    }
    return box;
  } else if (feature.sourceLayer === "names") {
    title.textContent = p.name;
    meta.textContent = [p.pinyin, L.classes[p.cls] || p.cls, L.groups[p.group] || p.group]
      .filter(Boolean).join(" · ");
    link.href = recordUrl(p.id);
  } else if (feature.sourceLayer === "addresses") {
    title.textContent = p.full_text;
    meta.textContent = p.code;
    link.href = addressUrl(p.code);
  } else if (feature.sourceLayer === "plates") {
    title.textContent = p.plate_id;
    meta.textContent = p.address_code;
    link.href = addressUrl(p.address_code);
  } else {
    title.textContent = p.name;
    meta.textContent = `${L.levels[p.level] || p.level} · ${p.code}`;
    return box.appendChild(title) && box.appendChild(meta) && box;
  }
  link.textContent = panel.dataset.openLabel;
  link.className = "open-record";
  box.append(title, meta, link);
  return box;
}

const clickable = ["plates-point", "addresses-point", "planned-point", "planned-line",
                   "planned-label-point", "planned-label-line", "planned-fill", "names-point",
                   "names-fill", "names-casing", "names-label-point", "names-label-line",
                   "jurisdictions-line"];
map.on("click", (event) => {
  const near = [[event.point.x - 6, event.point.y - 6], [event.point.x + 6, event.point.y + 6]];
  const layers = clickable.filter((id) => map.getLayer(id));
  const features = map.queryRenderedFeatures(near, { layers });
  if (!features.length) return;
  new maplibregl.Popup({ maxWidth: "280px" }).setLngLat(event.lngLat)
    .setDOMContent(popupContent(features[0])).addTo(map);
});
for (const id of clickable) {
  map.on("mouseenter", id, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", id, () => { map.getCanvas().style.cursor = ""; });
}

// The search box: names (by characters, pinyin, initials or sound) and addresses, through the
// register's search; a name flies to its box, an address to its point.
const form = document.getElementById("map-search");
const results = document.getElementById("map-results");

function showButton(onClick) {
  const show = document.createElement("button");
  show.type = "button";
  show.className = "link";
  show.textContent = panel.dataset.showLabel;
  show.addEventListener("click", () => {
    onClick();
    document.getElementById("map").scrollIntoView({ behavior: "smooth", block: "start" });
  });
  return show;
}

function hitItem(hit) {
  const li = document.createElement("li");
  const a = document.createElement("a");
  const small = document.createElement("small");
  a.textContent = hit.name;
  if (hit.kind === "address") {
    li.className = "address";
    a.href = addressUrl(hit.code);
    small.textContent = ` ${hit.code}`;
  } else {
    a.href = recordUrl(hit.id);
    const former = hit.historical ? panel.dataset.formerLabel : "";
    small.textContent = " " + [L.classes[hit.cls] || hit.cls, L.groups[hit.group] || "", former]
      .filter(Boolean).join(" · ");
  }
  li.append(a, small);
  if (hit.bbox) {
    li.append(" ", showButton(() => map.fitBounds(hit.bbox, { padding: 60, maxZoom: 17 })));
  } else if (hit.point) {
    li.append(" ", showButton(() => map.flyTo({ center: hit.point, zoom: 17 })));
  }
  return li;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const q = form.querySelector("input").value.trim();
  results.replaceChildren();
  if (!q) return;
  const response = await fetch(`${config.search_url}?q=${encodeURIComponent(q)}`,
                               { headers: { Accept: "application/json" } });
  const hits = response.ok ? await response.json() : [];
  if (!hits.length) {
    const li = document.createElement("li");
    const refused = response.ok ? {} : await response.json().catch(() => ({}));
    li.textContent = refused.error || panel.dataset.noHits;
    results.append(li);
    return;
  }
  results.append(...hits.map(hitItem));
});
