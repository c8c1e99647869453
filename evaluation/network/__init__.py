"""The network map: how a network's communities hold together (shared people, shared
organisations, adopted resources), who spans them, and how that changed over a year."""
