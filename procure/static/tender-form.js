// The tender form's site picker: filter the sites in the page (nothing reloads, nothing typed is
// lost), tick several and put them into a lot at once, and watch each lot's area and unit-rate
// estimate against its ceiling. Without script every site still has its own lot select.
"use strict";

(function () {
  const form = document.getElementById("tender-form");
  const table = document.getElementById("candidates");
  if (!form || !table) return;
  const rows = Array.from(table.tBodies[0].rows).filter((row) => row.dataset.code);
  const $ = (id) => document.getElementById(id);
  const search = $("site-search"), street = $("site-street"), kind = $("site-kind"), status = $("site-status");
  const cents = (text) => (text ? Math.round(parseFloat(String(text).replace(/[,，\s]/g, "")) * 100) : NaN);
  const yuan = (c) => (c / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const lotOf = (row) => row.querySelector("select").value;

  $("site-filters").hidden = false;
  $("tick-all").hidden = false;
  for (const box of table.querySelectorAll("input.tick")) box.hidden = false;

  function shown(row) {
    const words = search.value.trim().toLowerCase();
    if (words && !(row.dataset.name.toLowerCase().includes(words) || row.dataset.code.toLowerCase().includes(words))) return false;
    if (street.value && row.dataset.street !== street.value) return false;
    if (kind.value && row.dataset.kind !== kind.value) return false;
    if (status.value === "free" && row.dataset.status !== "free" && !lotOf(row)) return false;
    if (status.value === "mine" && !lotOf(row)) return false;
    return true;
  }

  function filter() {
    let count = 0;
    for (const row of rows) {
      const visible = shown(row);
      row.hidden = !visible;
      if (visible) count += 1;
    }
    $("site-shown").textContent = `${count} / ${rows.length}`;
  }

  function totals() {
    for (const line of $("lot-totals").tBodies[0].rows) {
      const lot = line.dataset.lot;
      let count = 0, area = 0, year = 0, unpriced = 0;
      for (const row of rows) {
        if (lotOf(row) !== lot) continue;
        count += 1;
        area += cents(row.dataset.area);
        if (row.dataset.year) year += cents(row.dataset.year); else unpriced += 1;
      }
      const months = parseInt(form.elements[`l${lot}_term_months`]?.value || "", 10);
      const ceiling = cents(form.elements[`l${lot}_ceiling_price`]?.value);
      const term = Number.isFinite(months) && months > 0 ? Math.round(year * months / 12) : NaN;
      const cell = (name) => line.querySelector(`[data-total=${name}]`);
      cell("count").textContent = String(count);
      cell("area").textContent = yuan(area);
      cell("year").textContent = yuan(year) + (unpriced ? ` (+${unpriced}?)` : "");
      cell("term").textContent = Number.isFinite(term) ? yuan(term) : "—";
      cell("ceiling").textContent = Number.isFinite(ceiling) ? yuan(ceiling) : "—";
      const over = Number.isFinite(term) && Number.isFinite(ceiling) && term > ceiling;
      line.classList.toggle("over-ceiling", over);
      cell("term").title = over ? (table.dataset.over || "") : "";
    }
  }

  $("tick-all").addEventListener("change", (event) => {
    for (const row of rows) {
      const box = row.querySelector("input.tick");
      if (!row.hidden && !box.disabled) box.checked = event.target.checked;
    }
  });
  $("bulk-assign").addEventListener("click", () => {
    const lot = $("bulk-lot").value;
    for (const row of rows) {
      const box = row.querySelector("input.tick");
      if (box.checked && !box.disabled) {
        row.querySelector("select").value = lot;
        box.checked = false;
      }
    }
    $("tick-all").checked = false;
    totals();
    filter();
  });
  for (const control of [search, street, kind, status]) control.addEventListener("input", filter);
  form.addEventListener("input", (event) => {
    if (event.target.matches("select[name^=site_], input[name$=_term_months], input[name$=_ceiling_price]")) totals();
  });
  form.addEventListener("change", (event) => {
    if (event.target.matches("select[name^=site_]")) totals();
  });
  filter();
  totals();
})();
