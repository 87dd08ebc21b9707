// A search box above a long checkbox list (a recipient list's decision makers): typing hides
// the boxes whose label lacks any of the words. Checked boxes stay checked while hidden.
(() => {
  document.addEventListener("input", (event) => {
    const input = event.target.closest("[data-checkbox-filter-input]");
    if (!input) return;
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    const container = input.closest("[data-checkbox-filter]");
    container.querySelectorAll("input[type=checkbox]").forEach((checkbox) => {
      const label = checkbox.closest("label");
      if (!label) return;
      const text = label.textContent.toLowerCase();
      const item = label.parentElement === container ? label : label.parentElement;
      item.hidden = !words.every((word) => text.includes(word));
    });
  });
  // Enter in the search box filters; it must not submit the whole form.
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && event.target.closest("[data-checkbox-filter-input]")) {
      event.preventDefault();
    }
  });
})();
