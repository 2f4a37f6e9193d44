// Destructive actions ask first: a form with data-confirm="question" is sent only when the person
// agrees; with data-confirm-when="field=value,value" only when that field has one of the values.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.dataset && form.dataset.confirm;
  if (!question) return;
  const when = form.dataset.confirmWhen;
  if (when) {
    const [field, values] = when.split("=");
    const input = form.elements[field];
    if (!input || !values.split(",").includes(input.value)) return;
  }
  if (!window.confirm(question)) event.preventDefault();
});
