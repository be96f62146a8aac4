/* A queue in IndexedDB that an offline page fills and sends through a batch API, shared by
 * the checkpoint scanner (checkpoint-queue.js: passages) and the vaccination site's offline
 * recording (vaccination-offline.js: doses with their screening).
 *
 *   var queue = truyvetOfflineQueue.create({db, store, group, lock});
 *   queue.add(groupId, item, label, extra) -> Promise<record>   (item.client_id set here)
 *   queue.put(record)                      -> Promise<record>   (a record changed: fixed, answered)
 *   queue.all()                            -> Promise<[record]> (oldest first)
 *   queue.count()                          -> Promise<number>
 *   queue.remove([client_id])              -> Promise
 *   queue.sync(options)                    -> Promise<report>
 *   truyvetOfflineQueue.uuid4(), .csrfToken(), .backoff(run, {min, max}),
 *     .registerWorker({worker, scope, pagesCache, pages, needsDecoder, decoder})
 *
 * A record is {client_id, <group>: groupId, item, label, queued_at, status, ...extra}; its
 * status is "pending" until the server answered for it. Each record gets its UUID
 * (client_id) when it is queued, so sending it twice (a retry, a lost answer, two tabs) is
 * recognised by the server and stored once.
 *
 * sync(options) sends the pending records of each group in batches, one after the other
 * (a tablet on a weak link sends a little at a time), and hands each answer to
 * options.settle(record, result): it returns "remove" (the record leaves the queue) or the
 * record to keep (its status changed). A network error, a server error or a signed-out
 * session keeps everything for the next try.
 *
 * options: {url(groupId), body(records, pending), csrfToken, batchSize, settle}
 * report:  {sent, created, duplicate, rejected: [{record, reason, result}], error: null|"network"|"signed_out"|"server"}
 */
