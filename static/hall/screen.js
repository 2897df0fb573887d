// The hall's big screen (大厅显示屏): follows /hall/stream/ (server-sent events), draws the latest call per
// window, the waiting counts per queue and the time, and reads each call aloud in Chinese (speechSynthesis,
// zh-CN). A static file: the Content-Security-Policy allows no inline script.
//
// The stream: a `picture` (on connecting without an id, or after a long gap) replaces everything; the events
// (`called`, `recalled`, `taken`, ...) change it. EventSource reconnects by itself with Last-Event-ID; when
// it gives up (the server answered an error), a new one is opened with ?after=<last id>, so nothing is missed.
// The text of the last call to read is kept in data-last-said, and how many were read in data-said-count
// (tests read them; a headless browser has no voice).
(function () {
  "use strict";
  var root = document.getElementById("hall-screen");
  if (!root) { return; }
  var KINDS = ["taken", "called", "recalled", "no_show", "transferred", "started", "finished", "cancelled"];
  var SHOWN_CALLS = 8;
  var state = { calls: {}, waiting: {}, waitingId: 0, queues: [], lastId: 0, seen: {} };
  var source = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, key) { return key in values ? values[key] : all; });
  }
  function el(id) { return document.getElementById(id); }
  function make(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- the clock -------------------------------------------------------------------------------
  var zone = root.getAttribute("data-time-zone") || undefined; // the centre's time, whatever the TV is set to
  function tick() {
    var now = new Date();
    el("hs-time").textContent = now.toLocaleTimeString("zh-CN", { hour: "2-digit", minute: "2-digit", hour12: false,
                                                                  timeZone: zone });
    el("hs-date").textContent = now.toLocaleDateString("zh-CN", { year: "numeric", month: "long", day: "numeric",
                                                                  weekday: "long", timeZone: zone });
  }
  tick();
  window.setInterval(tick, 1000);

  // --- drawing -----------------------------------------------------------------------------------
  function windowLabel(lang, number) { return fill(root.getAttribute("data-window-" + lang), { number: number }); }

  function drawCalls() {
    var calls = Object.keys(state.calls).map(function (k) { return state.calls[k]; })
      .sort(function (a, b) { return b.id - a.id; }).slice(0, SHOWN_CALLS);
    var newest = calls[0];
    el("hs-newest-ticket").textContent = newest ? newest.ticket : "—";
    el("hs-newest-window").textContent = newest ? windowLabel("zh", newest.window) : "";
    el("hs-newest-en").textContent = newest ? fill(root.getAttribute("data-ticket-en"), { ticket: newest.ticket }) +
      " → " + windowLabel("en", newest.window) : "";
    var box = el("hs-newest");
    if (newest && box.getAttribute("data-id") !== String(newest.id)) {
      box.setAttribute("data-id", String(newest.id));
      box.classList.remove("hs-flash");
      void box.offsetWidth; // restart the highlight's animation
      box.classList.add("hs-flash");
    }
    var list = el("hs-calls");
    list.textContent = "";
    calls.slice(1).forEach(function (call) {
      var item = make("li", "hs-call");
      item.setAttribute("data-ticket", call.ticket);
      item.appendChild(make("span", "hs-ticket", call.ticket));
      item.appendChild(make("span", "hs-arrow", "→"));
      var where = make("span", "hs-window");
      where.appendChild(make("span", "zh", windowLabel("zh", call.window)));
      where.appendChild(make("span", "en", windowLabel("en", call.window)));
      item.appendChild(where);
      list.appendChild(item);
    });
  }

  function drawWaiting() {
    var list = el("hs-queues");
    list.textContent = "";
    var letters = state.queues.map(function (q) { return q.letter; });
    Object.keys(state.waiting).forEach(function (letter) { if (letters.indexOf(letter) < 0) { letters.push(letter); } });
    letters.forEach(function (letter) {
      var queue = state.queues.filter(function (q) { return q.letter === letter; })[0] || { name_zh: "", name_en: "" };
      var count = state.waiting[letter] || 0;
      var item = make("li", "hs-queue");
      item.setAttribute("data-queue", letter);
      item.appendChild(make("span", "hs-letter", letter));
      var names = make("span", "hs-names");
      names.appendChild(make("span", "zh", queue.name_zh));
      names.appendChild(make("span", "en", queue.name_en));
      item.appendChild(names);
      var counts = make("span", "hs-count");
      counts.appendChild(make("span", "zh", fill(root.getAttribute("data-waiting-zh"), { count: count })));
      counts.appendChild(make("span", "en", fill(root.getAttribute("data-waiting-en"), { count: count })));
      item.appendChild(counts);
      list.appendChild(item);
    });
  }

  // --- speech --------------------------------------------------------------------------------------
  // One call at a time; a call not yet read is replaced by a newer call to the same window (a catch-up
  // after a lost connection reads only what is still current). Blocked by the autoplay policy: the
  // button appears, and a tap reads what is waiting.
  var speech = { pending: [], speaking: false, blocked: false, guard: null };

  function sayNext() {
    if (speech.speaking || speech.blocked || !speech.pending.length) { return; }
    var item = speech.pending.shift();
    if (!("speechSynthesis" in window) || typeof SpeechSynthesisUtterance === "undefined") { return sayNext(); }
    var utterance = new SpeechSynthesisUtterance(item.text);
    utterance.lang = "zh-CN";
    utterance.rate = 0.9;
    speech.speaking = true;
    function done() {
      window.clearTimeout(speech.guard);
      speech.speaking = false;
      window.setTimeout(sayNext, 400);
    }
    utterance.onend = done;
    utterance.onerror = function (event) {
      if (event.error === "not-allowed") {
        speech.blocked = true;
        speech.pending.unshift(item);
        el("hs-sound").hidden = false;
      }
      done();
    };
    speech.guard = window.setTimeout(done, 15000); // an engine that never answers must not stop the screen
    window.speechSynthesis.speak(utterance);
  }

  function say(event) {
    if (!event.say_zh) { return; }
    root.setAttribute("data-last-said", event.say_zh);
    root.setAttribute("data-said-count", String(Number(root.getAttribute("data-said-count") || 0) + 1));
    speech.pending = speech.pending.filter(function (item) { return item.window !== event.window; });
    speech.pending.push({ text: event.say_zh, window: event.window });
    sayNext();
  }

  el("hs-sound").addEventListener("click", function () {
    speech.blocked = false;
    el("hs-sound").hidden = true;
    if ("speechSynthesis" in window) { window.speechSynthesis.cancel(); }
    speech.speaking = false;
    sayNext();
  });

  // --- the stream ------------------------------------------------------------------------------------
  function onPicture(message) {
    var picture = JSON.parse(message.data);
    state.calls = {};
    picture.calls.forEach(function (call) { state.calls[call.window] = call; state.seen[call.id] = true; });
    state.waiting = picture.waiting || {};
    state.waitingId = picture.last_event_id;
    state.queues = picture.queues || [];
    state.lastId = Math.max(state.lastId, picture.last_event_id);
    drawCalls();
    drawWaiting();
  }

  function onEvent(message) {
    var event = JSON.parse(message.data);
    if (state.seen[event.id]) { return; }
    state.seen[event.id] = true;
    state.lastId = Math.max(state.lastId, event.id);
    if ((event.kind === "called" || event.kind === "recalled") && event.window) {
      var current = state.calls[event.window];
      if (!current || current.id < event.id) { state.calls[event.window] = event; drawCalls(); }
      say(event);
    }
    if (event.waiting && event.id > state.waitingId) {
      state.waiting = event.waiting;
      state.waitingId = event.id;
      drawWaiting();
    }
  }

  function connect() {
    var url = root.getAttribute("data-stream");
    if (state.lastId) { url += (url.indexOf("?") < 0 ? "?" : "&") + "after=" + state.lastId; }
    source = new EventSource(url);
    source.addEventListener("open", function () {
      root.setAttribute("data-state", "live");
      el("hs-status").hidden = true;
    });
    source.addEventListener("error", function () {
      root.setAttribute("data-state", "reconnecting");
      el("hs-status").hidden = false;
      if (source.readyState === EventSource.CLOSED) { // the browser gave up: open a new one ourselves
        window.setTimeout(connect, 3000);
      }
    });
    source.addEventListener("picture", onPicture);
    KINDS.forEach(function (kind) { source.addEventListener(kind, onEvent); });
  }
  connect();
})();
