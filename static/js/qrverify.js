/* Offline verification of personal QR tokens (compact JWS, ES256) with WebCrypto, and the
 * verdict a checkpoint tablet gives from a token alone.
 *
 * truyvetQr.verify(token, jwks, nowSeconds?) resolves to
 *   {valid: true, payload: {sub, iat, exp, lvl}}  or  {valid: false, reason}
 * with the same reasons as GET /api/v1/qr/verify/: malformed, bad_signature, expired.
 * jwks is the body of GET /api/v1/keys/, cached by the tablet for offline use.
 * WebCrypto's ECDSA takes the raw r||s signature that JWS uses, so no conversion is needed.
 *
 * truyvetQr.offlineVerdict(outcome, temperature, rules, feverC) is the checkpoint verdict
 * rule as the tablet can apply it offline (the token's level and expiry, the temperature;
 * the F level and the latest declaration are the server's to know). The rule has a second
 * copy in Python: checkpoints/verdicts.py (`judge`, `verdict_for`). Change both together:
 * tests/checkpoints/test_verdict_rule_copies.py feeds both the cases in
 * tests/checkpoints/verdict_cases.json. `rules` is settings.CHECKPOINT_VERDICTS (finding →
 * verdict) and `feverC` settings.CHECKPOINT_FEVER_C, both sent in the scanner's config.
 */
(function (global) {
  "use strict";
  var keyCache = {};

  function b64urlToBytes(text) {
    if (!/^[A-Za-z0-9_-]*$/.test(text)) { throw new Error("not base64url"); }
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) { b64 += "="; }
    var raw = atob(b64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  function decodeJson(part) {
    return JSON.parse(new TextDecoder().decode(b64urlToBytes(part)));
  }

  function importKey(jwk) {
    if (!keyCache[jwk.kid]) {
      keyCache[jwk.kid] = global.crypto.subtle.importKey(
        "jwk", {kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y, ext: true},
        {name: "ECDSA", namedCurve: "P-256"}, false, ["verify"]);
    }
    return keyCache[jwk.kid];
  }

  function verify(token, jwks, nowSeconds) {
    var parts = typeof token === "string" ? token.split(".") : [];
    var header, payload, signature;
    try {
      if (parts.length !== 3 || token.length > 4096) { throw new Error("parts"); }
      header = decodeJson(parts[0]);
      payload = decodeJson(parts[1]);
      signature = b64urlToBytes(parts[2]);
    } catch (e) {
      return Promise.resolve({valid: false, reason: "malformed"});
    }
    if (!header || header.alg !== "ES256" || typeof payload !== "object" || payload === null) {
      return Promise.resolve({valid: false, reason: "malformed"});
    }
    var jwk = (jwks && jwks.keys || []).filter(function (k) { return k.kid === header.kid; })[0];
    if (!jwk || signature.length !== 64) { return Promise.resolve({valid: false, reason: "bad_signature"}); }
    var data = new TextEncoder().encode(parts[0] + "." + parts[1]);
    return importKey(jwk).then(function (key) {
      return global.crypto.subtle.verify({name: "ECDSA", hash: "SHA-256"}, key, signature, data);
    }).then(function (ok) {
      if (!ok) { return {valid: false, reason: "bad_signature"}; }
      var now = typeof nowSeconds === "number" ? nowSeconds : Date.now() / 1000;
      if (typeof payload.exp !== "number") { return {valid: false, reason: "malformed"}; }
      if (now >= payload.exp) { return {valid: false, reason: "expired", payload: payload}; }
      return {valid: true, payload: payload};
    }, function () {
      return {valid: false, reason: "bad_signature"};
    });
  }

  // --- The verdict (second copy: checkpoints/verdicts.py) -------------------------------

  var ORDER = {allow: 0, declare: 1, refer: 2, deny: 3};

  /* The most severe of these verdicts; "allow" for none (verdicts.py: _RANKS, worst). */
  function worst(verdicts) {
    return verdicts.reduce(function (a, b) { return (ORDER[b] || 0) > (ORDER[a] || 0) ? b : a; }, "allow");
  }

  /* Each finding's verdict by the rules, the most severe wins (verdicts.py: verdict_for). */
  function verdictFor(findings, rules) {
    return worst(findings.map(function (code) { return rules[code] || "allow"; }));
  }

  /* A fever at the checkpoint raises a verdict already given (verdicts.py: judge, "fever"). */
  function withFever(verdict, temperature, rules, feverC) {
    if (!verdict || temperature === null || temperature === undefined || !(temperature >= feverC)) { return verdict; }
    return worst([verdict, rules.fever || "refer"]);
  }

  /* What the token tells offline: its level while it is valid, else no valid declaration
   * (verdicts.py: judge, `valid and risk_level`). */
  function offlineFindings(outcome) {
    var level = outcome && outcome.valid && outcome.payload ? outcome.payload.lvl : "";
    return [level ? level : "no_declaration"];
  }

  function offlineVerdict(outcome, temperature, rules, feverC) {
    return withFever(verdictFor(offlineFindings(outcome), rules), temperature, rules, feverC);
  }

  global.truyvetQr = {
    verify: verify,
    worst: worst,
    verdictFor: verdictFor,
    withFever: withFever,
    offlineFindings: offlineFindings,
    offlineVerdict: offlineVerdict
  };
})(window);
