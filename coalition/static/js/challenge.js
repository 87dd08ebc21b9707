/* Solves the signature form's proof of work in the background (coalition.core.challenge).
   Without JavaScript, or without Web Crypto (pages not served over https), the person
   answers the sum instead, so the form always works. */
(function () {
  "use strict";

  function zeroBits(bytes) {
    var bits = 0;
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] === 0) { bits += 8; continue; }
      return bits + Math.clz32(bytes[i]) - 24;
    }
    return bits;
  }

  async function solve(token, bits) {
    var encoder = new TextEncoder();
    for (var n = 0; ; n++) {
      var digest = await crypto.subtle.digest("SHA-256", encoder.encode(token + ":" + n));
      if (zeroBits(new Uint8Array(digest)) >= bits) { return String(n); }
      if (n % 5000 === 4999) { await new Promise(function (r) { setTimeout(r, 0); }); }
    }
  }

  function setUp(form) {
    var token = form.querySelector("input[name=challenge]");
    var pow = form.querySelector("input[name=pow]");
    var question = form.querySelector(".challenge-question");
    var status = form.querySelector(".sign-form__status");
    if (!token || !pow || !window.crypto || !crypto.subtle || !window.TextEncoder) { return; }
    var hasError = question && question.querySelector(".errorlist");
    if (question && !hasError) { question.hidden = true; }
    var solved = null;
    var waiting = false;
    var work = solve(token.value, parseInt(form.dataset.challengeBits, 10) || 0).then(function (value) {
      solved = value;
      pow.value = value;
    }, function () {
      solved = "";  // no proof of work in this browser: the person answers the sum instead
      if (question) { question.hidden = false; }
    });
    form.addEventListener("submit", function (event) {
      if (solved !== null) { return; }
      event.preventDefault();  // a second press while checking must not send the form unsolved
      if (waiting) { return; }
      waiting = true;
      if (status) { status.textContent = status.dataset.checking || "Checking your browser…"; }
      work.then(function () {
        if (pow.value) { form.submit(); return; }
        waiting = false;
        if (status) { status.textContent = ""; }
      });
    });
  }

  document.querySelectorAll("form[data-challenge]").forEach(setUp);
})();
