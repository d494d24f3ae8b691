"""The only module that uses folium: it builds the maps the pages embed.

folium writes the Leaflet map and its layers; the hub decides where every asset comes
from. Its defaults load 13 files from 4 CDNs, so every element's asset list is replaced
by the hub's own URLs (Leaflet and supercluster installed from npm, see vendor.py). Of the document folium would write, only the asset links, the map's
``<div>`` and its script are kept: its header also disables pinch zoom
(``user-scalable=no``) and makes the page's body full-screen, which the hub's pages
must not do.

Nothing from a feed or a citizen goes into what folium renders: the markers are
fetched from the GeoJSON API and built in the browser with text nodes (static/map.js),
and the configuration passed here is serialised with Jinja's ``tojson``, which escapes
``<``, ``>``, ``&`` and quotes.
"""
from __future__ import annotations

from dataclasses import dataclass

import folium
from branca.element import CssLink, JavascriptLink
from folium.elements import JSCSSMixin
from folium.template import Template
from markupsafe import Markup

# Italy as a whole: where a map starts when nothing else says.
ITALY_CENTER = (42.5, 12.5)
ITALY_ZOOM = 6
MAX_ZOOM = 19
MIN_ZOOM = 5  # all of Italy: wider shows nothing of the network's


@dataclass(frozen=True)
class Assets:
    """The hub's URLs of the files a map needs."""

    leaflet_js: str
    leaflet_css: str
    cluster_js: str
    map_js: str


@dataclass(frozen=True)
class MapParts:
    """What a page puts in its head (style sheets), where the map goes, and at the end of
    its body (scripts, then the map's own): the page shows before the scripts load."""

    css: Markup
    html: Markup
    js: Markup
    script: Markup
    approximate: bool = False  # a municipality's centre, not the place itself


class HubLayers(JSCSSMixin):
    """Hands the folium map to static/map.js, which draws the hub's layers on it."""

    _template = Template("""
        {% macro script(this, kwargs) %}
            CoReteMap.init({{ this._parent.get_name() }}, {{ this.config|tojson }});
        {% endmacro %}
    """)

    def __init__(self, config: dict, assets: Assets):
        super().__init__()
        self._name = "HubLayers"
        self.config = config
        self.default_js = [("supercluster", assets.cluster_js), ("corete_map", assets.map_js)]
        self.default_css = []


def _base_map(assets: Assets, *, tiles_url: str | None, tiles_attribution: str | None,
              center=ITALY_CENTER, zoom=ITALY_ZOOM) -> folium.Map:
    # maxZoom goes to Leaflet itself (folium's max_zoom only reaches a tile layer, and
    # there may be none): marker clustering refuses a map without one.
    m = folium.Map(location=center, zoom_start=zoom, tiles=None, control_scale=True, width="100%", height="100%",
                   maxZoom=MAX_ZOOM, minZoom=MIN_ZOOM)
    m.default_js = [("leaflet", assets.leaflet_js)]
    m.default_css = [("leaflet_css", assets.leaflet_css)]
    if tiles_url:
        folium.TileLayer(tiles=tiles_url, attr=tiles_attribution or "", name="tiles", max_zoom=MAX_ZOOM,
                         control=False).add_to(m)
    return m


def _parts(m: folium.Map) -> MapParts:
    root = m.get_root()
    root.render()
    children = list(root.header._children.values())
    css = [child.render() for child in children if isinstance(child, CssLink)]
    js = [child.render() for child in children if isinstance(child, JavascriptLink)]
    return MapParts(Markup("\n".join(css)), Markup(root.html.render()), Markup("\n".join(js)),
                    Markup(root.script.render()))


def network_map(config: dict, assets: Assets, *, tiles_url: str | None = None,
                tiles_attribution: str | None = None) -> MapParts:
    """The network's map: the offline regions, tiles if configured, and the hub's layers
    (spaces, event venues, proposals) fetched from ``config["features_url"]``."""
    m = _base_map(assets, tiles_url=tiles_url, tiles_attribution=tiles_attribution)
    HubLayers(config, assets).add_to(m)
    return _parts(m)


def picker_map(center, zoom: int, config: dict, assets: Assets, *, tiles_url: str | None = None,
               tiles_attribution: str | None = None) -> MapParts:
    """A map to point at a place with (a form's latitude and longitude follow the pin)."""
    m = _base_map(assets, tiles_url=tiles_url, tiles_attribution=tiles_attribution, center=center, zoom=zoom)
    HubLayers(dict(config, pick=True), assets).add_to(m)
    return _parts(m)


def point_map(lat: float, lon: float, config: dict, assets: Assets, *, approximate: bool = False,
              tiles_url: str | None = None, tiles_attribution: str | None = None) -> MapParts:
    """A small map of one place (a space's page, an event's page); an approximate one (a
    municipality's centre) is shown wider, its marker dashed."""
    m = _base_map(assets, tiles_url=tiles_url, tiles_attribution=tiles_attribution, center=(lat, lon),
                  zoom=11 if approximate else 15)
    HubLayers(dict(config, point=[lat, lon], approximate=approximate), assets).add_to(m)
    parts = _parts(m)
    return MapParts(parts.css, parts.html, parts.js, parts.script, approximate=approximate)
