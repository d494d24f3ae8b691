"""The shared participatory map: spaces, event venues and citizens' proposals (GeoJSON, CSV, pages)."""
