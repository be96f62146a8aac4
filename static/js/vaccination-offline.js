/* The vaccination site's offline recording (templates/vaccination/offline.html).
 *
 * The page opens with no network (the service worker, offline-sw.js, keeps it with its
 * files and the value sets it carries). A person is named by their personal QR code (the
 * shared camera component, qrscan.js) or a typed citizen id number; the vaccinator ticks
 * the screening checklist, confirms the outcome, and records: the visit (the screening, and
 * the dose when the outcome is to vaccinate: the session's vaccine, lot and date, the dose
 * number) goes into the queue in IndexedDB (offline-queue.js) with its own client_id, and
 * is sent through POST /api/v1/vaccination/sites/{id}/doses/ when the network is there:
 * at once, when the browser says it is back online, and then with a backoff (5 s doubling
 * to 5 min) while it fails.
 *
 * The queue stays on screen: waiting, recorded (the server's "created"), already recorded
 * ("duplicate": a replay), or refused with the server's reason (Vietnamese first, English
 * second) until the vaccinator fixes it (back into the form, then queued again) or drops
 * it. The sent ones are cleared by hand, and at the first visit of a later day.
 *
 * The screening's suggestion has two copies: suggestedOutcome here and
 * vaccination.screening.suggested_outcome (any "refer" answer refers, else any "postpone"
 * postpones, else vaccinate); each question's outcome comes from the server, and
 * tests/browser/test_vaccination_offline_recording.py feeds both the same cases.
 */
