"""The checkpoint verdict rule exists twice: in Python (``checkpoints/verdicts.py``, what the
server decides) and in the tablet's JavaScript (``static/js/qrverify.js``, what a tablet
decides offline from a scanned token). One table of cases, ``verdict_cases.json``, goes
through both, and both must give the expected verdict for every case.

The JavaScript runs in Node: ``qrverify.js`` is loaded into a ``vm`` context that stands in
for the browser's ``window`` (WebCrypto, ``atob``, text codecs), real tokens signed by the
server's key are verified with the JWKS the tablet caches, and ``offlineVerdict`` judges
the outcome with the server's rules and fever threshold.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from checkpoints.verdicts import PersonFacts, judge
from truyvet.lib import signing

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((Path(__file__).with_name("verdict_cases.json")).read_text(encoding="utf-8"))["cases"]
QRVERIFY = ROOT / "static" / "js" / "qrverify.js"
NODE = shutil.which("node")

# Verifies each token as the tablet does, then judges it; prints [{reason, verdict}] in order.
NODE_SCRIPT = r"""
const fs = require("fs");
const vm = require("vm");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const context = {atob, TextEncoder, TextDecoder, crypto: globalThis.crypto};
context.window = context;
vm.createContext(context);
vm.runInContext(fs.readFileSync(input.source, "utf8"), context, {filename: input.source});
const qr = context.truyvetQr;
Promise.all(input.cases.map((c) => qr.verify(c.token, input.jwks, input.now).then((outcome) => ({
  reason: outcome.valid ? "valid" : outcome.reason,
  verdict: qr.offlineVerdict(outcome, c.temperature, input.rules, input.feverC),
})))).then((out) => process.stdout.write(JSON.stringify(out)));
"""


def _token(case: dict[str, Any], now: int) -> str:
    payload: dict[str, Any] = {"sub": "ref-of-the-traveller", "iat": now - 3600, "exp": now + 3600}
    if case["level"]:
        payload["lvl"] = case["level"]
    if case["token"] == "expired":
        payload["exp"] = now - 10
    if case["token"] == "malformed":
        return "not-a-personal-code"
    token = signing.sign(payload)
    if case["token"] == "bad_signature":
        # A well-formed signature of the right length, but over another payload.
        other = signing.sign({**payload, "lvl": "green", "sub": "someone-else"})
        token = token.rsplit(".", 1)[0] + "." + other.rsplit(".", 1)[1]
    return token


def _python_verdict(case: dict[str, Any]) -> str:
    """As the server judges: the token's holder with the level it carries, the declaration
    valid while the token is; a token that does not verify names nobody."""
    if case["token"] in {"valid", "expired"}:
        facts = PersonFacts(person_id=1, display_name="", ward_id=None, risk_level=case["level"])
        return judge(facts, declaration_valid=case["token"] == "valid", temperature=case["temperature"]).verdict
    return judge(None, temperature=case["temperature"]).verdict


def _javascript_verdicts(cases: list[dict[str, Any]], tokens: list[str], now: int) -> list[dict[str, str]]:
    assert NODE is not None
    data = {
        "source": str(QRVERIFY),
        "jwks": signing.jwks(),
        "now": now,
        "rules": settings.CHECKPOINT_VERDICTS,
        "feverC": settings.CHECKPOINT_FEVER_C,
        "cases": [
            {"token": token, "temperature": case["temperature"]} for case, token in zip(cases, tokens, strict=True)
        ],
    }
    result = subprocess.run(
        [NODE, "-e", NODE_SCRIPT], input=json.dumps(data), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    answers: list[dict[str, str]] = json.loads(result.stdout)
    return answers


def test_the_case_table_covers_every_token_outcome_and_verdict() -> None:
    assert {case["token"] for case in CASES} == {"valid", "expired", "bad_signature", "malformed"}
    assert {case["expected"] for case in CASES} == {"allow", "declare", "refer", "deny"}


@pytest.mark.skipif(NODE is None, reason="Node is needed to run the tablet's JavaScript")
def test_python_and_the_tablets_javascript_give_the_same_verdict_for_every_case() -> None:
    now = int(time.time())
    tokens = [_token(case, now) for case in CASES]
    javascript = _javascript_verdicts(CASES, tokens, now)

    wrong = []
    for case, js in zip(CASES, javascript, strict=True):
        python = _python_verdict(case)
        if js["reason"] != case["token"] or python != case["expected"] or js["verdict"] != case["expected"]:
            wrong.append(f"{case['name']}: expected {case['expected']}, Python {python}, JS {js}")
    assert not wrong, "\n".join(wrong)
