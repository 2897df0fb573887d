// The window's caller (叫号): keys for the clerk's steps. A button or link with data-key="n" is pressed by
// the key N (not while typing in a field, nor with Ctrl/Alt/Meta); T goes to the transfer list.
// A static file: the Content-Security-Policy allows no inline script.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.altKey || event.metaKey || event.repeat) { return; }
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) { return; }
  var key = (event.key || "").toLowerCase();
  if (key === "t") {
    var select = document.querySelector("#transfer select");
    if (select) { event.preventDefault(); select.focus(); }
    return;
  }
  var control = document.querySelector('[data-key="' + key + '"]:not([disabled])');
  if (!control) { return; }
  event.preventDefault();
  control.click();
});
// A step's button is pressed once: disabled while its request runs.
document.addEventListener("submit", function (event) {
  var button = event.target.querySelector && event.target.querySelector("button[type=submit]");
  if (button) { window.setTimeout(function () { button.disabled = true; }, 0); }
});
