"""The report for funders: one page per community or network and period, with its figures
(counted as the programme dashboard counts them), the results of its surveys, its stories
of value created and, for a network, its map; printable from the browser and downloadable
as a PDF drawn on the server."""
