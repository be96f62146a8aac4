/* The checkpoint tablet's queue of passages, in IndexedDB, and its sync with the server.
 *
 *   truyvetQueue.add(checkpointId, item, label)  -> Promise<record>  (item.client_id set here)
 *   truyvetQueue.count()                         -> Promise<number>
 *   truyvetQueue.all()                           -> Promise<[record]>
 *   truyvetQueue.sync(options)                   -> Promise<report>
 *
 * Each passage gets its UUID (client_id) when it is queued, so sending it twice (a retry,
 * a lost answer, two tabs) is recognised by the server and stored once. A passage leaves
 * the queue only when the server answered for it: created or duplicate (done), or
 * rejected (reported back to the page with its reason, then dropped). A network error,
 * a server error or a signed-out session keeps everything for the next try.
 *
 * options: {scansUrl: "/api/v1/checkpoints/{id}/scans/", tabletId, csrfToken, batchSize}
 * report:  {sent, created, duplicate, rejected: [{record, reason}], error: null|"network"|"signed_out"|"server"}
 */
(function (global) {
  "use strict";
  var DB_NAME = "truyvet-checkpoint";
  var STORE = "passages";
  var opening = null;

  function uuid4() {
    if (global.crypto && global.crypto.randomUUID) { return global.crypto.randomUUID(); }
    var b = global.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = global.indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          var store = request.result.createObjectStore(STORE, {keyPath: "client_id"});
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
        var tx = db.transaction(STORE, mode);
        var result;
        tx.oncomplete = function () { resolve(result); };
        tx.onerror = tx.onabort = function () { reject(tx.error); };
        work(tx.objectStore(STORE), function (value) { result = value; });
      });
    });
  }

  function add(checkpointId, item, label) {
    item.client_id = item.client_id || uuid4();
    var record = {
      client_id: item.client_id,
      checkpoint_id: Number(checkpointId),
      item: item,
      label: label || "",
      queued_at: Date.now()
    };
    return run("readwrite", function (store, done) { store.add(record); done(record); });
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

  function post(url, body, csrfToken) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      cache: "no-store",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrfToken || ""},
      body: JSON.stringify(body)
    });
  }

  function sendBatch(options, checkpointId, records, pending, report) {
    var url = options.scansUrl.replace("{id}", String(checkpointId));
    var body = {
      scans: records.map(function (r) { return r.item; }),
      tablet_id: options.tabletId || "",
      pending: pending
    };
    return post(url, body, options.csrfToken).then(function (response) {
      if (response.status === 401 || response.status === 403) { throw {kind: "signed_out"}; }
      if (!response.ok) { throw {kind: "server"}; }
      return response.json();
    }, function () {
      throw {kind: "network"};
    }).then(function (data) {
      var results = (data && data.results) || [];
      var answered = [];
      records.forEach(function (record, index) {
        var result = results[index];
        if (!result || (result.client_id && result.client_id !== record.client_id)) { return; }
        answered.push(record.client_id);
        if (result.status === "created") { report.created += 1; }
        else if (result.status === "duplicate") { report.duplicate += 1; }
        else { report.rejected.push({record: record, reason: result.reason || "", verdict: result.verdict || null}); }
      });
      report.sent += answered.length;
      return remove(answered).then(function () { return answered.length; });
    });
  }

  function syncNow(options) {
    var size = Math.max(1, Math.min(options.batchSize || 500, 500));
    var report = {sent: 0, created: 0, duplicate: 0, rejected: [], error: null};
    return all().then(function (records) {
      var remaining = records.length;
      var batches = [];
      var byCheckpoint = {};
      records.forEach(function (record) {
        (byCheckpoint[record.checkpoint_id] = byCheckpoint[record.checkpoint_id] || []).push(record);
      });
      Object.keys(byCheckpoint).forEach(function (checkpointId) {
        var list = byCheckpoint[checkpointId];
        for (var i = 0; i < list.length; i += size) { batches.push([checkpointId, list.slice(i, i + size)]); }
      });
      // One batch after the other: a tablet on a weak link sends a little at a time.
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

  var syncing = null;

  function sync(options) {
    if (syncing) { return syncing; }
    // Two tabs of the scanner would send the same passages at once: harmless (the server
    // answers the second with "duplicate"), but a lock keeps it to one.
    var task = (global.navigator.locks && global.navigator.locks.request)
      ? global.navigator.locks.request("truyvet-checkpoint-sync", function () { return syncNow(options); })
      : syncNow(options);
    syncing = task.then(function (report) { syncing = null; return report; }, function (error) {
      syncing = null;
      throw error;
    });
    return syncing;
  }

  global.truyvetQueue = {add: add, all: all, count: count, remove: remove, sync: sync, uuid4: uuid4};
})(window);
