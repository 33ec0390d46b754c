"""The radar page: an ASGI server (Starlette + uvicorn) and the static page it ships.

An application: it composes the layers below (the embedded airspaces, the live state of
``watch``, the register) and nothing but ``cli/`` imports it. The server reads its data through
two small protocols (``model.LiveSource`` for the live aircraft, ``model.RegisterReader`` for
passages and warnings) so that ``skyborder serve --db DB`` and ``skyborder watch ... --serve``
differ only in the thin adapters they hand to :func:`skyborder.web.app.create_app`.

Modules:

- ``model``      what the page is told: the aircraft columns, the protocols, the page settings;
- ``airspaces``  border geometry simplified per zoom level and cut to a bounding box (GeoJSON);
- ``stream``     the live push: one server-sent-events stream per client, each frame encoded once;
- ``security``   token check, request size limits, security headers, host check;
- ``static``     the page's files, read once from the package (no path from a request ever
                 reaches the file system);
- ``app``        the routes; ``server`` runs them under uvicorn (in the foreground or in a thread);
- ``simulated``  a live source fed by the traffic simulator (benchmarks, tests, demonstrations).
"""
