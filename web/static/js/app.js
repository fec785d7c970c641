// Small comforts on top of pages that work without JavaScript.

// A form marked data-busy says it is working and cannot be sent twice: importing a
// roster of thousands takes a few seconds.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.dataset.busy) return;
  const status = form.querySelector(".busy");
  if (status) {
    status.textContent = form.dataset.busy;
    status.hidden = false;
  }
  for (const button of form.querySelectorAll("button[type=submit]")) {
    button.disabled = true;
  }
});

// A print button (certificates, posters): the browser's own print dialog.
document.addEventListener("click", (event) => {
  const button = event.target instanceof Element && event.target.closest("[data-print]");
  if (button) window.print();
});
