// Procure's few page behaviours, for every page (base.html). Each works without this file too:
// the menu opens by :target, tables scroll inside their card, forms submit without asking.
"use strict";

// The phone menu: a toggle instead of a jump to #site-menu.
function foldMenu() {
  const toggle = document.querySelector(".menu-toggle");
  const bar = document.querySelector(".topbar");
  if (!toggle || !bar) return;
  toggle.addEventListener("click", (event) => {
    event.preventDefault();
    const open = bar.classList.toggle("open");
    toggle.setAttribute("aria-expanded", String(open));
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && bar.classList.contains("open")) {
      bar.classList.remove("open");
      toggle.setAttribute("aria-expanded", "false");
      toggle.focus();
    }
  });
}

// Tables become cards on a phone: each cell is labelled with its column's heading, and the
// column marked th.key (net amount, score, deadline) comes first. A table with fields to fill
// keeps its columns (it scrolls inside its card), since a sheet reads across a row.
function cardTables() {
  for (const table of document.querySelectorAll("table.data")) {
    if (table.classList.contains("keep-columns") || table.querySelector("input:not([type=hidden]):not([type=checkbox]), select, textarea")) continue;
    const head = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    if (!head) continue;
    const columns = [];
    for (const th of head.cells) {
      for (let i = 0; i < (th.colSpan || 1); i++) columns.push(th);
    }
    for (const body of table.tBodies) {
      for (const row of body.rows) {
        let at = 0;
        for (const cell of row.cells) {
          const th = columns[at];
          if (th) {
            const label = th.textContent.trim();
            if (label && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", label);
            if (th.classList.contains("key")) cell.classList.add("key");
          }
          at += cell.colSpan || 1;
        }
      }
    }
    table.classList.add("cards");
  }
}

// An irreversible action asks first: <form data-confirm="…"> or <button data-confirm="…">.
function confirmIrreversible() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    const button = event.submitter;
    const question = (button && button.dataset.confirm) || form.dataset.confirm;
    if (question && !window.confirm(question)) event.preventDefault();
  });
}

foldMenu();
cardTables();
confirmIrreversible();
