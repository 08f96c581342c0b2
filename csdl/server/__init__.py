"""``csdl serve``: a local, offline emulator of DataSift's REST API and Datastreamer's Data365
task API (the ``[serve]`` extra: Starlette and uvicorn, imported only here).

``csdl.server.app.create_app(settings)`` builds the ASGI app; ``csdl.server.settings.Settings``
configures it; ``csdl.server.store.Store`` is its SQLite store. docs/serve.md has the details.
"""
