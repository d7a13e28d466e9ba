// Maps of sites (templates/_map.html): Leaflet, vendored; tiles only when the bureau configured a
// source (PROCURE_MAP_TILES), else the district outline. Points link to their page.
"use strict";

(function () {
  if (!window.L) return;
  const palette = ["#0b6e4f", "#b54708", "#175cd3", "#c11574", "#6941c6", "#027a48", "#b42318", "#344054"];
  for (const element of document.querySelectorAll(".site-map")) {
    const points = JSON.parse(document.getElementById(element.dataset.points).textContent);
    const map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
    const groups = [];
    const layer = L.geoJSON(points, {
      pointToLayer(feature, latlng) {
        const group = feature.properties.group || "";
        if (!groups.includes(group)) groups.push(group);
        const colour = palette[groups.indexOf(group) % palette.length];
        return L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.9 });
      },
      onEachFeature(feature, marker) {
        const p = feature.properties;
        const box = document.createElement("div");
        const name = document.createElement(p.link ? "a" : "strong");
        name.textContent = p.name;
        if (p.link) name.href = p.link;
        box.append(name);
        if (p.group) { box.append(document.createElement("br"), p.group); }
        marker.bindPopup(box);
      },
    }).addTo(map);
    const fit = (bounds) => {
      if (!bounds.isValid()) return;
      if (points.features.length === 1) map.setView(bounds.getCenter(), 15); else map.fitBounds(bounds, { padding: [18, 18] });
    };
    if (element.dataset.tiles) {
      L.tileLayer(element.dataset.tiles, {
        subdomains: element.dataset.subdomains || "abc", maxZoom: 18, attribution: element.dataset.attribution,
      }).addTo(map);
      fit(layer.getBounds());
    } else {
      fetch(element.dataset.boundary).then((r) => (r.ok ? r.json() : null)).then((outline) => {
        if (!outline) { fit(layer.getBounds()); return; }
        const district = L.geoJSON(outline, { style: { color: "#0b6e4f", weight: 2, fill: true, fillOpacity: 0.05 },
                                              interactive: false }).addTo(map);
        district.bringToBack();
        const approximate = (outline.features || []).some((f) => f.properties && f.properties.approximate);
        if (approximate) map.attributionControl.addAttribution(element.dataset.outlineNote);
        fit(points.features.length ? layer.getBounds() : district.getBounds());
      }).catch(() => fit(layer.getBounds()));
    }
    element.classList.add("ready");
  }
})();
