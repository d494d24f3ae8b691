/* The hub's layers on a folium map: the offline regions, then the points fetched from
   the GeoJSON API, clustered per layer. Everything that came from a feed or a citizen
   is put in the page as text (textContent, title attributes), never as HTML. */
(function () {
  "use strict";

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

  function icon(p, letters) {
    /* One icon per look, shared by every marker that has it (25,000 markers, a few dozen icons). */
    var kind = p.kind || p.layer;
    var classes = "pin pin-" + p.layer + " pin-" + kind + (p.approximate ? " pin-approx" : "") +
                  (p.accredited ? " pin-accredited" : "");
    var count = p.layer === "events" ? p.events : p.layer === "resources" ? p.resources : null;
    var letter = count !== null ? (count > 9 ? "9+" : String(count)) : (letters[kind] || "•");
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
      if (p.next_picture) {  /* the hub's own copy: the visitor's browser never asks a member site */
        var img = el("img", null, "popup-picture");
        img.src = p.next_picture; img.alt = ""; img.loading = "lazy";
        box.insertBefore(img, box.firstChild);
      }
      box.appendChild(el("div", p.events === 1 ? t.one_event : t.n_events.replace("%d", p.events)));
      var next = el("div", t.next + " ");
      next.appendChild(link(p.url, p.next_title));
      next.appendChild(document.createTextNode(" · " + formatDate(p.next_start, cfg.lang)));
      box.appendChild(next);
      if (p.space_name) box.appendChild(el("div", t.host + " " + p.space_name));
    }
    if (p.resources) {  /* a place's rooms and equipment (a space's own, or those elsewhere) */
      var shared = el("div", (p.resources === 1 ? t.one_resource : t.n_resources.replace("%d", p.resources)) + " · ");
      shared.appendChild(link(p.resources_url || p.url, t.see_resources));
      box.appendChild(shared);
    }
    if (p.offers) {  /* what the space offers the rest of the network */
      var offered = el("div", (p.offers === 1 ? t.one_offer : t.n_offers.replace("%d", p.offers)) + " · ");
      offered.appendChild(link(p.offers_url, t.see_offers));
      box.appendChild(offered);
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

  var LAYERS = ["spaces", "events", "proposals", "resources"];

  var CLUSTER_MAX = 16;  /* the last zoom supercluster clusters at */
  var PIN = 28;  /* a marker's size in pixels: closer points would overlap */

  var WEIGHT = {spaces: 1, events: 1e6, proposals: 1e12, resources: 0};

  function byLayer(code, resources) {
    return {spaces: code % 1e6, events: Math.floor(code / 1e6) % 1e6, proposals: Math.floor(code / 1e12),
            resources: resources};
  }

  function latLngOf(f) {
    return L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
  }

  function clusterIcon(count, counts) {
    /* Coloured as its layer when all its points are of one layer, neutral when mixed. */
    var size = count < 10 ? 30 : count < 100 ? 36 : count < 1000 ? 42 : 48;
    var text = count < 1000 ? String(count) : Math.floor(count / 1000) + "k";
    var only = LAYERS.filter(function (layer) { return counts[layer] === count; })[0] || "mixed";
    return L.divIcon({className: "pin-cluster pin-cluster-" + only, iconSize: [size, size],
                      html: "<span aria-hidden=\"true\">" + text + "</span>"});
  }

  function activate(marker, action) {
    /* A click, or Enter or Space on a marker the keyboard focused (Leaflet makes markers
       focusable buttons, but only a popup bound to one answers the keyboard). */
    marker.on("click", action);
    marker.on("keydown", function (e) {
      var key = e.originalEvent.key;
      if (key === "Enter" || key === " ") { L.DomEvent.preventDefault(e.originalEvent); action(); }
    });
  }

  function pointPopup(map, at, p, cfg) {
    L.popup({offset: [0, -12]}).setLatLng(at).setContent(popup(p, cfg)).openOn(map);
  }

  function sharedPlace(map, at, leaves, cfg) {
    /* Points at one place (a space and its events' venue): the map cannot zoom them apart,
       so their names are listed; each opens its own popup. */
    var box = el("div", null, "popup"), ul = el("ul", null, "popup-list");
    var shown = L.popup({offset: [0, -12]}).setLatLng(at);
    box.appendChild(el("strong", cfg.labels.here.replace("%d", leaves.length)));
    leaves.forEach(function (f) {
      var p = f.properties, li = el("li"), button = el("button", p.name, "linklike");
      button.type = "button";
      button.addEventListener("click", function () { shown.setContent(popup(p, cfg)); });
      li.appendChild(button);
      li.appendChild(el("span", " · " + cfg.labels.layers[p.layer], "popup-kind"));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    shown.setContent(box).openOn(map);
  }

  function points(map, cfg) {
    /* Clustering by supercluster: every layer's points in one index, so no marker ever
       covers another (a space and its event venue share a place), and only what the view
       shows drawn (clusters or single markers) after every move. */
    var status = cfg.status_id && document.getElementById(cfg.status_id);
    if (status) status.textContent = cfg.labels.loading;
    return fetch(cfg.features_url, {headers: {Accept: "application/geo+json"}})
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        performance.mark("corete-points-parsed");  /* bench/bench_map.py reports these steps */
        var bounds = L.latLngBounds([]);
        data.features.forEach(function (f) {
          bounds.extend([f.geometry.coordinates[1], f.geometry.coordinates[0]]);
        });
        /* supercluster clusters up to CLUSTER_MAX (each level more costs the first page
           load about 170 ms for 25,000 points); beyond it, points that would overlap are
           grouped here, among the few the view shows. */
        var index = new Supercluster({
          radius: 60, maxZoom: CLUSTER_MAX,
          /* Each cluster counts its points by layer in one number, cheaper than three counts
             (bench_map.py): spaces + events × 10⁶ + proposals × 10¹². */
          map: function (p) { return {layers: WEIGHT[p.layer], resources: p.layer === "resources" ? 1 : 0}; },
          reduce: function (acc, c) { acc.layers += c.layers; acc.resources += c.resources; }
        }).load(data.features);
        var group = L.layerGroup().addTo(map);
        performance.mark("corete-indexed");

        function together(leaves) {
          /* Points that still overlap at the map's last zoom: one place, for the map. */
          var first = map.project(latLngOf(leaves[0]), map.getMaxZoom());
          return leaves.every(function (f) { return map.project(latLngOf(f), map.getMaxZoom()).distanceTo(first) < PIN; });
        }

        function open(at, leaves, next) {
          if (next <= map.getMaxZoom() && !together(leaves)) map.setView(at, next);
          else sharedPlace(map, at, leaves, cfg);
        }

        function groupMarker(at, count, counts, onOpen) {
          var label = cfg.labels.cluster.replace("%d", count);
          var marker = L.marker(at, {icon: clusterIcon(count, counts), title: label, alt: label});
          activate(marker, onOpen);
          return marker;
        }

        function draw() {
          var b = map.getBounds(), zoom = Math.round(map.getZoom());
          var box = [Math.max(b.getWest(), -180), Math.max(b.getSouth(), -85), Math.min(b.getEast(), 180),
                     Math.min(b.getNorth(), 85)];
          /* A marker that had the keyboard's focus is redrawn: the focus goes back to the
             map (not to the page's start), so Tab continues with the markers now shown. */
          var focused = group.getLayers().some(function (m) { return m.getElement() === document.activeElement; });
          group.clearLayers();
          var found = index.getClusters(box, zoom), singles = [];
          found.forEach(function (f) {
            var c = f.geometry.coordinates, at = [c[1], c[0]], p = f.properties;
            if (!p.cluster) { singles.push(f); return; }
            group.addLayer(groupMarker(at, p.point_count, byLayer(p.layers, p.resources), function () {
              var next = index.getClusterExpansionZoom(p.cluster_id);
              if (next <= CLUSTER_MAX) map.setView(at, next);
              else open(at, index.getLeaves(p.cluster_id, Infinity), next);
            }));
          });
          nearby(singles, zoom).forEach(function (leaves) {
            var at = latLngOf(leaves[0]), p = leaves[0].properties;
            if (leaves.length === 1) {
              var marker = L.marker(at, {icon: icon(p, cfg.letters), title: p.name, alt: p.name});
              activate(marker, function () { pointPopup(map, at, p, cfg); });
              group.addLayer(marker);
              return;
            }
            var counts = {};
            LAYERS.forEach(function (l) { counts[l] = leaves.filter(function (f) { return f.properties.layer === l; }).length; });
            group.addLayer(groupMarker(at, leaves.length, counts, function () { open(at, leaves, zoom + 1); }));
          });
          if (focused) map.getContainer().focus({preventScroll: true});
        }

        function nearby(features, zoom) {
          /* Single points closer than a marker's size at this zoom, in groups (greedy: a
             point joins the first group whose first point is that close). */
          var groups = [];
          features.forEach(function (f) {
            var px = map.project(latLngOf(f), zoom);
            for (var i = 0; i < groups.length; i++) {
              if (groups[i].px.distanceTo(px) < PIN) { groups[i].leaves.push(f); return; }
            }
            groups.push({px: px, leaves: [f]});
          });
          return groups.map(function (g) { return g.leaves; });
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

  function pick(map, cfg) {
    /* The forms with a position (a proposal, a space's profile, an event's venue): a click
       puts the pin, the pin can be dragged, and the latitude and longitude fields follow.
       Typed coordinates move the pin; "show it on the map" centres on a municipality. */
    var lat = document.getElementById("pick-lat"), lon = document.getElementById("pick-lon"), pin = null;
    if (!lat || !lon) return;
    function fill(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      lat.dispatchEvent(new Event("change", {bubbles: true}));
    }
    function place(latlng) {
      if (pin) { pin.setLatLng(latlng); return; }
      pin = L.marker(latlng, {draggable: true, title: cfg.labels.pin || "", alt: cfg.labels.pin || "",
                              icon: L.divIcon({className: "pin pin-pick", iconSize: [22, 22], iconAnchor: [11, 11]})}).addTo(map);
      pin.on("dragend", function () { fill(pin.getLatLng()); });
    }
    function typed() {
      var a = +String(lat.value).replace(",", "."), b = +String(lon.value).replace(",", ".");
      if (lat.value && lon.value && !isNaN(a) && !isNaN(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) place([a, b]);
    }
    typed();
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    map.on("click", function (e) { place(e.latlng); fill(e.latlng); });
    var city = document.getElementById("pick-city");
    if (city && cfg.places_url) {
      var button = el("button", cfg.labels.find, "pick-find"), said = el("span", "", "pick-said");
      button.type = "button";
      said.setAttribute("role", "status");
      city.insertAdjacentElement("afterend", said);
      city.insertAdjacentElement("afterend", button);
      button.addEventListener("click", function () {
        said.textContent = "";
        fetch(cfg.places_url + "?q=" + encodeURIComponent(city.value), {headers: {Accept: "application/json"}})
          .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
          .then(function (p) { map.setView([p.lat, p.lon], 13); said.textContent = p.name; },
                function () { said.textContent = cfg.labels.not_found; });
      });
    }
  }

  function watchTiles(map, tiles, cfg) {
    /* A street map that cannot be reached (offline, blocked, the server down) leaves the
       regions drawn beneath it; the visitor is told, once, in the map's corner. */
    var loaded = false, note = null, root = document.documentElement;
    tiles.on("tileload", function () {
      loaded = true;
      root.dataset.mapTiles = "loaded";
      if (note) { note.remove(); note = null; }
    });
    tiles.on("tileerror", function () {
      if (loaded || note) return;
      root.dataset.mapTiles = "failed";
      note = L.control({position: "bottomleft"});
      note.onAdd = function () {
        var box = el("div", cfg.labels.no_tiles, "map-note leaflet-control");
        box.setAttribute("role", "status");
        return box;
      };
      note.addTo(map);
    });
  }

  function init(map, cfg) {
    var view = readHash();
    if (view) map.setView(view.center, view.zoom, {animate: false});
    if (cfg.keep_hash) keepHash(map, cfg);
    var work = [regions(map, cfg)];
    map.eachLayer(function (layer) { if (layer instanceof L.TileLayer) watchTiles(map, layer, cfg); });
    if (cfg.point) {
      L.circleMarker(cfg.point, {radius: 9, color: "#0b5", weight: 3, fillOpacity: 0.4,
                                 dashArray: cfg.approximate ? "4 4" : null}).addTo(map);
    }
    if (cfg.features_url) work.push(points(map, cfg));
    if (cfg.pick) pick(map, cfg);
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
