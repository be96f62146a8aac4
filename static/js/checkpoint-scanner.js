/* The checkpoint scanner (templates/checkpoints/scanner.html), an offline-first PWA.
 *
 * A code read by the camera (or typed: an id number, a phone, a trip code TRIP-…) is
 * checked with the server while online (POST …/check/: the current status, which the
 * token cannot know). Offline, a personal QR token is verified with the cached keys
 * (qrverify.js) and judged from its level alone, clearly marked as such. "Record passage"
 * queues the passage in IndexedDB (checkpoint-queue.js) with its own UUID; the queue is
 * sent through the batch API when the network is there (at once, on the `online` event and
 * every 15 s), and the tablet says it is alive every minute. The passage fields that stay
 * the same from one car to the next (direction, plate, wards) are kept in localStorage.
 * On the scanner's home page this file only registers the service worker.
 *
 * The verdict rule the tablet applies itself (offline, and a fever on top of any verdict)
 * is truyvetQr.offlineVerdict / withFever in qrverify.js; its other copy is Python's
 * checkpoints/verdicts.py, and one test feeds both the same cases.
 */
(function () {
  "use strict";
  var PAGES_CACHE = "truyvet-scanner-pages";
  var SYNC_EVERY_MS = 15000;
  var HEARTBEAT_EVERY_MS = 60000;
  var KEYS_EVERY_MS = 30 * 60000;
  var CHECK_TIMEOUT_MS = 6000;
  var JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
  var PHONE = /^(?:\+?84|0)(?:3|5|7|8|9)\d{8}$/;

  function $(id) { return document.getElementById(id); }

  function registerWorker(url, scope, then) {
    if (!("serviceWorker" in navigator) || !url) { return; }
    navigator.serviceWorker.register(url, {scope: scope}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(then || function () {}, function () { /* no worker: the page still works online */ });
  }

  var configNode = $("scanner-config");
  if (!configNode) {
    var home = $("scanner-home");
    if (home) { registerWorker(home.dataset.worker, home.dataset.scope); }
    return;
  }

  var config = JSON.parse(configNode.textContent);
  var T = config.texts;
  var lang = document.documentElement.lang === "en" ? "en" : "vi";
  var storagePrefix = "truyvet.scanner." + config.checkpoint + ".";
  var current = null;   // what is on screen: the traveller or trip last read
  var checkSeq = 0;     // answers to older checks are ignored
  var pending = 0;
  var reachable = navigator.onLine;

  // --- Small helpers -----------------------------------------------------------------

  function text(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (_, key) {
      return values && key in values ? values[key] : "";
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function store(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* storage full or off */ }
  }

  function load(key, fallback) {
    try {
      var raw = localStorage.getItem(key);
      return raw === null ? fallback : JSON.parse(raw);
    } catch (e) { return fallback; }
  }

  var tabletId = load("truyvet.tablet_id", null);
  if (!tabletId) { tabletId = window.truyvetQueue.uuid4(); store("truyvet.tablet_id", tabletId); }

  function ago(iso) {
    if (!iso) { return ""; }
    var seconds = (new Date(iso).getTime() - Date.now()) / 1000;
    var units = [["day", 86400], ["hour", 3600], ["minute", 60]];
    var format = new Intl.RelativeTimeFormat(lang, {numeric: "auto"});
    for (var i = 0; i < units.length; i++) {
      if (Math.abs(seconds) >= units[i][1]) { return format.format(Math.round(seconds / units[i][1]), units[i][0]); }
    }
    return format.format(Math.round(seconds), "second");
  }

  var verdictRule = window.truyvetQr;  // qrverify.js; its other copy is checkpoints/verdicts.py

  function post(url, body, timeout) {
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller && timeout ? setTimeout(function () { controller.abort(); }, timeout) : null;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken()},
      body: JSON.stringify(body),
      signal: controller ? controller.signal : undefined
    }).then(function (response) {
      clearTimeout(timer);
      return response;
    }, function (error) {
      clearTimeout(timer);
      throw error;
    });
  }

  // --- Network status, queue count, sync, heartbeat ------------------------------------

  function showNetwork(ok) {
    if (typeof ok === "boolean") { reachable = ok; }
    var online = navigator.onLine && reachable;
    var badge = $("net-status");
    badge.textContent = online ? T.online : T.offline;
    badge.className = "badge fs-6 " + (online ? "text-bg-success" : "text-bg-dark");
  }

  function showCount() {
    return window.truyvetQueue.count().then(function (n) {
      pending = n;
      $("queue-count").textContent = String(n);
      $("queue-label").textContent = text(T.waiting, {n: n});
      $("sync-now").hidden = n === 0;
      return n;
    });
  }

  function showSync(message, signedOut) {
    window.truyvetOfflineQueue.showSync($("sync-status"), message, signedOut, config.urls);
  }

  function sync() {
    return window.truyvetQueue.sync({
      scansUrl: config.urls.scans,
      tabletId: tabletId,
      csrfToken: csrfToken(),
      batchSize: config.batch_max
    }).then(function (report) {
      if (report.error === "signed_out") {
        showNetwork(true);
        showSync(T.signed_out, true);
      } else if (report.error) {
        if (report.error === "network") { showNetwork(false); }
        showSync(T.sync_failed);
      } else if (report.sent) {
        showNetwork(true);
        showSync(text(T.synced, {time: new Date().toLocaleTimeString(lang, {hour: "2-digit", minute: "2-digit"})}));
      }
      report.rejected.forEach(addRejected);
      return showCount().then(function (n) {
        // The batch carried the count from before it was stored: tell the monitor what is left.
        if (report.sent) { heartbeat(); }
        return n;
      });
    });
  }

  function syncIfWaiting() {
    return pending > 0 ? sync() : Promise.resolve(0);
  }

  function heartbeat() {
    if (!navigator.onLine) { return; }
    post(config.urls.heartbeat, {tablet_id: tabletId, pending: pending}, CHECK_TIMEOUT_MS).then(function (response) {
      showNetwork(true);
      if (response.status === 401 || response.status === 403) { showSync(T.signed_out, true); }
    }, function () { showNetwork(false); });
  }

  // --- Refused passages ------------------------------------------------------------------

  function rejectedList() { return load(storagePrefix + "rejected", []); }

  function showRejected() {
    var list = rejectedList();
    var ul = $("rejected-list");
    ul.textContent = "";
    list.forEach(function (entry) {
      var li = document.createElement("li");
      li.textContent = (entry.label ? entry.label + ": " : "") + (config.rejections[entry.reason] || entry.reason) +
        " (" + new Date(entry.at).toLocaleString(lang) + ")";
      ul.appendChild(li);
    });
    $("rejected").hidden = list.length === 0;
  }

  function addRejected(rejection) {
    var list = rejectedList();
    list.unshift({label: rejection.record.label, reason: rejection.reason, at: rejection.record.item.scanned_at});
    store(storagePrefix + "rejected", list.slice(0, 50));
    showRejected();
  }

  // --- Keys for offline checks -----------------------------------------------------------

  function loadKeys() {
    if (!navigator.onLine) { return Promise.resolve(load("truyvet.jwks", null)); }
    return fetch(config.urls.keys, {cache: "no-cache"}).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (jwks) {
      if (jwks && jwks.keys) { store("truyvet.jwks", jwks); }
      return jwks;
    }, function () { return load("truyvet.jwks", null); });
  }

  function cachedKeys() {
    var jwks = load("truyvet.jwks", null);
    if (jwks && jwks.keys && jwks.keys.length) { return Promise.resolve(jwks); }
    // Not in storage (cleared?): the service worker may still hold the last answer.
    return fetch(config.urls.keys).then(function (r) { return r.ok ? r.json() : null; }, function () { return null; });
  }

  // --- Passage fields, kept between scans -------------------------------------------------

  var fields = {
    plate: $("vehicle-plate"),
    type: $("vehicle-type"),
    temperature: $("temperature"),
    originProvince: $("origin-province"),
    originWard: $("origin-ward"),
    destinationProvince: $("destination-province"),
    destinationWard: $("destination-ward")
  };

  function direction() {
    var checked = document.querySelector("input[name=direction]:checked");
    return checked ? checked.value : "in";
  }

  function saveFields() {
    store(storagePrefix + "fields", {
      direction: direction(),
      plate: fields.plate.value.trim().toUpperCase(),
      type: fields.type.value,
      originProvince: fields.originProvince.value,
      originWard: fields.originWard.value,
      destinationProvince: fields.destinationProvince.value,
      destinationWard: fields.destinationWard.value
    });
    $("plate-clear").hidden = !fields.plate.value;
    updateDeclareLink();
  }

  function loadWards(provinceSelect, wardSelect, selected) {
    var placeholder = wardSelect.options[0];
    wardSelect.textContent = "";
    wardSelect.appendChild(placeholder);
    if (!provinceSelect.value) { return Promise.resolve(); }
    return fetch(config.urls.wards + "?province=" + encodeURIComponent(provinceSelect.value)).then(function (r) {
      return r.ok ? r.json() : [];
    }, function () { return []; }).then(function (wards) {
      wards.forEach(function (ward) {
        var option = new Option(ward.name, String(ward.code));
        option.selected = String(ward.code) === String(selected || "");
        wardSelect.add(option);
      });
    });
  }

  function restoreFields() {
    var saved = load(storagePrefix + "fields", null);
    if (!saved) { return; }
    var radio = document.querySelector("input[name=direction][value='" + (saved.direction === "out" ? "out" : "in") + "']");
    if (radio) { radio.checked = true; }
    fields.plate.value = saved.plate || "";
    fields.type.value = saved.type || "";
    $("plate-clear").hidden = !fields.plate.value;
    if (saved.originProvince) {
      fields.originProvince.value = saved.originProvince;
      loadWards(fields.originProvince, fields.originWard, saved.originWard);
    }
    if (saved.destinationProvince !== undefined && saved.destinationProvince !== fields.destinationProvince.value) {
      fields.destinationProvince.value = saved.destinationProvince;
      loadWards(fields.destinationProvince, fields.destinationWard, saved.destinationWard);
    } else {
      fields.destinationWard.value = saved.destinationWard || "";
    }
  }

  function temperature() {
    var value = parseFloat(fields.temperature.value);
    if (isNaN(value) || value < 30 || value > 45) { return null; }
    return Math.round(value * 10) / 10;
  }

  function passageFields(forTrip) {
    var out = {direction: direction()};
    if (forTrip) { return out; }  // the trip brings its bus, plate and route
    var plate = fields.plate.value.trim().toUpperCase();
    if (plate) { out.vehicle_plate = plate.slice(0, 20); }
    if (fields.type.value) { out.vehicle_type = fields.type.value; }
    if (fields.originWard.value) { out.origin_ward_code = Number(fields.originWard.value); }
    if (fields.destinationWard.value) { out.destination_ward_code = Number(fields.destinationWard.value); }
    var t = temperature();
    if (t !== null) { out.temperature = t; }
    return out;
  }

  function updateDeclareLink() {
    var params = new URLSearchParams({checkpoint: String(config.checkpoint), next: config.urls.page});
    var plate = fields.plate.value.trim().toUpperCase();
    if (plate) { params.set("vehicle_plate", plate); }
    if (fields.type.value) { params.set("vehicle_type", fields.type.value); }
    if (fields.originWard.value) { params.set("origin_ward_code", fields.originWard.value); }
    if (fields.destinationWard.value) { params.set("destination_ward_code", fields.destinationWard.value); }
    $("declare-link").href = config.urls.declare + "?" + params.toString();
  }

  // --- The result panel ------------------------------------------------------------------

  function hideAll() {
    $("idle").hidden = true;
    $("result").hidden = true;
    $("trip").hidden = true;
    $("declare").hidden = true;
    $("matches").hidden = true;
    $("offline-proof").hidden = true;
    $("recorded").hidden = true;
  }

  /* Nothing of the traveller (or trip) last read stays on screen or in memory: their name,
   * the people a phone matched (and their buttons), the passengers, what their code proved,
   * the server's notes about the last passage or declaration. A new scan and "Next
   * traveller" both start here; answers still on their way about them are dropped. */
  function forget() {
    checkSeq += 1;
    current = null;
    ["person-name", "result-message", "result-details", "matches", "proof-facts", "trip-info", "trip-rows",
      "recorded", "verdict-hint"].forEach(function (id) { $(id).textContent = ""; });
    $("result-message").className = "fw-bold";
    setVerdict(null, "");
    $("record").disabled = false;
    $("trip-record").disabled = false;
    document.querySelectorAll("[data-scanner-notice]").forEach(function (notice) { notice.remove(); });
    hideAll();
  }

  function setVerdict(verdict, source) {
    var words = config.verdicts[verdict];
    var box = $("verdict");
    box.className = "verdict rounded p-3 mb-2 verdict-" + (words ? verdict : "unknown");
    box.dataset.verdict = verdict || "";
    $("verdict-vi").textContent = words ? words.vi : "?";
    $("verdict-en").textContent = words && words.en !== words.vi ? words.en : "";
    $("verdict-hint").textContent = words ? words.hint[lang] : "";
    $("verdict-source").textContent = source === "server" ? T.server_check : source === "code" ? T.from_code_only : "";
    $("verdict-source").hidden = !source;
    $("verdict-source").className = "badge " + (source === "code" ? "fs-6 text-bg-dark border border-light" : "text-bg-light");
    $("declare").hidden = verdict !== "declare";
  }

  function detail(line, className) {
    if (!line) { return; }
    var li = document.createElement("li");
    li.textContent = line;
    if (className) { li.className = className; }
    $("result-details").appendChild(li);
  }

  function effectiveVerdict() {
    var verdict = current.baseVerdict;
    var t = temperature();
    var fever = t !== null && t >= config.fever_c;
    return {verdict: verdictRule.withFever(verdict, t, config.rules, config.fever_c), fever: fever};
  }

  function render() {
    var shown = effectiveVerdict();
    setVerdict(shown.verdict, current.source);
    $("person-name").textContent = current.name || "";
    var message = $("result-message");
    message.textContent = current.message || "";
    message.className = "fw-bold " + (current.messageClass || "");
    $("result-details").textContent = "";
    (current.details || []).forEach(function (line) { detail(line); });
    if (shown.fever && (current.findingCodes || []).indexOf("fever") === -1) { detail(T.fever, "text-danger fw-bold"); }
    showProof(current.proof);
    var button = $("record");
    button.hidden = !current.item;
    button.disabled = !!current.recorded;
  }

  /* Offline, a personal QR code names nobody: what its signature proves (checked here with
   * the cached keys), in Vietnamese then English, and the reminder to look at the traveller's
   * ID document (in the template). */
  function showProof(proof) {
    var facts = $("proof-facts");
    facts.textContent = "";
    $("offline-proof").hidden = !proof;
    if (!proof || !proof.verified) { return; }
    var words = config.proof;
    function row(vi, en, badgeClass) {
      var li = document.createElement("li");
      var first = document.createElement("span");
      first.lang = "vi";
      first.className = badgeClass ? "badge fs-6 " + badgeClass : "fw-bold";
      first.textContent = vi;
      li.appendChild(first);
      if (en && en !== vi) {
        var second = document.createElement("span");
        second.lang = "en";
        second.className = "proof-en ms-2";
        second.textContent = en;
        li.appendChild(second);
      }
      facts.appendChild(li);
    }
    row(words.verified.vi, words.verified.en);
    var known = words.levels[proof.level];
    var level = proof.level ? known || {vi: proof.level, en: proof.level} : words.levels[""];
    row(level.vi, level.en, known && proof.level ? "risk-" + proof.level : "text-bg-secondary");
    var until = new Date(proof.validUntil);
    var vietnamese = {hour: "2-digit", minute: "2-digit", day: "2-digit", month: "2-digit", year: "numeric"};
    row(text(words.valid_until.vi, {time: until.toLocaleString("vi-VN", vietnamese)}),
      text(words.valid_until.en, {time: until.toLocaleString("en-GB", {dateStyle: "medium", timeStyle: "short"})}));
  }

  function personDetails(view) {
    var lines = [];
    var codes = [];
    (view.findings || []).forEach(function (finding) { codes.push(finding.code); lines.push(finding.label); });
    if (view.risk_reasons && view.risk_reasons.length) { lines.push(view.risk_reasons.join(", ")); }
    if (view.f_level !== null && view.f_level !== undefined) { lines.push(text(T.f_level, {n: view.f_level})); }
    if (view.last_dose_on && T.last_dose) {
      var day = view.last_dose_on.split("-");  // an ISO date: shown as d/m/Y, the province's way
      lines.push(text(T.last_dose, {n: view.vaccine_doses || 0, day: day[2] + "/" + day[1] + "/" + day[0]}));
    } else {
      lines.push(text(T.doses, {n: view.vaccine_doses || 0}));
    }
    if (!view.has_declaration) { lines.push(T.no_declaration); }
    else if (view.declared_at) { lines.push(text(T.declared, {age: ago(view.declared_at)})); }
    return {lines: lines, codes: codes};
  }

  function showPerson(view, item, label) {
    var shown = personDetails(view);
    current = Object.assign(current, {
      source: "server",
      baseVerdict: view.verdict,
      name: view.display_name,
      message: "",
      details: shown.lines,
      findingCodes: shown.codes,
      item: item,
      label: label || view.display_name
    });
    hideAll();
    $("result").hidden = false;
    render();
  }

  function showRefusal(verdict, message, source, item) {
    current = Object.assign(current, {
      source: source, baseVerdict: verdict, name: "", message: message, messageClass: "text-danger",
      details: item ? [] : [T.type_instead], item: item || null, label: ""
    });
    hideAll();
    $("result").hidden = false;
    render();
  }

  function showChecking(kind, value) {
    forget();
    current = {kind: kind, value: value, raw: lastRaw, scannedAt: new Date().toISOString(), seq: checkSeq};
    $("result").hidden = false;
    $("verdict-hint").textContent = T.checking;
    $("record").hidden = true;
    return checkSeq;
  }

  function stale(seq) { return !current || current.seq !== seq; }

  // --- Asking the server, or the code alone ---------------------------------------------

  function askServer(body) {
    if (!navigator.onLine) { return Promise.reject({offline: true}); }
    body.tablet_id = tabletId;
    body.pending = pending;
    var t = temperature();
    if (t !== null && body.trip_code === undefined) { body.temperature = t; }
    return post(config.urls.check, body, CHECK_TIMEOUT_MS).then(function (response) {
      if (response.status >= 500) { throw {offline: true}; }
      if (response.status === 401 || response.status === 403) {
        showSync(T.signed_out, true);
        throw {offline: true};
      }
      showNetwork(true);
      return response.json().then(function (data) {
        showDeviceFevers(data.device_fevers);
        return {status: response.status, data: data};
      });
    }, function () {
      showNetwork(false);
      throw {offline: true};
    });
  }

  // A checkpoint camera's fever alerts (edge_devices), beside the verdict.
  function showDeviceFevers(fevers) {
    var box = $("device-fever");
    if (!box) { return; }
    box.textContent = (fevers || []).map(function (f) { return f.when + " · " + f.title; }).join(" | ");
    box.hidden = !fevers || !fevers.length;
  }

  function fromCodeOnly(token, seq) {
    return cachedKeys().then(function (jwks) {
      if (stale(seq)) { return; }
      if (!jwks || !jwks.keys || !jwks.keys.length) {
        // No keys on this tablet yet: record it and let the server judge.
        showRefusal(null, T.unchecked, "code", {qr_token: token});
        current.messageClass = "";
        current.proof = {verified: false};
        render();
        return;
      }
      return window.truyvetQr.verify(token, jwks).then(function (outcome) {
        if (stale(seq)) { return; }
        if (outcome.valid) {
          current = Object.assign(current, {
            source: "code",
            // The temperature is applied when shown (it may be typed after the scan).
            baseVerdict: verdictRule.offlineVerdict(outcome, null, config.rules, config.fever_c),
            name: "",
            message: "",
            findingCodes: verdictRule.offlineFindings(outcome),
            details: [],
            // The token carries no name: what it proves, and a reminder to look at the ID.
            proof: {verified: true, level: outcome.payload.lvl || "", validUntil: outcome.payload.exp * 1000},
            item: {qr_token: token},
            label: token.slice(-8)
          });
          hideAll();
          $("result").hidden = false;
          render();
        } else {
          var refused = verdictRule.offlineVerdict(outcome, null, config.rules, config.fever_c);
          showRefusal(refused, outcome.reason === "expired" ? T.code_expired : T.code_not_genuine, "code");
        }
      });
    });
  }

  function checkToken(token) {
    var seq = showChecking("token", token);
    askServer({qr_token: token}).then(function (answer) {
      if (stale(seq)) { return; }
      var data = answer.data;
      if (answer.status !== 200 || data.kind !== "person") { throw {offline: true}; }
      if (data.valid === false) {
        showRefusal(data.verdict || "declare", data.detail || T.code_not_genuine, "server");
        return;
      }
      showPerson(data, {qr_token: token});
    }).catch(function (error) {
      if (stale(seq)) { return; }
      if (error && error.offline) { return fromCodeOnly(token, seq); }
      throw error;
    });
  }

  function chooseMatch(match) {
    $("matches").textContent = "";
    showPerson(match, {person_id: match.person_id}, match.display_name);
  }

  function checkIdentifier(field, value) {
    var seq = showChecking(field, value);
    var body = {};
    body[field] = value;
    var typedItem = {};
    typedItem[field] = value.slice(0, 20);
    askServer(body).then(function (answer) {
      if (stale(seq)) { return; }
      var data = answer.data;
      if (answer.status !== 200) {
        showRefusal(null, (data && data.detail) || text(T.error, {detail: answer.status}), "server");
        $("result-details").textContent = "";
        return;
      }
      var matches = data.matches || [];
      if (matches.length === 1) { return chooseMatch(matches[0]); }
      current = Object.assign(current, {
        source: "server",
        baseVerdict: matches.length ? null : data.verdict_if_unknown,
        name: value,
        message: matches.length ? T.several : T.not_found,
        messageClass: "",
        details: [],
        item: matches.length ? null : typedItem,
        label: value
      });
      hideAll();
      $("result").hidden = false;
      render();
      var box = $("matches");
      box.textContent = "";
      matches.forEach(function (match) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn btn-lg btn-outline-dark";
        var words = config.verdicts[match.verdict];
        button.textContent = match.display_name + " · " + (words ? words[lang] : match.verdict);
        button.addEventListener("click", function () {
          if (!stale(seq)) { chooseMatch(match); }  // a button of a lookup no longer on screen does nothing
        });
        box.appendChild(button);
      });
      box.hidden = matches.length === 0;
    }).catch(function (error) {
      if (stale(seq)) { return; }
      if (!error || !error.offline) { throw error; }
      current = Object.assign(current, {
        source: "", baseVerdict: null, name: value, message: T.unchecked, messageClass: "",
        details: [], item: typedItem, label: value
      });
      hideAll();
      $("result").hidden = false;
      render();
    });
  }

  // --- Bus trips -------------------------------------------------------------------------

  function tickedPassengers() {
    return Array.prototype.filter.call(document.querySelectorAll("#trip-rows input[type=checkbox]"), function (box) {
      return box.checked;
    }).map(function (box) { return Number(box.value); });
  }

  function updateTripButton() {
    var button = $("trip-record");
    if (current && current.tripOffline) {
      button.textContent = T.record_trip_all;
      button.disabled = !!current.recorded;
      return;
    }
    var ticked = tickedPassengers();
    button.textContent = text(T.passengers_ticked, {n: ticked.length});
    button.disabled = ticked.length === 0 || !!(current && current.recorded);
    if (current && current.passengers) {
      var chosen = current.passengers.filter(function (p) { return ticked.indexOf(p.passenger_id) !== -1; })
        .map(function (p) { return p.verdict; });
      setVerdict(chosen.length ? verdictRule.worst(chosen) : null, "server");
    }
  }

  function showTrip(data, code) {
    var trip = data.trip;
    current = Object.assign(current, {source: "server", trip: trip, passengers: data.passengers, item: null, code: code});
    hideAll();
    $("result").hidden = false;
    $("person-name").textContent = trip.code;
    $("result-message").textContent = trip.route;
    $("result-message").className = "fw-bold";
    $("result-details").textContent = "";
    $("record").hidden = true;
    $("trip").hidden = false;
    var info = [trip.vehicle_plate, trip.operator_name, trip.origin && trip.destination ? trip.origin + " → " + trip.destination : "",
      trip.departure_at ? new Date(trip.departure_at).toLocaleString(lang) : ""].filter(Boolean);
    $("trip-info").textContent = info.join(" · ");
    var rows = $("trip-rows");
    rows.textContent = "";
    data.passengers.forEach(function (passenger) {
      var tr = document.createElement("tr");
      if (!passenger.has_declaration) { tr.className = "no-declaration"; }
      var tick = document.createElement("td");
      var box = document.createElement("input");
      box.type = "checkbox";
      box.className = "form-check-input";
      box.value = String(passenger.passenger_id);
      box.checked = true;
      box.setAttribute("aria-label", passenger.display_name);
      box.addEventListener("change", updateTripButton);
      tick.appendChild(box);
      var seat = document.createElement("td");
      seat.textContent = passenger.seat || "";
      var name = document.createElement("td");
      name.textContent = passenger.display_name;
      var status = document.createElement("td");
      var badge = document.createElement("span");
      var words = config.verdicts[passenger.verdict];
      badge.className = "badge verdict-" + passenger.verdict;
      badge.textContent = words ? words[lang] : passenger.verdict;
      status.appendChild(badge);
      if (!passenger.has_declaration) {
        var note = document.createElement("span");
        note.className = "ms-2 small fw-bold";
        note.textContent = T.no_declaration;
        status.appendChild(note);
      }
      tr.append(tick, seat, name, status);
      rows.appendChild(tr);
    });
    $("trip-all").checked = true;
    updateTripButton();
    $("declare").hidden = !data.passengers.some(function (p) { return !p.has_declaration; });
  }

  function showTripOffline(code) {
    current = Object.assign(current, {source: "", tripOffline: true, item: null, code: code});
    hideAll();
    $("result").hidden = false;
    setVerdict(null, "");
    $("person-name").textContent = code;
    $("result-message").textContent = T.trip_offline;
    $("result-message").className = "fw-bold";
    $("result-details").textContent = "";
    $("record").hidden = true;
    $("trip").hidden = false;
    $("trip-info").textContent = "";
    $("trip-rows").textContent = "";
    updateTripButton();
  }

  function checkTrip(code) {
    var seq = showChecking("trip", code);
    askServer({trip_code: code}).then(function (answer) {
      if (stale(seq)) { return; }
      if (answer.status === 200 && answer.data.kind === "trip") { return showTrip(answer.data, code); }
      showRefusal(null, (answer.data && answer.data.detail) || T.trip_unknown, "server");
      $("result-details").textContent = "";
    }).catch(function (error) {
      if (stale(seq)) { return; }
      if (!error || !error.offline) { throw error; }
      showTripOffline(code);
    });
  }

  // --- Reading a code --------------------------------------------------------------------

  var lastRaw = "";

  function handleCode(raw, fromCamera) {
    var code = String(raw || "").trim();
    lastRaw = code;
    if (!code) { return; }
    // A card held in front of the camera is read again every few seconds: while it is the
    // one on screen, that is not a new traveller (and must not be recorded twice).
    if (fromCamera && current && current.raw === code) { return; }
    if (code.toUpperCase().indexOf(config.trip_prefix) === 0) { return checkTrip(code.toUpperCase()); }
    if (JWS.test(code)) { return checkToken(code); }
    if (fromCamera) {
      showChecking("other", code);
      showRefusal(null, T.code_not_ours, "");
      return;
    }
    var compact = code.replace(/[\s.\-()]/g, "");
    if (PHONE.test(compact)) { return checkIdentifier("phone", code); }
    return checkIdentifier("id_number", code.toUpperCase());
  }

  // --- Recording -------------------------------------------------------------------------

  function queue(item, label, message) {
    current.recorded = true;
    return window.truyvetQueue.add(config.checkpoint, item, label).then(function () {
      var done = $("recorded");
      done.textContent = message;
      done.hidden = false;
      $("record").disabled = true;
      fields.temperature.value = "";
      return showCount();
    }).then(function () {
      if (navigator.onLine) { return sync(); }
    }, function (error) {
      current.recorded = false;
      $("record").disabled = false;
      showSync(text(T.error, {detail: String(error && error.message || error)}));
    });
  }

  function recordPerson() {
    if (!current || !current.item || current.recorded) { return; }
    var item = Object.assign({}, current.item, passageFields(false), {scanned_at: current.scannedAt});
    queue(item, current.label || "", T.queued);
  }

  function recordTrip() {
    if (!current || current.recorded || !(current.passengers || current.tripOffline)) { return; }
    var item = Object.assign({trip_code: current.code}, passageFields(true), {scanned_at: current.scannedAt});
    var count = "?";
    if (!current.tripOffline) {
      item.passenger_ids = tickedPassengers();
      count = item.passenger_ids.length;
      if (!count) { return; }
    }
    queue(item, current.code, text(T.queued_trip, {n: count})).then(updateTripButton);
  }

  function clearResult() {
    forget();
    lastRaw = "";
    $("idle").hidden = false;
    fields.temperature.value = "";
    $("scan-code").value = "";
  }

  // --- Wiring ----------------------------------------------------------------------------

  document.querySelectorAll(".no-js-only").forEach(function (el) { el.hidden = true; });
  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });
  // The server's messages above the scanner (a duty shift started, a declaration just made
  // on this tablet) are about the page before: they go at the next scan.
  document.querySelectorAll("main > .alert").forEach(function (el) { el.setAttribute("data-scanner-notice", ""); });

  $("scan-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var input = $("scan-code");
    handleCode(input.value, false);
    input.value = "";
  });
  $("record").addEventListener("click", recordPerson);
  $("trip-record").addEventListener("click", recordTrip);
  $("result-clear").addEventListener("click", clearResult);
  $("trip-all").addEventListener("change", function () {
    var on = $("trip-all").checked;
    document.querySelectorAll("#trip-rows input[type=checkbox]").forEach(function (box) { box.checked = on; });
    updateTripButton();
  });
  $("sync-now").addEventListener("click", sync);
  $("rejected-clear").addEventListener("click", function () {
    store(storagePrefix + "rejected", []);
    showRejected();
  });
  $("plate-clear").addEventListener("click", function () { fields.plate.value = ""; saveFields(); });
  $("fields-reset").addEventListener("click", function () {
    fields.plate.value = "";
    fields.type.value = "";
    fields.originProvince.value = "";
    loadWards(fields.originProvince, fields.originWard, "");
    fields.destinationWard.value = "";
    saveFields();
  });
  document.querySelectorAll("input[name=direction]").forEach(function (radio) {
    radio.addEventListener("change", saveFields);
  });
  [fields.plate, fields.type, fields.originWard, fields.destinationWard].forEach(function (el) {
    el.addEventListener("change", saveFields);
  });
  fields.originProvince.addEventListener("change", function () {
    loadWards(fields.originProvince, fields.originWard, "").then(saveFields);
  });
  fields.destinationProvince.addEventListener("change", function () {
    loadWards(fields.destinationProvince, fields.destinationWard, "").then(saveFields);
  });
  fields.temperature.addEventListener("input", function () {
    if (current && current.baseVerdict !== undefined && !$("result").hidden && !current.passengers) { render(); }
  });

  window.addEventListener("online", function () {
    showNetwork(true);
    syncIfWaiting();
    heartbeat();
    loadKeys();
  });
  window.addEventListener("offline", function () { showNetwork(false); });
  setInterval(syncIfWaiting, SYNC_EVERY_MS);
  setInterval(heartbeat, HEARTBEAT_EVERY_MS);
  setInterval(loadKeys, KEYS_EVERY_MS);

  restoreFields();
  updateDeclareLink();
  showNetwork();
  showRejected();
  showCount().then(syncIfWaiting);
  loadKeys();
  heartbeat();

  var camera = window.truyvetScanner.start($("scanner-video"), function (code) { handleCode(code, true); }, {
    onError: function () {
      $("scanner-video").hidden = true;
      var box = $("camera-error");
      box.textContent = T.camera_off;
      box.hidden = false;
    }
  });

  // The worker keeps the page for offline use; the first time, the page was loaded before
  // the worker was there, so it is stored then (with the declaration QR code; the worker
  // stores the home page itself). A tablet whose browser cannot read QR codes needs jsQR
  // offline too: asked through the worker, it is kept with the scanner's files (and again
  // at each new version).
  window.truyvetOfflineQueue.registerWorker({
    worker: config.urls.worker,
    scope: config.urls.scope,
    pagesCache: PAGES_CACHE,
    pages: [config.urls.page, config.urls.declare_qr],
    needsDecoder: camera.decoder.then(function (kind) { return kind === "jsqr" && !!camera.fallback; }),
    decoder: camera.fallback
  });
})();
