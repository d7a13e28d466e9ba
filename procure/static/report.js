// The citizen report form: "use my location" fills the coordinates from the phone's position.
// Without script (or permission) the address field and the coordinates still work by hand.
"use strict";

(function () {
  const button = document.getElementById("use-location");
  const form = document.getElementById("report-form");
  if (!button || !form || !("geolocation" in navigator)) return;
  const status = document.getElementById("location-status");
  const say = (text) => { status.textContent = text; };
  button.hidden = false;
  button.addEventListener("click", () => {
    say(button.dataset.finding || "…");
    navigator.geolocation.getCurrentPosition((position) => {
      form.elements.lat.value = position.coords.latitude.toFixed(6);
      form.elements.long.value = position.coords.longitude.toFixed(6);
      say(`${form.elements.lat.value}, ${form.elements.long.value} (±${Math.round(position.coords.accuracy)} m)`);
    }, (error) => {
      say(button.dataset.failed || String(error.message));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
})();
