// Make an opening key on this device: the private key is saved only in a file encrypted under
// the passphrase; the page registers the public half.
import { newKeyFile } from "/static/sealing/seal.js";

const data = JSON.parse(document.getElementById("key-data").textContent);
const form = document.getElementById("key-form");
form.addEventListener("submit", async (event) => {
  if (form.dataset.ready === "1") return;
  event.preventDefault();
  const status = document.getElementById("key-status");
  const say = (text, bad) => { status.textContent = text; status.className = bad ? "alert" : "muted"; };
  const pass = form.elements.passphrase.value;
  if (pass.length < 12) { say(data.messages.short, true); return; }
  if (pass !== form.elements.passphrase2.value) { say(data.messages.differ, true); return; }
  say(data.messages.making, false);
  const file = await newKeyFile(pass, data.username);
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([JSON.stringify(file, null, 2)], { type: "application/json" }));
  link.download = `procure-opening-key-${data.username}.json`;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The key cannot be recovered: register it only once the official says the file is kept.
  if (!window.confirm(data.messages.saved)) { say(data.messages.notsaved, true); return; }
  form.elements.public_key.value = file.public_key;
  form.elements.passphrase.value = form.elements.passphrase2.value = "";
  form.dataset.ready = "1";
  form.submit();
});
