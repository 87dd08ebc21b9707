/* A constituent letter's panel (templates/letters/includes/constituent_preview.html), improved
   when JavaScript runs: choosing a country or region refreshes "Your senators: ..." and the
   preview in place (the server renders the same panel for ?country=&region=), the signature
   form's region follows the one chosen above it, and the name, city and paragraph typed into
   the form appear in the preview. Without JavaScript the "Show who my message goes to" button does
   the same with a page load. Typed text is only ever put in as text nodes, never as HTML. */
(function () {
  "use strict";

  function setUp(panel) {
    var finder = panel.querySelector("[data-constituent-finder]");
    var result = panel.querySelector("#constituent-result");
    if (!finder || !result || !window.fetch || !window.DOMParser) { return; }
    var show = finder.querySelector("button[type=submit]");
    if (show) { show.hidden = true; show.style.display = "none"; }  // the panel follows the selects
    var country = finder.querySelector("select[name=country]");
    var region = finder.querySelector("select[name=region]");
    var form = document.querySelector("form.sign-form");
    var formRegion = form && form.querySelector("select[name=region]");
    var formCountry = form && form.querySelector("select[name=country]");
    var latest = 0;

    function signerValues() {
      if (!form) { return {}; }
      function value(name) {
        var input = form.querySelector("[name=" + name + "]");
        return input ? input.value.trim() : "";
      }
      return {
        your_name: [value("first_name"), value("last_name")].filter(Boolean).join(" "),
        your_city: value("city")
      };
    }

    var placeholder = null;  // the preview's "(Your own paragraph…)" line, kept to put back

    function fillPersonal() {
      var input = form && form.querySelector("[name=personal_message]");
      var paragraph = result.querySelector("[data-constituent-personal]");
      if (!input || !paragraph) { return; }
      if (placeholder === null) { placeholder = paragraph.cloneNode(true); }
      var text = input.value.trim();
      var nodes = [];
      if (text) {
        text.split(/\r?\n/).forEach(function (line, index) {
          if (index) { nodes.push(document.createElement("br")); }
          nodes.push(document.createTextNode(line));
        });
      } else {
        nodes = Array.prototype.slice.call(placeholder.cloneNode(true).childNodes);
      }
      paragraph.replaceChildren.apply(paragraph, nodes);
    }

    function fillSigner() {
      var values = signerValues();
      Object.keys(values).forEach(function (token) {
        result.querySelectorAll("[data-token=" + token + "]").forEach(function (mark) {
          if (!mark.dataset.placeholder) { mark.dataset.placeholder = mark.textContent; }
          mark.textContent = values[token] || mark.dataset.placeholder;
        });
      });
      fillPersonal();
    }

    function refresh() {
      var query = new URLSearchParams();
      if (country && country.value) { query.set("country", country.value); }
      if (region && region.value) { query.set("region", region.value); }
      var url = finder.getAttribute("action").split("#")[0] + "?" + query.toString();
      var request = ++latest;
      result.setAttribute("aria-busy", "true");
      fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
        .then(function (response) { return response.ok ? response.text() : Promise.reject(response.status); })
        .then(function (html) {
          if (request !== latest) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("constituent-result");
          if (fresh) {
            result.replaceChildren.apply(result, Array.prototype.slice.call(fresh.childNodes).map(function (node) {
              return document.importNode(node, true);
            }));
            fillSigner();
          }
        })
        .catch(function () { /* the button still works */ })
        .then(function () { result.removeAttribute("aria-busy"); });
    }

    function regionCountry(value) {
      return value && value.indexOf(":") > 0 ? value.split(":")[0] : "";
    }

    if (region) {
      region.addEventListener("change", function () {
        var code = regionCountry(region.value);
        if (code && country) { country.value = code; }
        if (formRegion) { formRegion.value = region.value; }
        if (code && formCountry && !formCountry.value) { formCountry.value = code; }
        refresh();
      });
    }
    if (country) { country.addEventListener("change", refresh); }
    if (formRegion) {
      formRegion.addEventListener("change", function () {
        if (region) { region.value = formRegion.value; }
        var code = regionCountry(formRegion.value);
        if (code && country) { country.value = code; }
        refresh();
      });
    }
    if (form) {
      ["first_name", "last_name", "city", "personal_message"].forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        if (input) { input.addEventListener("input", fillSigner); }
      });
    }
  }

  document.querySelectorAll("[data-constituent]").forEach(setUp);
})();