(function (global) {
  "use strict";

  function uuid4() {
    if (global.crypto && global.crypto.randomUUID) { return global.crypto.randomUUID(); }
    var b = global.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) { return decodeURIComponent(match[1]); }
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  function isPending(record) { return !record.status || record.status === "pending"; }

  function create(settings) {
    var opening = null;
    var syncing = null;
    var group = settings.group;

    function open() {
      if (!opening) {
        opening = new Promise(function (resolve, reject) {
          var request = global.indexedDB.open(settings.db, 1);
          request.onupgradeneeded = function () {
            var store = request.result.createObjectStore(settings.store, {keyPath: "client_id"});
            store.createIndex("queued_at", "queued_at");
          };
          request.onsuccess = function () { resolve(request.result); };
          request.onerror = function () { opening = null; reject(request.error); };
        });
      }
      return opening;
    }

    function run(mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(settings.store, mode);
          var result;
          tx.oncomplete = function () { resolve(result); };
          tx.onerror = tx.onabort = function () { reject(tx.error); };
          work(tx.objectStore(settings.store), function (value) { result = value; });
        });
      });
    }

    function add(groupId, item, label, extra) {
      item.client_id = item.client_id || uuid4();
      var record = Object.assign({}, extra || {}, {
        client_id: item.client_id,
        item: item,
        label: label || "",
        queued_at: Date.now(),
        status: "pending"
      });
      record[group] = Number(groupId);
      return run("readwrite", function (store, done) { store.add(record); done(record); });
    }

    function put(record) {
      return run("readwrite", function (store, done) { store.put(record); done(record); });
    }

    function all() {
      return run("readonly", function (store, done) {
        var request = store.index("queued_at").getAll();
        request.onsuccess = function () { done(request.result); };
      });
    }

    function count() {
      return run("readonly", function (store, done) {
        var request = store.count();
        request.onsuccess = function () { done(request.result); };
      });
    }

    function remove(clientIds) {
      if (!clientIds.length) { return Promise.resolve(); }
      return run("readwrite", function (store) {
        clientIds.forEach(function (id) { store.delete(id); });
      });
    }

    function post(url, body, token) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        cache: "no-store",
        headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": token || ""},
        body: JSON.stringify(body)
      });
    }

    function sendBatch(options, groupId, records, pending, report) {
      return post(options.url(groupId), options.body(records, pending), options.csrfToken).then(function (response) {
        if (response.status === 401 || response.status === 403) { throw {kind: "signed_out"}; }
        if (!response.ok) { throw {kind: "server"}; }
        return response.json();
      }, function () {
        throw {kind: "network"};
      }).then(function (data) {
        var results = (data && data.results) || [];
        var gone = [];
        var kept = [];
        records.forEach(function (record, index) {
          var result = results[index];
          if (!result || (result.client_id && result.client_id !== record.client_id)) { return; }
          if (result.status === "created") { report.created += 1; }
          else if (result.status === "duplicate") { report.duplicate += 1; }
          else { report.rejected.push({record: record, reason: result.reason || "", result: result}); }
          var settled = options.settle(record, result);
          if (settled === "remove") { gone.push(record.client_id); } else { kept.push(settled); }
        });
        report.sent += gone.length + kept.length;
        return remove(gone).then(function () {
          return Promise.all(kept.map(put));
        }).then(function () { return gone.length + kept.length; });
      });
    }

    function syncNow(options) {
      var size = Math.max(1, Math.min(options.batchSize || 200, 500));
      var report = {sent: 0, created: 0, duplicate: 0, rejected: [], error: null};
      return all().then(function (records) {
        records = records.filter(isPending);
        var remaining = records.length;
        var batches = [];
        var byGroup = {};
        records.forEach(function (record) {
          (byGroup[record[group]] = byGroup[record[group]] || []).push(record);
        });
        Object.keys(byGroup).forEach(function (groupId) {
          var list = byGroup[groupId];
          for (var i = 0; i < list.length; i += size) { batches.push([groupId, list.slice(i, i + size)]); }
        });
        return batches.reduce(function (chain, batch) {
          return chain.then(function () {
            return sendBatch(options, batch[0], batch[1], remaining, report).then(function (done) {
              remaining -= done;
            });
          });
        }, Promise.resolve());
      }).then(function () { return report; }, function (error) {
        report.error = (error && error.kind) || "network";
        return report;
      });
    }

    function sync(options) {
      if (syncing) { return syncing; }
      // Two tabs of the page would send the same records at once: harmless (the server
      // answers the second with "duplicate"), but a lock keeps it to one.
      var task = (global.navigator.locks && global.navigator.locks.request)
        ? global.navigator.locks.request(settings.lock, function () { return syncNow(options); })
        : syncNow(options);
      syncing = task.then(function (report) { syncing = null; return report; }, function (error) {
        syncing = null;
        throw error;
      });
      return syncing;
    }

    return {add: add, put: put, all: all, count: count, remove: remove, sync: sync};
  }

  /* Runs `run` (a function returning a Promise of a report with .error) now and again: at
   * once after a success with something left, then after `min` ms, doubling after each
   * failure up to `max` (with some jitter, so tablets that lost the network together do
   * not all come back in the same second). kick() runs it at once (the network is back). */
  function backoff(runOnce, limits) {
    var min = (limits && limits.min) || 5000;
    var max = (limits && limits.max) || 300000;
    var delay = min;
    var timer = null;
    var running = null;

    function schedule(ms) {
      clearTimeout(timer);
      timer = setTimeout(kick, ms);
    }

    function kick() {
      if (running) { return running; }
      clearTimeout(timer);
      running = Promise.resolve().then(runOnce).then(function (report) {
        running = null;
        if (report && report.error) {
          schedule(delay * (0.8 + Math.random() * 0.4));
          delay = Math.min(max, delay * 2);
        } else {
          delay = min;
          schedule(min);
        }
        return report;
      }, function (error) {
        running = null;
        schedule(delay);
        delay = Math.min(max, delay * 2);
        throw error;
      });
      return running;
    }

    return {kick: kick, delay: function () { return delay; }};
  }

  function whenControlled() {
    if (navigator.serviceWorker.controller) { return Promise.resolve(); }
    return new Promise(function (resolve) {
      navigator.serviceWorker.addEventListener("controllerchange", function () { resolve(); }, {once: true});
    });
  }

  /* Registers the page's service worker (offline-sw.js). Once it is there: a tablet whose
   * browser cannot read QR codes (options.needsDecoder resolves true) asks for the decoder
   * (options.decoder) through it, so that it is kept with the shell; and on the first visit
   * the pages (options.pages), loaded before the worker was there, are stored in its pages
   * cache (options.pagesCache). Resolves to the registration, or null (no worker: the page
   * still works online). */
  function registerWorker(options) {
    if (!("serviceWorker" in navigator) || !options.worker) { return Promise.resolve(null); }
    var firstVisit = !navigator.serviceWorker.controller;
    return navigator.serviceWorker.register(options.worker, {scope: options.scope}).then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      if (options.needsDecoder && options.decoder) {
        Promise.resolve(options.needsDecoder).then(function (needed) {
          if (!needed || !navigator.onLine) { return; }
          return whenControlled().then(function () { return fetch(options.decoder); });
        }).catch(function () {});
      }
      if (firstVisit && global.caches && navigator.onLine && options.pagesCache) {
        caches.open(options.pagesCache).then(function (cache) {
          (options.pages || []).forEach(function (url) {
            fetch(url, {credentials: "same-origin"}).then(function (response) {
              if (response.ok && !response.redirected) { return cache.put(url, response); }
            }).catch(function () {});
          });
        });
      }
      return registration;
    }).catch(function () { return null; });
  }

  /* The sync line of an offline page: the message, and when the session has ended a link to
   * sign in again that comes back to the page. */
  function showSync(status, message, signedOut, urls) {
    status.textContent = message;
    status.className = "small " + (signedOut ? "text-danger fw-bold" : "text-muted");
    if (signedOut) {
      var link = document.createElement("a");
      link.href = urls.login + "?next=" + encodeURIComponent(urls.page);
      link.className = "ms-1";
      link.textContent = "→";
      status.appendChild(link);
    }
  }

  global.truyvetOfflineQueue = {
    create: create, uuid4: uuid4, csrfToken: csrfToken, backoff: backoff, registerWorker: registerWorker,
    showSync: showSync
  };
})(window);
