// The window's rating pad (评价器): asks the server every 2 s whether the visit that just finished at its
// window waits for a rating; when that changes (a visit to rate, or rated / replaced), the page reloads and
// the server draws it. After "thank you" it returns to idle. A static file: the CSP allows no inline script.
(function () {
  var pad = document.getElementById("pad");
  if (!pad) { return; }
  var stateUrl = pad.getAttribute("data-state-url");
  var home = pad.getAttribute("data-home-url");
  var shown = pad.getAttribute("data-ticket") || null;
  if (pad.getAttribute("data-thanks")) {
    window.setTimeout(function () { window.location.replace(home); }, 4000);
    return;
  }
  var form = document.getElementById("pad-form");
  if (form) {
    form.addEventListener("submit", function () {
      var button = document.getElementById("pad-submit");
      window.setTimeout(function () { if (button) { button.disabled = true; } }, 0);
    });
  }
  function poll() {
    fetch(stateUrl, {headers: {"Accept": "application/json"}, cache: "no-store"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (state) {
        if (!state) { return; }
        var wanted = state.ask ? state.ticket : null;
        // A rating half given stays while the same visit waits for it; any change redraws the page.
        if (wanted !== shown) { window.location.replace(home); }
      })
      .catch(function () { /* the network is back on the next tick */ })
      .finally(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 2000);
})();
