/* The service worker of the pages that work offline: the checkpoint scanner (served from
 * /checkpoints/sw.js, scope /checkpoints/, by checkpoints/views/scanner.py) and the
 * vaccination site's offline recording (/vaccination/offline/sw.js, scope
 * /vaccination/offline/, by vaccination/offline_views.py). truyvet/lib/offline.py serves it
 * with its settings in self.TRUYVET_SW above this file: {version, cache (the caches' name
 * prefix), shell: [static urls], optional: {name: static url}, data: [urls], pages: [urls],
 * page_pattern (the pages kept, a regular expression of their path), kept_pattern (other
 * GETs kept like a page, or ""), offline_text}.
 *
 * - The shell (the page's CSS, JS and vendored files) is kept per version: cache first.
 *   Installing fetches it with the browser's HTTP cache revalidated ("no-cache"): the files
 *   the page has just loaded cost a 304, not a second download.
 * - The optional files (jsQR, for browsers that cannot read QR codes themselves) are kept
 *   once a tablet asks for one, and a tablet that once needed one gets it again with each
 *   new version (<cache>-needs remembers which): a tablet with a BarcodeDetector
 *   never downloads jsQR.
 * - The data (the scanner's signing keys, provinces and wards): network first, the last
 *   answer when offline.
 * - The pages of page_pattern (only those: the scanner's, the site's offline recording) and
 *   kept_pattern (the declaration QR code): network first (a few seconds at most on a weak
 *   link), the last copy when offline.
 * - Anything else, and every POST (the scans, checks, heartbeats and doses), is left alone:
 *   the page queues what it records itself and knows when the network is gone.
 */
(function () {
  "use strict";
  var config = self.TRUYVET_SW;
  var PREFIX = config.cache;
  var SHELL = PREFIX + "-shell-" + config.version;
  var DATA = PREFIX + "-data";
  var PAGES = PREFIX + "-pages";
  var NEEDS = PREFIX + "-needs";
  var NETWORK_WAIT_MS = 4000;
  var optional = config.optional || {};
  var optionalNames = {};  // path → name
  Object.keys(optional).forEach(function (name) { optionalNames[optional[name]] = name; });
  var shell = new Set(config.shell.concat(Object.keys(optionalNames)));
  // Only the offline pages themselves are kept: the other pages of the scope (the
  // checkpoints' monitoring and trips) show people's data and have no business in a
  // tablet's cache.
  var keptPage = new RegExp(config.page_pattern);
  var keptOther = config.kept_pattern ? new RegExp(config.kept_pattern) : null;
  var dataPaths = new Set(config.data.map(function (url) { return new URL(url, self.location.origin).pathname; }));

  function fresh(url, credentials) {
    return new Request(url, {cache: "no-cache", credentials: credentials || "same-origin"});
  }

  function needMark(name) { return new Request(config.scope + "needs/" + encodeURIComponent(name)); }

  /* The optional files this tablet asked for before, by their address in this version. */
  function neededBefore() {
    return caches.has(NEEDS).then(function (any) {
      return any ? caches.open(NEEDS).then(function (cache) { return cache.keys(); }) : [];
    }).then(function (marks) {
      var names = marks.map(function (mark) { return decodeURIComponent(mark.url.split("/needs/").pop()); });
      return names.filter(function (name) { return optional[name]; }).map(function (name) { return optional[name]; });
    });
  }

  function keep(cacheName, request, response) {
    // A page that says no-store carries a one-off message about a traveller: not kept.
    var noStore = response && /no-store/.test(response.headers.get("Cache-Control") || "");
    if (response && response.ok && response.type === "basic" && !response.redirected && !noStore) {
      var copy = response.clone();
      caches.open(cacheName).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }

  self.addEventListener("install", function (event) {
    event.waitUntil(
      Promise.all([caches.open(SHELL), neededBefore()]).then(function (opened) {
        return opened[0].addAll(config.shell.concat(opened[1]).map(function (url) { return fresh(url); }));
      }).then(function () {
        return Promise.all(config.data.concat(config.pages).map(function (url) {
          var cacheName = config.pages.indexOf(url) === -1 ? DATA : PAGES;
          return fetch(fresh(url)).then(function (response) { keep(cacheName, url, response); }, function () {});
        }));
      }).then(function () { return self.skipWaiting(); })
    );
  });

  self.addEventListener("activate", function (event) {
    event.waitUntil(
      caches.keys().then(function (names) {
        return Promise.all(names.filter(function (name) {
          return name.indexOf(PREFIX + "-shell-") === 0 && name !== SHELL;
        }).map(function (name) { return caches.delete(name); }));
      }).then(function () { return self.clients.claim(); })
    );
  });

  function cacheFirst(cacheName, request) {
    return caches.open(cacheName).then(function (cache) {
      return cache.match(request, {ignoreVary: true}).then(function (hit) {
        return hit || fetch(request).then(function (response) { return keep(cacheName, request, response); });
      });
    });
  }

  function offlinePage() {
    var body = "<!doctype html><meta charset=utf-8><title>Offline</title><p>" + config.offline_text + "</p>";
    return new Response(body, {status: 503, headers: {"Content-Type": "text/html; charset=utf-8"}});
  }

  function networkFirst(cacheName, request, isPage) {
    var fromNetwork = fetch(request).then(function (response) { return keep(cacheName, request, response); });
    var fromCache = function () {
      return caches.open(cacheName).then(function (cache) { return cache.match(request, {ignoreVary: true}); });
    };
    return new Promise(function (resolve, reject) {
      var settled = false;
      function settle(response) { if (!settled && response) { settled = true; resolve(response); } }
      // On a weak link, the copy in the cache after a few seconds; the network's answer
      // still refreshes the cache when it comes.
      var timer = setTimeout(function () { fromCache().then(settle); }, NETWORK_WAIT_MS);
      fromNetwork.then(function (response) {
        clearTimeout(timer);
        settle(response);
      }, function (error) {
        clearTimeout(timer);
        fromCache().then(function (hit) {
          if (hit) { settle(hit); } else if (isPage) { settle(offlinePage()); } else if (!settled) { settled = true; reject(error); }
        });
      });
    });
  }

  self.addEventListener("fetch", function (event) {
    var request = event.request;
    if (request.method !== "GET") { return; }
    var url = new URL(request.url);
    if (url.origin !== self.location.origin) { return; }
    if (shell.has(url.pathname)) {
      if (optionalNames[url.pathname]) {
        event.waitUntil(caches.open(NEEDS).then(function (cache) {
          return cache.put(needMark(optionalNames[url.pathname]), new Response(""));
        }));
      }
      event.respondWith(cacheFirst(SHELL, request));
    } else if (dataPaths.has(url.pathname)) {
      event.respondWith(networkFirst(DATA, request, false));
    } else if (request.mode === "navigate" && keptPage.test(url.pathname)) {
      event.respondWith(networkFirst(PAGES, request, true));
    } else if (keptOther && keptOther.test(url.pathname)) {
      event.respondWith(networkFirst(PAGES, request, false));
    }
  });
})();
