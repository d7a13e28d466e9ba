// The opening hall: a countdown, the officials' presentations (polled), and for an official the
// decryption of their own shares on this device (the key file never leaves it).
import { decryptShare, openKeyFile } from "/static/sealing/seal.js";

const data = JSON.parse(document.getElementById("hall-data").textContent);
const skew = Date.parse(data.now) - Date.now();
const countdown = document.getElementById("countdown");

function tick() {
  if (!countdown || !data.deadline) return;
  const left = Math.max(0, Date.parse(data.deadline) - (Date.now() + skew));
  const s = Math.floor(left / 1000);
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  countdown.textContent = left > 0 ? data.messages.left.replace("{d}", d).replace("{h}", h).replace("{m}", m).replace("{s}", s % 60)
    : data.messages.closed;
}
tick();
setInterval(tick, 1000);

async function poll() {
  try {
    const answer = await fetch(`/api/v1/tenders/${data.tender}/hall`, { headers: { accept: "application/json" } });
    if (!answer.ok) return;
    const hall = await answer.json();
    const busy = form && (form.elements.passphrase.value || form.elements.key_file.files.length);
    if (!busy && (hall.opened !== data.opened || hall.presented !== data.presented || hall.ready !== data.ready)) {
      location.reload();
    }
  } catch (_) { /* offline for a moment: try again at the next poll */ }
}
setInterval(poll, 5000);

const form = document.getElementById("present-form");
if (form) {
  form.addEventListener("submit", async (event) => {
    if (form.dataset.ready === "1") return;
    event.preventDefault();
    const status = document.getElementById("present-status");
    const say = (text, bad) => { status.textContent = text; status.className = bad ? "alert" : "muted"; };
    try {
      const file = form.elements.key_file.files[0];
      if (!file) { say(data.messages.nofile, true); return; }
      say(data.messages.decrypting, false);
      let key;
      try {
        key = await openKeyFile(JSON.parse(await file.text()), form.elements.passphrase.value);
      } catch (_) { say(data.messages.badkey, true); return; }
      const answer = await fetch(`/tenders/${data.tender}/hall/my-shares`, { headers: { accept: "application/json" } });
      if (!answer.ok) { say(`${data.messages.failed} (HTTP ${answer.status})`, true); return; }
      const mine = await answer.json();
      if (file && mine.public_key && JSON.parse(await file.text()).public_key !== mine.public_key) {
        say(data.messages.otherkey, true); return;  // not the key this tender was sealed to
      }
      const shares = {};
      for (const item of mine.bids) {
        try {
          shares[item.bid] = await decryptShare(key, mine.holder, item.context, item.share);
        } catch (_) { /* the bidder sealed this share badly: it counts as missing (第31条) */ }
      }
      form.elements.shares.value = JSON.stringify(shares);
      form.elements.passphrase.value = "";
      form.elements.key_file.disabled = true;
      form.dataset.ready = "1";
      form.submit();
    } catch (error) { say(data.messages.failed + " (" + error + ")", true); }
  });
}
