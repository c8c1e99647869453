# Models arrive with this app's features.
