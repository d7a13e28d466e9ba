// The bid form: check, then seal in this browser, then upload only ciphertext (docs/sealed-bids.md).
import { kindOf, priceProblem, sealBid } from "/static/sealing/seal.js";

const data = JSON.parse(document.getElementById("sealing-data").textContent);
const MAX_BYTES = 50 * 1024 * 1024;
const ALLOWED = { pdf: ["pdf"], jpeg: ["jpg", "jpeg"], png: ["png"], zip: ["docx", "xlsx"] };

function problemOf(file, bytes) {
  if (bytes.length === 0) return data.messages.empty.replace("{name}", file.name);
  if (bytes.length > MAX_BYTES) return data.messages.large.replace("{name}", file.name);
  const kind = kindOf(bytes);
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  if (!kind || !ALLOWED[kind].includes(ext)) return data.messages.type.replace("{name}", file.name);
  return null;
}

// Back from the next page: a form the cache restored still holds ciphertext and disabled fields.
window.addEventListener("pageshow", (event) => { if (event.persisted) location.reload(); });

for (const form of document.querySelectorAll("form.bid-form")) {
  form.querySelector(".needs-script")?.remove();
  form.querySelector("button[type=submit]").disabled = false;
  form.addEventListener("submit", async (event) => {
    if (form.dataset.sealed === "1") return;
    event.preventDefault();
    const status = form.querySelector(".seal-status");
    const say = (text, bad) => { status.textContent = text; status.className = "seal-status " + (bad ? "alert" : "muted"); };
    const price = form.elements.price.value.replace(/[,，\s]/g, "");
    if (priceProblem(price)) { say(data.messages.price, true); return; }
    const input = form.elements.documents;
    if (!input.files.length) { say(data.messages.none, true); return; }
    // Asked here, not by site.js's data-confirm: the question names the price, and it must come
    // before the sealing, which ends in form.submit() (no second submit event to ask on).
    if (form.dataset.ask && !window.confirm(form.dataset.ask.replace("{price}", price))) return;
    say(data.messages.sealing, false);
    try {
      const files = [];
      for (const file of input.files) {
        const bytes = new Uint8Array(await file.arrayBuffer());
        const problem = problemOf(file, bytes);
        if (problem) { say(problem, true); return; }
        files.push({ name: file.name, type: file.type || "", bytes });
      }
      const { envelope, blobs } = await sealBid({
        tenderId: data.tender, lotId: Number(form.dataset.lot), contractorId: data.contractor,
        threshold: data.threshold, holders: data.holders, price,
        bondForm: form.elements.bond_form.value, bondReference: form.elements.bond_reference.value.trim(), files,
      });
      form.elements.envelope.value = JSON.stringify(envelope);
      const sealed = new DataTransfer();
      blobs.forEach((blob, i) => sealed.items.add(new File([blob], `sealed-${i + 1}.bin`, { type: "application/octet-stream" })));
      input.files = sealed.files;
      for (const name of ["price", "bond_form", "bond_reference"]) form.elements[name].disabled = true;
      form.dataset.sealed = "1";
      say(data.messages.uploading, false);
      form.submit();
    } catch (error) {
      say(data.messages.failed + " (" + error + ")", true);
    }
  });
}
