// The names screen while the applicant types: each proposed name is checked against the register
// (GET /api/v1/names/check, debounced), with the verdict in words, each hit linked to its record
// and marked on the form's map. A division's hit (record "division") has no page of its own: it
// shows its level and code, unlinked and unmarked.
const form = document.getElementById("application-form");
const labels = JSON.parse(document.getElementById("screen-labels").textContent);
const timers = {};
const hitsOnMap = {};

function field(id) { return document.getElementById(id); }

function showHitsOnMap() {
  const box = document.querySelector(".draw-field");
  const map = box && box.map;
  if (!map || !map.isStyleLoaded()) return;
  const data = { type: "FeatureCollection", features: Object.values(hitsOnMap).flat() };
  if (map.getSource("screen-hits")) { map.getSource("screen-hits").setData(data); return; }
  map.addSource("screen-hits", { type: "geojson", data });
  map.addLayer({ id: "screen-hits", type: "circle", source: "screen-hits",
                 paint: { "circle-radius": 8, "circle-color": "rgba(201,42,42,0.3)",
                          "circle-stroke-color": "#c92a2a", "circle-stroke-width": 2 } });
  map.addLayer({ id: "screen-hits-label", type: "symbol", source: "screen-hits",
                 layout: { "text-field": ["get", "name"], "text-font": ["WenQuanYi Micro Hei"],
                           "text-size": 12, "text-offset": [0, 1.3] },
                 paint: { "text-color": "#c92a2a", "text-halo-color": "#fff", "text-halo-width": 2 } });
}

async function markers(hits) {
  const out = [];
  for (const hit of hits.filter((h) => h.record !== "division").slice(0, 5)) {
    const r = await fetch(labels.record_url.replace("{id}", hit.id), { headers: { Accept: "application/json" } });
    if (!r.ok) continue;
    const rec = await r.json();
    if (!rec.geometry) continue;
    const xs = [];
    const walk = (c) => (typeof c[0] === "number" ? xs.push(c) : c.forEach(walk));
    walk(rec.geometry.coordinates);
    const mid = xs[Math.floor(xs.length / 2)];
    out.push({ type: "Feature", geometry: { type: "Point", coordinates: mid },
               properties: { name: hit.name } });
  }
  return out;
}

function render(slot, result, error) {
  const box = field(`screen-${slot}`);
  box.replaceChildren();
  if (error) {
    box.className = "screen-result block";
    box.textContent = error;
    return;
  }
  if (!result) { box.className = "screen-result"; return; }
  box.className = `screen-result ${result.verdict}`;
  const head = document.createElement("p");
  const verdict = document.createElement("strong");
  verdict.textContent = labels.verdicts[result.verdict] || result.verdict;
  head.append(verdict, ` · ${result.romanization || ""}`);
  box.append(head);
  const items = document.createElement("ul");
  for (const f of result.findings) {
    const li = document.createElement("li");
    li.textContent = labels.lang === "zh" ? f.message_zh : f.message_en;
    items.append(li);
  }
  for (const hit of result.hits) {
    const li = document.createElement("li");
    const reason = labels.lang === "zh" ? hit.reason_zh : hit.reason_en;
    if (hit.record === "division") {
      const level = labels.levels[hit.level] || hit.level;
      li.append(`${hit.name} (${labels.division} ${level} ${hit.code}) ${hit.jurisdiction || ""} · ${reason}`);
    } else {
      const a = document.createElement("a");
      a.href = labels.record_url.replace("{id}", hit.id);
      a.textContent = hit.name;
      a.target = "_blank";
      li.append(a, ` ${hit.jurisdiction || ""} · ${reason}`);
    }
    items.append(li);
  }
  if (items.children.length) box.append(items);
  if (result.verdict === "block") {
    const p = document.createElement("p");
    p.textContent = labels.block_hint;
    box.append(p);
  }
}

async function check(slot) {
  const name = field(slot).value.trim();
  const cls = field("cls").value;
  const area = field("jurisdiction").value;
  if (!name) { render(slot, null); hitsOnMap[slot] = []; showHitsOnMap(); return; }
  const params = new URLSearchParams({ name, class: cls });
  if (area) params.set("area", area);
  if (labels.application) params.set("application", labels.application); // not its own reserved name
  const r = await fetch(`${labels.check_url}?${params}`, { headers: { Accept: "application/json" } });
  const body = await r.json().catch(() => ({}));
  if (field(slot).value.trim() !== name) return; // typed on meanwhile
  if (!r.ok) { render(slot, null, body.error || String(r.status)); return; }
  render(slot, body);
  hitsOnMap[slot] = await markers(body.hits);
  showHitsOnMap();
}

for (const slot of ["name1", "name2", "name3"]) {
  const input = field(slot);
  if (!input) continue;
  input.addEventListener("input", () => {
    clearTimeout(timers[slot]);
    timers[slot] = setTimeout(() => check(slot), 350);
  });
  if (input.value.trim()) check(slot);
}
for (const id of ["cls", "jurisdiction"]) {
  field(id).addEventListener("change", () => ["name1", "name2", "name3"].forEach((s) => field(s) && field(s).value && check(s)));
}
form.dataset.screen = "1";
