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

  var icons = {};

  function icon(p) {
    /* One icon per look, shared by every marker that has it (25,000 markers, a few dozen icons). */
    var kind = p.kind || p.layer;
    var classes = "pin pin-" + p.layer + " pin-" + kind + (p.approximate ? " pin-approx" : "") +
                  (p.accredited ? " pin-accredited" : "");
    var letter = p.layer === "events" ? (p.events > 9 ? "9+" : String(p.events)) : (KIND_LETTER[kind] || "•");
    var key = classes + "|" + letter;
    if (!icons[key]) {
      /* The letter is the hub's own (a kind, or a count): filtered anyway before it goes in as HTML. */
      icons[key] = L.divIcon({className: classes, iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -12],
                              html: "<span aria-hidden=\"true\">" + letter.replace(/[^0-9A-Z•?+]/g, "") + "</span>"});
    }
    return icons[key];
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
      box.appendChild(el("div", p.events === 1 ? t.one_event : t.n_events.replace("%d", p.events)));
      var next = el("div", t.next + " ");
      next.appendChild(link(p.url, p.next_title));
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

  function clusterIcon(layer, count) {
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48;
    var text = count < 1000 ? String(count) : Math.floor(count / 1000) + "k";
    return L.divIcon({className: "pin-cluster pin-cluster-" + layer, iconSize: [size, size],
                      html: "<span aria-hidden=\"true\">" + text + "</span>"});
  }

  function points(map, cfg) {
    /* Clustering by supercluster: each layer's points indexed once, and only what the view
       shows drawn (clusters or single markers) after every move. */
    var status = cfg.status_id && document.getElementById(cfg.status_id);
    if (status) status.textContent = cfg.labels.loading;
    return fetch(cfg.features_url, {headers: {Accept: "application/geo+json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        performance.mark("corete-points-parsed");  /* bench/bench_map.py reports these steps */
        var byLayer = {}, layers = {}, bounds = L.latLngBounds([]);
        data.features.forEach(function (f) {
          (byLayer[f.properties.layer] = byLayer[f.properties.layer] || []).push(f);
          bounds.extend([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
        });
        Object.keys(byLayer).forEach(function (layer) {
          layers[layer] = {index: new Supercluster({radius: 60, maxZoom: 16}).load(byLayer[layer]),
                           group: L.layerGroup().addTo(map)};
        });
        performance.mark("corete-indexed");

        function draw() {
          var b = map.getBounds(), zoom = Math.round(map.getZoom());
          var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -85), Math.min(b.getEast(), 180),
                     Math.min(b.getNorth(), 85)];
          Object.keys(layers).forEach(function (layer) {
            var l = layers[layer];
            l.group.clearLayers();
            l.index.getClusters(box, zoom).forEach(function (f) {
              var c = f.geometry.coordinates, at = [c[1], c[0]], p = f.properties, marker;
              if (p.cluster) {
                var label = cfg.labels.cluster.replace("%d", p.point_count);
                marker = L.marker(at, {icon: clusterIcon(layer, p.point_count), title: label, alt: label});
                marker.on("click", function () { map.setView(at, l.index.getClusterExpansionZoom(p.cluster_id)); });
              } else {
                marker = L.marker(at, {icon: icon(p), title: p.name, alt: p.name});
                marker.on("click", function () {
                  L.popup({offset: [0, -12]}).setLatLng(at).setContent(popup(p, cfg)).openOn(map);
                });
              }
              l.group.addLayer(marker);
            });
          });
        }

        map.on("moveend", draw);
        /* Without animation: drawn for the final view before "ready". */
        if (!readHash() && bounds.isValid()) map.fitBounds(bounds.pad(0.1), {maxZoom: 13, animate: false});
        draw();
        performance.mark("corete-drawn");
        if (status) status.textContent = (data.features.length === 1 ? cfg.labels.one_shown : cfg.labels.shown.replace("%d", data.features.length));
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
