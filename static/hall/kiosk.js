// Taking a ticket in the hall: the kiosk's touch screen, a ticket's live page and its 58 mm receipt.
// A static file: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";

  // A kiosk screen goes back to its start: the ticket just taken after data-return-after seconds
  // (counted down in [data-countdown]); another screen (data-idle-reset) after that long untouched.
  function returnToStart(root) {
    var seconds = parseInt(root.getAttribute("data-return-after"), 10);
    if (!seconds || !root.getAttribute("data-home")) { return; }
    var left = seconds;
    var counter = root.querySelector("[data-countdown]");
    if (root.hasAttribute("data-idle-reset")) {
      ["pointerdown", "keydown", "input"].forEach(function (name) {
        document.addEventListener(name, function () { left = seconds; }, true);
      });
    }
    window.setInterval(function () {
      left -= 1;
      if (counter) { counter.textContent = String(Math.max(left, 0)); }
      if (left === 0) { window.location.replace(root.getAttribute("data-home")); }
    }, 1000);
  }

  document.querySelectorAll("[data-kiosk]").forEach(returnToStart);

  // The kiosk's keypad types into its field (the ID number's X included).
  document.addEventListener("click", function (event) {
    var key = event.target.closest && event.target.closest("[data-key]");
    if (!key) { return; }
    var input = document.getElementById(key.getAttribute("data-target"));
    if (!input) { return; }
    var value = key.getAttribute("data-key");
    input.value = value === "back" ? input.value.slice(0, -1) : input.value + value;
    input.focus();
  });

  // One touch, one ticket: a form marked data-once is sent once (an elderly double tap takes no
  // second number).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-once")) { return; }
    if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
    form.setAttribute("data-sent", "1");
    form.setAttribute("aria-busy", "true");
  });
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
      form.removeAttribute("aria-busy");
    });
  });

  // The receipt opened by the kiosk (data-autoprint) prints at once (a kiosk browser prints silently)
  // and goes back to the ticket's screen afterwards.
  var receipt = document.querySelector("[data-autoprint]");
  if (receipt) {
    window.addEventListener("afterprint", function () {
      if (window.history.length > 1) { window.history.back(); }
    });
    window.addEventListener("load", function () { window.print(); });
  }
})();
