"""Pictures of events: fetched from member feeds or uploaded by operators, kept and served by the hub."""
