/* The checkpoint tablet's queue of passages, in IndexedDB, and its sync with the server:
 * the shared queue (offline-queue.js) with the checkpoint's batch API.
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
 * report:  {sent, created, duplicate, rejected: [{record, reason, verdict}], error: null|"network"|"signed_out"|"server"}
 */
(function (global) {
  "use strict";
  var shared = global.truyvetOfflineQueue;
  var queue = shared.create({
    db: "truyvet-checkpoint", store: "passages", group: "checkpoint_id", lock: "truyvet-checkpoint-sync"
  });

  function sync(options) {
    return queue.sync({
      url: function (checkpointId) { return options.scansUrl.replace("{id}", String(checkpointId)); },
      body: function (records, pending) {
        return {scans: records.map(function (r) { return r.item; }), tablet_id: options.tabletId || "", pending: pending};
      },
      csrfToken: options.csrfToken,
      batchSize: options.batchSize || 500,
      settle: function () { return "remove"; }
    }).then(function (report) {
      report.rejected.forEach(function (rejection) { rejection.verdict = rejection.result.verdict || null; });
      return report;
    });
  }

  global.truyvetQueue = {
    add: function (checkpointId, item, label) { return queue.add(checkpointId, item, label); },
    all: queue.all,
    count: queue.count,
    remove: queue.remove,
    sync: sync,
    uuid4: shared.uuid4
  };
})(window);
