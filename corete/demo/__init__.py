"""The demo network, served over real HTTP on localhost."""
