"""Skills the members of the network's spaces publish."""
