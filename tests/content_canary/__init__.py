"""The content canary: what each person may read, proven on what the platform shows them.

tests/test_access.py proves the status codes; a page can answer 200 and still show something
its reader may not see (an action point of members-only minutes carried onto a public
meeting's page). So every text field of every object with an audience narrower than
"everyone" gets a unique marker (CNRY and ten hex digits) in a world with a community of
each visibility, and tests/test_content_canary.py reads every page, feed, export and search
as every role, and every e-mail the platform's jobs write, looking for markers their reader
may not see.

registry.REGISTRY says, for each model, which text fields carry a marker and who may read
each: a function of the object and the world's data (memberships, managers, registrations,
the minutes' status), written from DESIGN.md's permissions table and never from the
product's own permission functions, which would only test them against themselves. Every
text field of every model of the project's apps is in REGISTRY, in PUBLIC_TEXT or in
NOT_CONTENT (with its reason), or test_every_text_field_is_classified fails: a new app
registers there, as a new URL registers in tests/test_access.py's TABLE.

readers.py   who may read what, from the world's data (Readers)
registry.py  the registered fields and who may read each; the classification
markers.py   the markers and how they are planted
world.py     the world (the access table's place, with more of everything) and the URLs to read
"""
