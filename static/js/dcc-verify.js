/* Verifying an EU Digital COVID Certificate in the browser, offline.
 *
 *   HC1:<Base45(zlib(COSE_Sign1(CWT)))>
 *
 * The prefix, Base45, zlib (DecompressionStream "deflate"), CBOR, the COSE Sig_structure
 * ["Signature1", protected, h'', payload] and its signature (WebCrypto: ECDSA P-256 with
 * SHA-256 over r||s, or RSA-PSS), against the trust list the page carries and keeps in
 * localStorage (refreshed from /api/v1/vaccination/trustlist/ when online). The kid is read
 * from the protected header, else the unprotected one, as the EU test data expects.
 *
 *   truyvetDcc.verify(text, trustList, now) -> Promise<{ok, code, hcert, iat, exp}>
 */
(function (global) {
  "use strict";

  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

  function fail(code) { var e = new Error(code); e.code = code; return e; }

  function base45Decode(text) {
    var out = [];
    for (var i = 0; i < text.length; i += 3) {
      var chunk = text.substr(i, 3), n = 0;
      for (var j = chunk.length - 1; j >= 0; j--) {
        var v = B45.indexOf(chunk[j]);
        if (v < 0) { throw fail("bad_base45"); }
        n = n * 45 + v;
      }
      if (chunk.length === 3) {
        if (n > 0xffff) { throw fail("bad_base45"); }
        out.push(n >> 8, n & 0xff);
      } else if (chunk.length === 2) {
        if (n > 0xff) { throw fail("bad_base45"); }
        out.push(n);
      } else { throw fail("bad_base45"); }
    }
    return new Uint8Array(out);
  }

  function inflate(bytes) {
    if (bytes.length < 2 || (bytes[0] & 0x0f) !== 8 || ((bytes[0] << 8) | bytes[1]) % 31 !== 0) {
      return Promise.reject(fail("bad_compression"));
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (b) { return new Uint8Array(b); },
      function () { throw fail("bad_compression"); });
  }

  /* A small CBOR decoder: what COSE and the HCERT use. Maps become Map objects. */
  function Tagged(tag, value) { this.tag = tag; this.value = value; }

  function cborDecode(bytes, code) {
    var pos = 0, view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    function need(n) { if (pos + n > bytes.length) { throw fail(code); } }
    function length(info) {
      if (info < 24) { return info; }
      if (info === 24) { need(1); return bytes[pos++]; }
      if (info === 25) { need(2); pos += 2; return view.getUint16(pos - 2); }
      if (info === 26) { need(4); pos += 4; return view.getUint32(pos - 4); }
      if (info === 27) { need(8); pos += 8; return view.getUint32(pos - 8) * 4294967296 + view.getUint32(pos - 4); }
      if (info === 31) { return -1; }
      throw fail(code);
    }
    function item() {
      need(1);
      var first = bytes[pos++], major = first >> 5, info = first & 31, n, out, i;
      if (major === 7) {
        if (info === 20) { return false; }
        if (info === 21) { return true; }
        if (info === 22 || info === 23) { return null; }
        if (info === 25) { need(2); pos += 2; return view.getUint16(pos - 2); }  /* half float: rare */
        if (info === 26) { need(4); pos += 4; return view.getFloat32(pos - 4); }
        if (info === 27) { need(8); pos += 8; return view.getFloat64(pos - 8); }
        throw fail(code);
      }
      n = length(info);
      if (major === 0) { return n; }
      if (major === 1) { return -1 - n; }
      if (major === 2 || major === 3) {
        var chunk;
        if (n < 0) {
          var parts = [];
          while (bytes[pos] !== 0xff) { parts.push(item()); need(1); }
          pos++;
          if (major === 3) { return parts.join(""); }
          var size = parts.reduce(function (s, p) { return s + p.length; }, 0), joined = new Uint8Array(size), at = 0;
          parts.forEach(function (p) { joined.set(p, at); at += p.length; });
          return joined;
        }
        need(n);
        chunk = bytes.subarray(pos, pos + n);
        pos += n;
        return major === 2 ? chunk : new TextDecoder().decode(chunk);
      }
      if (major === 4) {
        out = [];
        if (n < 0) { while (bytes[pos] !== 0xff) { out.push(item()); need(1); } pos++; }
        else { for (i = 0; i < n; i++) { out.push(item()); } }
        return out;
      }
      if (major === 5) {
        out = new Map();
        if (n < 0) { while (bytes[pos] !== 0xff) { var k = item(); out.set(k, item()); need(1); } pos++; }
        else { for (i = 0; i < n; i++) { var key = item(); out.set(key, item()); } }
        return out;
      }
      if (major === 6) { return new Tagged(n, item()); }
      throw fail(code);
    }
    var value = item();
    return value;
  }

  function head(major, n) {
    if (n < 24) { return [major << 5 | n]; }
    if (n < 256) { return [major << 5 | 24, n]; }
    if (n < 65536) { return [major << 5 | 25, n >> 8, n & 0xff]; }
    return [major << 5 | 26, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
  }

  /* ["Signature1", protected, h'', payload] in CBOR. */
  function sigStructure(protectedBytes, payload) {
    var context = new TextEncoder().encode("Signature1");
    var parts = [[0x84], head(3, context.length), context, head(2, protectedBytes.length), protectedBytes,
      [0x40], head(2, payload.length), payload];
    var size = parts.reduce(function (s, p) { return s + p.length; }, 0), out = new Uint8Array(size), at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function b64(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { out[i] = raw.charCodeAt(i); }
    return out;
  }

  function toB64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) { s += String.fromCharCode(bytes[i]); }
    return btoa(s);
  }

  function plain(value) {
    if (value instanceof Map) {
      var o = {};
      value.forEach(function (v, k) { o[String(k)] = plain(v); });
      return o;
    }
    if (Array.isArray(value)) { return value.map(plain); }
    return value;
  }

  function checkSignature(entry, alg, data, signature) {
    var subtle = global.crypto && global.crypto.subtle;
    if (!subtle) { return Promise.reject(fail("no_webcrypto")); }
    var es = entry.alg === "ES256" && alg === -7, ps = entry.alg === "PS256" && alg === -37;
    if (!es && !ps) { return Promise.reject(fail("bad_signature")); }
    var importAlg = es ? {name: "ECDSA", namedCurve: "P-256"} : {name: "RSA-PSS", hash: "SHA-256"};
    var verifyAlg = es ? {name: "ECDSA", hash: "SHA-256"} : {name: "RSA-PSS", saltLength: 32};
    return subtle.importKey("spki", b64(entry.spki), importAlg, false, ["verify"]).then(function (key) {
      return subtle.verify(verifyAlg, key, signature, data);
    }).then(function (ok) { if (!ok) { throw fail("bad_signature"); } });
  }

  function verify(text, trustList, now) {
    text = (text || "").trim();
    if (text.indexOf("HC1:") !== 0) { return Promise.reject(fail("bad_prefix")); }
    var compressed;
    try { compressed = base45Decode(text.slice(4)); } catch (e) { return Promise.reject(e); }
    return inflate(compressed).then(function (cose) {
      var message = cborDecode(cose, "bad_cose");
      while (message instanceof Tagged && (message.tag === 18 || message.tag === 61)) { message = message.value; }
      if (!Array.isArray(message) || message.length !== 4) { throw fail("bad_cose"); }
      var protectedBytes = message[0], unprotected = message[1], payload = message[2], signature = message[3];
      if (!(protectedBytes instanceof Uint8Array) || !(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
        throw fail("bad_cose");
      }
      var header = protectedBytes.length ? cborDecode(protectedBytes, "bad_cose") : new Map();
      if (!(header instanceof Map) || !(unprotected instanceof Map)) { throw fail("bad_cose"); }
      var kid = header.has(4) ? header.get(4) : unprotected.get(4);
      var alg = header.has(1) ? header.get(1) : unprotected.get(1);
      if (!(kid instanceof Uint8Array)) { throw fail("unknown_kid"); }
      var kidText = toB64(kid);
      var entry = (trustList || []).filter(function (t) { return t.kid === kidText; })[0];
      if (!entry) { throw fail("unknown_kid"); }
      return checkSignature(entry, alg, sigStructure(protectedBytes, payload), signature).then(function () {
        var claims = cborDecode(payload, "bad_cwt");
        while (claims instanceof Tagged) { claims = claims.value; }
        if (!(claims instanceof Map) || !(claims.get(-260) instanceof Map) || !(claims.get(-260).get(1) instanceof Map)) {
          throw fail("bad_cwt");
        }
        var hcert = plain(claims.get(-260).get(1));
        var iat = claims.get(6), exp = claims.get(4), seconds = (now || Date.now()) / 1000;
        if (typeof iat === "number" && iat > seconds) { throw fail("not_yet_valid"); }
        if (typeof exp === "number" && exp < seconds) { throw fail("expired"); }
        return {ok: true, hcert: hcert, iat: iat, exp: exp, issuer: claims.get(1), kid: kidText};
      });
    });
  }

  global.truyvetDcc = {verify: verify, base45Decode: base45Decode};
})(window);
