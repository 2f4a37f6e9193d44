// Autocomplete for every search box marked data-autocomplete (the header's, the search page's).
// Without this script the box is a plain GET form to /search. With it, the box becomes an ARIA
// combobox: suggestions from /api/v1/autocomplete in a listbox under it, asked for 120 ms after
// the last keystroke; a late answer to an older query is dropped. Up/Down choose, Enter opens
// the chosen suggestion (or searches when none is chosen), Escape closes the list.
(() => {
  "use strict";
  const configBlock = document.getElementById("search-config");
  if (!configBlock) return;
  const config = JSON.parse(configBlock.textContent);
  const L = config.labels;
  const DEBOUNCE_MS = 120;
  const LIMIT = 8;

  const nameUrl = (id) => config.name_url.replace("{id}", encodeURIComponent(id));
  const addressUrl = (code) => config.address_url.replace("{code}", encodeURIComponent(code));
  const searchUrl = (q) => `${config.search_url}?q=${encodeURIComponent(q)}`;

  // The label with its matched [start, end) spans in <mark>, built as text nodes only.
  function marked(label, spans) {
    const out = document.createDocumentFragment();
    const ranges = (spans || [])
      .map(([s, e]) => [Math.max(0, s), Math.min(label.length, e)])
      .filter(([s, e]) => s < e)
      .sort((a, b) => a[0] - b[0]);
    let at = 0;
    for (const [s, e] of ranges) {
      if (e <= at) continue;
      const start = Math.max(s, at);
      if (start > at) out.append(label.slice(at, start));
      const mark = document.createElement("mark");
      mark.textContent = label.slice(start, e);
      out.append(mark);
      at = e;
    }
    if (at < label.length) out.append(label.slice(at));
    return out;
  }

  function describe(hit) {
    if (hit.kind === "address") return hit.code || "";
    const parts = hit.romanization ? [hit.romanization] : [];
    if (hit.historical || hit.via_kind === "former") {
      parts.push(L.former);
      if (hit.current_name && hit.current_name !== hit.label) parts.push(`${L.now} ${hit.current_name}`);
    } else if (hit.via_kind === "alias" && hit.current_name) {
      parts.push(`${L.alias} ${hit.current_name}`);
    }
    if (hit.cls) parts.push(L.classes[hit.cls] || hit.cls);
    return parts.join(" · ");
  }

  function enhance(input, index) {
    const combo = input.closest(".combo") || input.parentElement;
    const form = input.form;
    const listId = `${input.id || `search-${index}`}-listbox`;
    const list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", L.suggestions);
    list.hidden = true;
    const status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    combo.append(list, status);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    let timer = 0;
    let asked = 0; // the number of the latest request; older answers are dropped
    let controller = null;
    let options = [];
    let active = -1;

    function open() {
      if (!options.length) return;
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      setActive(-1);
    }

    function setActive(i, scroll = true) {
      if (active >= 0 && options[active]) {
        options[active].classList.remove("active");
        options[active].setAttribute("aria-selected", "false");
      }
      active = i;
      if (i < 0 || !options[i]) {
        active = -1;
        input.removeAttribute("aria-activedescendant");
        return;
      }
      const option = options[i];
      option.classList.add("active");
      option.setAttribute("aria-selected", "true");
      input.setAttribute("aria-activedescendant", option.id);
      if (scroll) option.scrollIntoView({ block: "nearest" });
    }

    function option(i, href, build) {
      const li = document.createElement("li");
      li.id = `${listId}-${i}`;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const a = document.createElement("a");
      a.href = href;
      a.tabIndex = -1; // focus stays in the box; the list is driven from it
      li.append(a);
      build(a);
      li.dataset.href = href;
      return li;
    }

    function render(hits, q) {
      const items = hits.map((hit, i) => option(
        i, hit.kind === "address" ? addressUrl(hit.code || hit.id) : nameUrl(hit.id), (a) => {
          const label = document.createElement("span");
          label.className = "label";
          label.append(marked(hit.label, hit.spans));
          a.append(label);
          const meta = describe(hit);
          if (meta) {
            const small = document.createElement("small");
            small.textContent = meta;
            a.append(small);
          }
          if (hit.historical || hit.via_kind === "former") a.parentElement.classList.add("former");
        }));
      items.push(option(items.length, searchUrl(q), (a) => {
        a.className = "all";
        a.textContent = L.all_results.replace("{q}", q);
      }));
      list.replaceChildren(...items);
      options = items;
      active = -1;
      status.textContent = hits.length ? L.count.replace("{n}", hits.length) : L.none;
      open();
    }

    async function suggest() {
      const q = input.value.trim();
      const mine = ++asked;
      if (controller) controller.abort();
      controller = null;
      if (!q) {
        options = [];
        list.replaceChildren();
        close();
        return;
      }
      controller = new AbortController();
      let hits = [];
      try {
        const url = `${config.autocomplete_url}?q=${encodeURIComponent(q)}&limit=${LIMIT}`;
        const response = await fetch(url, { headers: { Accept: "application/json" },
                                            signal: controller.signal });
        if (response.ok) hits = (await response.json()).suggestions || [];
      } catch (error) {
        if (error.name === "AbortError") return;
      }
      if (mine !== asked || input.value.trim() !== q) return; // a newer query is under way
      render(hits, q);
    }

    input.addEventListener("input", () => {
      window.clearTimeout(timer);
      timer = window.setTimeout(suggest, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", (event) => {
      if (event.isComposing || event.keyCode === 229) return; // the IME's own keys (拼音输入法)
      const shown = !list.hidden;
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!shown) { open(); return; }
          setActive(active + 1 < options.length ? active + 1 : 0);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!shown) { open(); return; }
          setActive(active > 0 ? active - 1 : options.length - 1);
          break;
        case "Enter":
          if (shown && active >= 0) {
            event.preventDefault();
            window.location.assign(options[active].dataset.href);
          }
          break; // otherwise the form is submitted to the search page
        case "Escape":
          if (shown) {
            event.preventDefault();
            close();
          }
          break;
        case "Tab":
          close();
          break;
        default:
      }
    });

    input.addEventListener("focus", () => {
      if (options.length && input.value.trim()) open();
    });
    input.addEventListener("blur", () => window.setTimeout(() => {
      if (!combo.contains(document.activeElement)) close();
    }, 150));
    // a press on the list keeps the focus in the box, so the link's click still lands
    list.addEventListener("mousedown", (event) => event.preventDefault());
    list.addEventListener("mousemove", (event) => {
      const li = event.target.closest("li[role=option]");
      if (li && options.indexOf(li) !== active) setActive(options.indexOf(li), false);
    });
    if (form) form.addEventListener("submit", () => close());
    document.addEventListener("click", (event) => {
      if (!combo.contains(event.target)) close();
    });
  }

  document.querySelectorAll("input[data-autocomplete]").forEach(enhance);
})();