(function () {
  "use strict";
  var configNode = document.getElementById("offline-config");
  if (!configNode) { return; }
  var config = JSON.parse(configNode.textContent);
  var T = config.texts;
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
  var ID_NUMBER = /^[0-9]{12}$/;
  var PAGES_CACHE = "truyvet-vaccination-pages";
  var shared = window.truyvetOfflineQueue;
  var queue = shared.create({
    db: "truyvet-vaccination", store: "visits", group: "site_id", lock: "truyvet-vaccination-sync"
  });
  var storageKey = "truyvet.vaccination.offline." + config.site.id + ".session";
  var current = null;       // the person on the form: {who: {qr_token|id_number}, label, code}
  var editing = null;       // the record being fixed
  var lastCode = "";        // the code last queued: a card still in front of the camera is not a new person
  var scanner = null;

  function $(id) { return document.getElementById(id); }

  function words(key) { var w = T[key]; return w ? (w[lang] || w.vi) : key; }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, key) { return values && key in values ? values[key] : ""; });
  }

  function today() {
    var d = new Date();
    return d.getFullYear() + "-" + String(d.getMonth() + 1).padStart(2, "0") + "-" + String(d.getDate()).padStart(2, "0");
  }

  function load(key, fallback) {
    try { var raw = localStorage.getItem(key); return raw === null ? fallback : JSON.parse(raw); } catch (e) { return fallback; }
  }

  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }

  // --- The session: vaccine, holder, lot, series, day --------------------------------------

  var products = {};
  config.products.forEach(function (p) { products[p.code] = p; });

  function option(value, text) { var o = document.createElement("option"); o.value = value; o.textContent = text; return o; }

  function fillSelects() {
    var stocked = {};
    config.lots.forEach(function (lot) { stocked[lot.product] = true; });
    config.products.forEach(function (p) {
      $("session-product").appendChild(option(p.code, (stocked[p.code] ? "● " : "") + p.name));
    });
    config.manufacturers.forEach(function (m) { $("session-manufacturer").appendChild(option(m.code, m.name)); });
  }

  function lotsOf(product) { return config.lots.filter(function (lot) { return lot.product === product; }); }

  function showLots() {
    var list = $("session-lots");
    list.textContent = "";
    lotsOf($("session-product").value).forEach(function (lot) {
      var o = document.createElement("option");
      o.value = lot.lot;
      o.label = lot.lot + " · " + lot.expires_on + " · " + lot.doses_left;
      list.appendChild(o);
    });
    var chosen = config.lots.filter(function (lot) {
      return lot.product === $("session-product").value && lot.lot === $("session-lot").value.trim();
    })[0];
    $("lot-info").textContent = chosen ? fill(words("lot_info"), {day: chosen.expires_on, n: chosen.doses_left}) : "";
  }

  function saveSession() {
    store(storageKey, {
      product: $("session-product").value,
      manufacturer: $("session-manufacturer").value,
      lot: $("session-lot").value.trim(),
      total: $("session-total").value,
      day: $("session-day").value,
      set_on: today()
    });
    showLots();
    showDoseSummary();
  }

  function restoreSession() {
    var saved = load(storageKey, null) || {};
    $("session-product").value = saved.product || "";
    $("session-manufacturer").value = saved.manufacturer || "";
    $("session-lot").value = saved.lot || "";
    $("session-total").value = saved.total || "2";
    // The day is the session's only on the day it was set: a tablet opened tomorrow records tomorrow.
    $("session-day").value = saved.day && saved.set_on === today() ? saved.day : today();
    $("session-day").max = today();
    if (!$("session-lot").value) {
      var first = lotsOf($("session-product").value)[0];
      if (first) { $("session-lot").value = first.lot; }
    }
    showLots();
  }

  $("session-product").addEventListener("change", function () {
    var product = products[$("session-product").value];
    if (product && product.manufacturer) { $("session-manufacturer").value = product.manufacturer; }
    var first = lotsOf($("session-product").value)[0];
    $("session-lot").value = first ? first.lot : "";
    saveSession();
  });
  ["session-manufacturer", "session-lot", "session-total", "session-day"].forEach(function (id) {
    $(id).addEventListener("change", saveSession);
  });

  // --- The screening ----------------------------------------------------------------------

  var questions = Array.prototype.slice.call(document.querySelectorAll("#questions input[data-key]"));

  function answers() {
    var out = {};
    questions.forEach(function (box) { out[box.dataset.key] = box.checked; });
    return out;
  }

  /* The outcome the answers suggest (the other copy: vaccination/screening.py; a test
   * feeds both the same cases through window.truyvetScreening). */
  function suggestedOutcome(given) {
    var suggested = config.questions.filter(function (q) { return given[q.key]; }).map(function (q) {
      return q.suggests;
    });
    if (suggested.indexOf("refer") !== -1) { return "refer"; }
    if (suggested.indexOf("postpone") !== -1) { return "postpone"; }
    return "vaccinate";
  }
  window.truyvetScreening = {suggestedOutcome: suggestedOutcome};

  function outcome() {
    var checked = document.querySelector("input[name=outcome]:checked");
    return checked ? checked.value : "vaccinate";
  }

  function setOutcome(value) {
    var radio = $("outcome-" + value);
    if (radio) { radio.checked = true; }
    showOutcome();
  }

  function showOutcome() {
    $("dose-fields").hidden = outcome() !== "vaccinate";
    var suggested = suggestedOutcome(answers());
    var label = config.outcomes[suggested] ? config.outcomes[suggested][lang] : suggested;
    $("suggested").textContent = fill(words("suggested"), {outcome: label});
    $("suggested").className = "small fw-bold mb-1 " + (suggested === "vaccinate" ? "text-success" : "text-danger");
  }

  function showDoseSummary() {
    var product = products[$("session-product").value];
    var number = Number($("dose-number").value) || 1;
    var total = Number($("session-total").value) || 1;
    var parts = [product ? product.name : words("choose_product"), $("session-lot").value.trim(), $("session-day").value,
      number + "/" + total];
    if (number > total) { parts.push(words("dose_over")); }
    $("dose-summary").textContent = parts.filter(Boolean).join(" · ");
  }

  questions.forEach(function (box) {
    box.addEventListener("change", function () { setOutcome(suggestedOutcome(answers())); });
  });
  document.querySelectorAll("input[name=outcome]").forEach(function (radio) { radio.addEventListener("change", showOutcome); });
  $("dose-number").addEventListener("input", showDoseSummary);

  // --- The person -------------------------------------------------------------------------

  function openVisit(person, record) {
    current = person;
    editing = record || null;
    $("scan-message").textContent = "";
    $("visit-message").textContent = "";
    $("recorded").hidden = true;
    $("visit-who").textContent = person.label;
    var item = record ? record.item : null;
    var given = item && item.screening ? item.screening.answers : {};
    questions.forEach(function (box) { box.checked = !!given[box.dataset.key]; });
    $("note").value = item && item.screening ? item.screening.note || "" : "";
    $("dose-number").value = item && item.dose_number ? item.dose_number : 1;
    if (item && item.product) {
      $("session-product").value = item.product;
      $("session-manufacturer").value = item.manufacturer || "";
      $("session-lot").value = item.lot || "";
      $("session-total").value = item.total_doses || $("session-total").value;
      $("session-day").value = item.administered_on;
      showLots();
    }
    setOutcome(item && item.screening ? item.screening.outcome : "vaccinate");
    showDoseSummary();
    $("visit").hidden = false;
    $("visit").scrollIntoView({block: "start"});
  }

  function closeVisit() {
    current = null;
    editing = null;
    $("visit").hidden = true;
  }

  function personFromCode(code) {
    return {who: {qr_token: code}, code: code, label: fill(words("by_code"), {end: code.slice(-6)})};
  }

  function personFromIdNumber(number) {
    return {who: {id_number: number}, code: number, label: fill(words("by_id_number"), {id: number})};
  }

  function stopCamera() {
    if (scanner) { scanner.stop(); scanner = null; }
    $("scan-video").hidden = true;
  }

  function onCode(text) {
    var code = String(text || "").trim();
    // The card just recorded, still in front of the camera, is not the next person.
    if (!code || code === lastCode || (current && current.code === code)) { return; }
    if (!JWS.test(code)) {
      $("scan-message").textContent = words("not_a_code");
      return;
    }
    stopCamera();
    openVisit(personFromCode(code));
  }

  $("camera-start").addEventListener("click", function () {
    if (scanner) { stopCamera(); return; }
    $("camera-error").hidden = true;
    $("scan-video").hidden = false;
    scanner = window.truyvetScanner.start($("scan-video"), onCode, {
      onError: function () {
        stopCamera();
        $("camera-error").textContent = words("camera_off");
        $("camera-error").hidden = false;
      }
    });
  });

  $("id-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var number = $("id-number").value.replace(/\s/g, "");
    if (!ID_NUMBER.test(number)) {
      $("scan-message").textContent = config.rejections.id_number_invalid[lang];
      return;
    }
    $("id-number").value = "";
    stopCamera();
    openVisit(personFromIdNumber(number));
  });

  $("visit-cancel").addEventListener("click", closeVisit);

  // --- Recording ----------------------------------------------------------------------------

  function visitItem() {
    var day = $("session-day").value || today();
    var item = Object.assign({administered_on: day}, current.who);
    item.screening = {answers: answers(), outcome: outcome(), note: $("note").value.trim().slice(0, 300)};
    // The time of the screening when it is today's (a visit entered for an earlier day has none).
    if (day === today()) { item.screening.screened_at = new Date().toISOString(); }
    if (item.screening.outcome === "vaccinate") {
      Object.assign(item, {
        product: $("session-product").value,
        manufacturer: $("session-manufacturer").value,
        lot: $("session-lot").value.trim().slice(0, 40),
        dose_number: Number($("dose-number").value) || 1,
        total_doses: Number($("session-total").value) || 1
      });
    }
    return item;
  }

  $("visit").addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) { return; }
    if (outcome() === "vaccinate" && (!$("session-product").value || !$("session-manufacturer").value)) {
      $("visit-message").textContent = words("choose_product");
      $("session-product").focus();
      return;
    }
    var item = visitItem();
    var label = current.label;
    var code = current.code;
    var saved;
    if (editing) {
      // A fixed visit keeps its client_id (nothing was stored under it), unless the server
      // said the id was used for something else.
      item.client_id = editing.reason === "client_id_reused" ? shared.uuid4() : editing.client_id;
      var fixed = Object.assign({}, editing, {client_id: item.client_id, item: item, label: label, status: "pending",
        reason: "", queued_at: Date.now()});
      saved = (fixed.client_id === editing.client_id ? Promise.resolve() : queue.remove([editing.client_id]))
        .then(function () { return queue.put(fixed); });
    } else {
      saved = queue.add(config.site.id, item, label, {outcome: item.screening.outcome});
    }
    $("record").disabled = true;
    saved.then(function () {
      lastCode = code;
      closeVisit();
      $("recorded").textContent = fill(words("queued"), {label: label});
      $("recorded").hidden = false;
      return showQueue();
    }).then(function () {
      if (navigator.onLine) { return sender.kick(); }
    }).catch(function (error) {
      $("visit-message").textContent = fill(words("error"), {detail: String(error && error.message || error)});
    }).then(function () { $("record").disabled = false; });
  });

  // --- The queue on screen ------------------------------------------------------------------

  var STATUS_CLASS = {pending: "text-bg-warning", created: "text-bg-success", duplicate: "text-bg-info", rejected: "text-bg-danger"};

  function reasonWords(code) {
    var w = config.rejections[code];
    if (w) { return w; }
    var fallback = config.texts.unknown_reason;
    return {vi: fill(fallback.vi, {code: code}), en: fill(fallback.en, {code: code})};
  }

  function summary(record) {
    var item = record.item;
    var outcomeWords = config.outcomes[item.screening ? item.screening.outcome : "vaccinate"];
    var parts = [outcomeWords ? outcomeWords[lang] : ""];
    if (item.product) {
      var product = products[item.product];
      parts.push((product ? product.name : item.product) + (item.lot ? " " + item.lot : ""), item.dose_number + "/" + item.total_doses);
    } else {
      parts.push(words("postponed"));
    }
    parts.push(item.administered_on);
    return parts.filter(Boolean).join(" · ");
  }

  function button(text, kind, onClick) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "btn btn-sm " + kind;
    b.textContent = text;
    b.addEventListener("click", onClick);
    return b;
  }

  function render(records) {
    var list = $("queue-list");
    list.textContent = "";
    records.slice().reverse().forEach(function (record) {
      var status = record.status || "pending";
      var li = document.createElement("li");
      li.className = "list-group-item queue-item";
      li.dataset.status = status;
      li.dataset.clientId = record.client_id;
      var top = document.createElement("div");
      top.className = "d-flex flex-wrap gap-2 align-items-center";
      var who = document.createElement("span");
      who.className = "fw-bold me-auto";
      who.textContent = record.label;
      var badge = document.createElement("span");
      badge.className = "badge queue-status " + (STATUS_CLASS[status] || "text-bg-secondary");
      badge.textContent = words(status);
      top.append(who, badge);
      var what = document.createElement("div");
      what.className = "text-muted";
      what.textContent = summary(record) + " · " + new Date(record.queued_at).toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"});
      li.append(top, what);
      if (status === "rejected") {
        var reason = reasonWords(record.reason);
        var vi = document.createElement("div");
        vi.className = "text-danger fw-bold reason-vi";
        vi.lang = "vi";
        vi.textContent = reason.vi;
        var en = document.createElement("div");
        en.className = "text-danger reason-en";
        en.lang = "en";
        en.textContent = reason.en;
        var actions = document.createElement("div");
        actions.className = "d-flex gap-2 mt-1 queue-actions";
        actions.append(
          button(words("fix"), "btn-outline-primary queue-fix", function () {
            var who = record.item.qr_token ? personFromCode(record.item.qr_token) : personFromIdNumber(record.item.id_number);
            openVisit(who, record);
          }),
          button(words("drop"), "btn-outline-danger queue-drop", function () {
            if (window.confirm(words("drop_confirm"))) { queue.remove([record.client_id]).then(showQueue); }
          })
        );
        li.append(vi, en, actions);
      }
      list.appendChild(li);
    });
    var waiting = records.filter(function (r) { return !r.status || r.status === "pending"; }).length;
    $("queue-label").textContent = fill(words("waiting"), {n: waiting});
    $("sync-now").hidden = waiting === 0;
    $("queue-empty").hidden = records.length > 0;
    $("clear-sent").hidden = !records.some(function (r) { return r.status === "created" || r.status === "duplicate"; });
    return waiting;
  }

  function showQueue() { return queue.all().then(render); }

  $("clear-sent").addEventListener("click", function () {
    queue.all().then(function (records) {
      return queue.remove(records.filter(function (r) { return r.status === "created" || r.status === "duplicate"; })
        .map(function (r) { return r.client_id; }));
    }).then(showQueue);
  });

  // --- Sending ------------------------------------------------------------------------------

  function showNetwork(online) {
    var badge = $("net-status");
    badge.textContent = words(online ? "online" : "offline");
    badge.className = "badge fs-6 " + (online ? "text-bg-success" : "text-bg-dark");
  }

  function showSync(message, signedOut) {
    window.truyvetOfflineQueue.showSync($("sync-status"), message, signedOut, config.urls);
  }

  function syncOnce() {
    if (!navigator.onLine) { showNetwork(false); return Promise.resolve({error: "offline"}); }
    return queue.all().then(function (records) {
      if (!records.some(function (r) { return !r.status || r.status === "pending"; })) { return {error: null, sent: 0}; }
      return queue.sync({
        url: function () { return config.urls.doses; },
        body: function (batch) { return {doses: batch.map(function (r) { return r.item; })}; },
        csrfToken: shared.csrfToken(),
        batchSize: config.batch_max,
        settle: function (record, result) {
          return Object.assign({}, record, {status: result.status, reason: result.reason || "", dose_id: result.id || null,
            screening_id: result.screening_id || null, answered_at: Date.now()});
        }
      }).then(function (report) {
        if (report.error === "signed_out") {
          showNetwork(true);
          showSync(words("signed_out"), true);
        } else if (report.error) {
          showNetwork(report.error !== "network");
          showSync(words("sync_failed"));
        } else if (report.sent) {
          showNetwork(true);
          showSync(fill(words("synced_at"), {time: new Date().toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"})}));
        }
        return showQueue().then(function () { return report; });
      });
    });
  }

  var sender = shared.backoff(syncOnce, {min: 5000, max: 300000});

  $("sync-now").addEventListener("click", function () { sender.kick(); });
  window.addEventListener("online", function () { showNetwork(true); sender.kick(); });
  window.addEventListener("offline", function () { showNetwork(false); });

  // --- Start ----------------------------------------------------------------------------------

  /* The visits sent on an earlier day leave the tablet: what it holds about people is
   * what it still has to send or fix. */
  function forgetOldSent(records) {
    var start = new Date();
    start.setHours(0, 0, 0, 0);
    var old = records.filter(function (r) {
      return (r.status === "created" || r.status === "duplicate") && r.queued_at < start.getTime();
    });
    return queue.remove(old.map(function (r) { return r.client_id; }));
  }

  fillSelects();
  restoreSession();
  showDoseSummary();
  showNetwork(navigator.onLine);
  queue.all().then(forgetOldSent).then(showQueue).then(function () { sender.kick(); });

  function needsDecoder() {
    var Detector = window.BarcodeDetector;
    if (!Detector || typeof Detector.getSupportedFormats !== "function") { return Promise.resolve(true); }
    return Detector.getSupportedFormats().then(function (formats) { return formats.indexOf("qr_code") === -1; }, function () {
      return true;
    });
  }

  var fallbackTag = document.querySelector("script[data-fallback]");
  shared.registerWorker({
    worker: config.urls.worker,
    scope: config.urls.scope,
    pagesCache: PAGES_CACHE,
    pages: [config.urls.page],
    needsDecoder: needsDecoder(),
    decoder: fallbackTag ? fallbackTag.getAttribute("data-fallback") : ""
  });
})();
