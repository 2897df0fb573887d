// Print buttons (receipts, notices): a button with data-print opens the browser's print dialog.
// A static file, not an inline onclick: the Content-Security-Policy allows no inline script.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-print]");
  if (button) { window.print(); }
});
