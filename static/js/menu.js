// The header's staff menus (<details class="menu">) work without this file; it makes them act
// as menus: one open at a time, closed by a click elsewhere or by Escape (focus back on its title).
(() => {
  const menus = () => document.querySelectorAll("header.top details.menu[open]");
  document.addEventListener("toggle", (event) => {
    const opened = event.target;
    if (!opened.matches || !opened.matches("details.menu") || !opened.open) return;
    menus().forEach((menu) => { if (menu !== opened) menu.open = false; });
  }, true);
  document.addEventListener("click", (event) => {
    menus().forEach((menu) => { if (!menu.contains(event.target)) menu.open = false; });
  });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    menus().forEach((menu) => {
      const hadFocus = menu.contains(document.activeElement);
      menu.open = false;
      if (hadFocus) menu.querySelector("summary").focus();
    });
  });
})();
