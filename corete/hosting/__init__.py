"""Spaces whose feed the hub hosts: the operators' editor and the feeds it publishes.

Many spaces have no developer to publish a feed. Their operators edit the space's
profile, events, skills and needs here; the hub publishes them as an ordinary member
feed (/spaces/<slug>/feed.json) and polls it like every other, so the network has one
data path whoever hosts the feed.
"""
