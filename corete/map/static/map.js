/* The hub's layers on a folium map: the offline regions, then the points fetched from
   the GeoJSON API, clustered per layer. Everything that came from a feed or a citizen
   is put in the page as text (textContent, title attributes), never as HTML. */
(function () {
  "use strict";

  var KIND_LETTER = {coworking: "C", fablab: "F", coliving: "L", incubator: "I", other: "•",
                     building: "B", space: "S", service: "?"};

  function el(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  function link(href, text) {
    var a = el("a", text);
    a.href = href;  /* always a path of the hub, built by the hub */
    return a;
  }

  function formatDate(iso, lang) {
    try {
      return new Date(iso).toLocaleString(lang, {weekday: "short", day: "numeric", month: "short",
                                                 hour: "2-digit", minute: "2-digit", timeZone: "Europe/Rome"});
    } catch (e) { return iso; }
  }

  function icon(p) {
    var kind = p.kind || p.layer;
    var classes = "pin pin-" + p.layer + " pin-" + kind + (p.approximate ? " pin-approx" : "") +
                  (p.accredited ? " pin-accredited" : "");
    var letter = p.layer === "events" ? String(p.events) : (KIND_LETTER[kind] || "•");
    /* The letter is the hub's own (a kind, or a count): filtered anyway before it goes in as HTML. */
    return L.divIcon({className: classes, iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12],
                      html: "<span aria-hidden=\"true\">" + letter.replace(/[^0-9A-Z•?]/g, "") + "</span>"});
  }

  function popup(p, cfg) {
    var t = cfg.labels, box = el("div", null, "popup");
    box.appendChild(el("strong", p.name));
    var kind = p.layer === "proposals" ? t.categories[p.kind] : t.kinds[p.kind];
    if (kind) box.appendChild(el("div", kind, "popup-kind"));
    if (p.accredited) box.appendChild(el("div", t.accredited, "badge"));
    var where = [p.address, p.city].filter(Boolean).join(", ");
    if (where) box.appendChild(el("div", where));
    if (p.approximate) box.appendChild(el("div", t.approximate, "popup-approx"));
    if (p.layer === "events") {
      box.appendChild(el("div", t.n_events.replace("%d", p.events)));
      var next = el("div", t.next + " ");
      next.appendChild(link(p.next_url, p.next_title));
      next.appendChild(document.createTextNode(" · " + formatDate(p.next_start, cfg.lang)));
      box.appendChild(next);
      if (p.space_name) box.appendChild(el("div", t.host + " " + p.space_name));
    }
    var more = el("div", null, "popup-more");
    box.appendChild(more);
    if (p.layer === "spaces" && cfg.summary_url) {
      more.appendChild(el("em", t.loading));
      fetch(cfg.summary_url.replace("__slug__", encodeURIComponent(p.ref)), {headers: {Accept: "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (s) {
          more.textContent = "";
          if (s.next_events.length) {
            more.appendChild(el("div", t.next_events));
            var ul = el("ul");
            s.next_events.forEach(function (e) {
              var li = el("li");
              li.appendChild(link(e.url, e.title));
              li.appendChild(document.createTextNode(" · " + formatDate(e.start, cfg.lang)));
              if (e.cancelled) { li.className = "cancelled"; li.appendChild(el("em", " " + t.cancelled)); }
              ul.appendChild(li);
            });
            more.appendChild(ul);
          }
          if (s.skills.length) more.appendChild(el("div", t.skills + " " + s.skills.join(", ")));
        })
        .catch(function () { more.textContent = ""; });
    }
    box.appendChild(link(p.url, t.open_page));
    return box;
  }

  function readHash() {
    var m = /^#(\d{1,2})\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(window.location.hash);
    if (!m) return null;
    var zoom = +m[1], lat = +m[2], lon = +m[3];
    if (zoom > 19 || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
    return {zoom: zoom, center: [lat, lon]};
  }

  function keepHash(map, cfg) {
    /* #zoom/lat/lon follows the map; filter forms and view links carry it along. */
    function write() {
      var c = map.getCenter(), hash = "#" + map.getZoom() + "/" + c.lat.toFixed(4) + "/" + c.lng.toFixed(4);
      history.replaceState(null, "", window.location.pathname + window.location.search + hash);
      document.querySelectorAll("[data-keep-hash]").forEach(function (node) {
        var attr = node.tagName === "FORM" ? "action" : "href";
        node.setAttribute(attr, node.getAttribute(attr).split("#")[0] + hash);
      });
    }
    map.on("moveend", write);
  }

  function regions(map, cfg) {
    map.createPane("regions");
    map.getPane("regions").style.zIndex = 150;  /* below tiles (200): seen when tiles fail */
    return fetch(cfg.regions_url).then(function (r) { return r.json(); }).then(function (data) {
      L.geoJSON(data, {pane: "regions", interactive: false, attribution: cfg.regions_attribution,
                       style: {color: "#7a8a99", weight: 1, fillColor: "#eef2f5", fillOpacity: 1}}).addTo(map);
    });
  }

  function points(map, cfg) {
    var status = cfg.status_id && document.getElementById(cfg.status_id);
    if (status) status.textContent = cfg.labels.loading;
    return fetch(cfg.features_url, {headers: {Accept: "application/geo+json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var groups = {}, bounds = L.latLngBounds([]);
        data.features.forEach(function (f) {
          var p = f.properties, lon = f.geometry.coordinates[0], lat = f.geometry.coordinates[1];
          if (!groups[p.layer]) groups[p.layer] = [];
          var marker = L.marker([lat, lon], {icon: icon(p), title: p.name, alt: p.name, keyboard: true});
          marker.bindPopup(function () { return popup(p, cfg); });
          groups[p.layer].push(marker);
          bounds.extend([lat, lon]);
        });
        Object.keys(groups).forEach(function (layer) {
          var cluster = L.markerClusterGroup({showCoverageOnHover: false, maxClusterRadius: 50,
                                              clusterPane: "markerPane"});
          cluster.addLayers(groups[layer]);
          map.addLayer(cluster);
        });
        /* Without animation: the clusters are drawn for the final view before "ready". */
        if (!readHash() && bounds.isValid()) map.fitBounds(bounds.pad(0.1), {maxZoom: 13, animate: false});
        if (status) status.textContent = cfg.labels.shown.replace("%d", data.features.length);
        document.documentElement.dataset.mapPoints = String(data.features.length);
      });
  }

  function pick(map) {
    /* The proposal form: a click puts the pin and fills the latitude and longitude fields. */
    var lat = document.getElementById("pick-lat"), lon = document.getElementById("pick-lon"), pin = null;
    function place(latlng) {
      if (pin) pin.setLatLng(latlng); else pin = L.circleMarker(latlng, {radius: 9, color: "#c0392b", weight: 3}).addTo(map);
    }
    if (lat.value && lon.value && !isNaN(+lat.value) && !isNaN(+lon.value)) place([+lat.value, +lon.value]);
    map.on("click", function (e) {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      place(e.latlng);
    });
  }

  function init(map, cfg) {
    var view = readHash();
    if (view) map.setView(view.center, view.zoom, {animate: false});
    if (cfg.keep_hash) keepHash(map, cfg);
    var work = [regions(map, cfg)];
    if (cfg.point) {
      L.circleMarker(cfg.point, {radius: 9, color: "#0b5", weight: 3, fillOpacity: 0.4,
                                 dashArray: cfg.approximate ? "4 4" : null}).addTo(map);
    }
    if (cfg.features_url) work.push(points(map, cfg));
    if (cfg.pick) pick(map);
    Promise.all(work).then(function () { document.documentElement.dataset.mapReady = "1"; },
                           function (reason) {
                             if (window.console) console.error("CoRete map:", reason);
                             var status = cfg.status_id && document.getElementById(cfg.status_id);
                             if (status) status.textContent = cfg.labels.failed;
                             document.documentElement.dataset.mapReady = "error";
                           });
  }

  window.CoReteMap = {init: init};
})();
