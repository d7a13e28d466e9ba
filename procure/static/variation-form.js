// The variation form: choosing a site offers the unit-rate estimate of its monthly fee as the
// change (added for a new site, taken off for one removed); the officer can type another.
"use strict";

(function () {
  const form = document.getElementById("variation-form");
  const site = document.getElementById("variation-site");
  const note = document.getElementById("fee-suggestion");
  if (!form || !site || !note) return;
  const template = document.currentScript?.dataset.suggest || document.querySelector("script[data-suggest]")?.dataset.suggest || "{fee}";
  function suggest() {
    const option = site.selectedOptions[0];
    const monthly = option ? parseFloat(option.dataset.monthly) : NaN;
    if (!Number.isFinite(monthly)) { note.textContent = ""; return; }
    const kind = form.elements.kind.value;
    const fee = kind === "remove_site" ? -monthly : monthly;
    note.textContent = template.replace("{fee}", fee.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }));
    const field = form.elements.monthly_fee_delta;
    if (!field.value || field.dataset.suggested === field.value) {
      field.value = kind === "change_area" ? "" : fee.toFixed(2);
      field.dataset.suggested = field.value;
    }
  }
  site.addEventListener("change", suggest);
  form.elements.kind.addEventListener("change", suggest);
})();
