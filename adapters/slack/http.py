"""Serving an aiohttp application (Slack's HTTP mode), in the bot's process or in the HTTP front's."""

from __future__ import annotations

from aiohttp import web


async def serve_http(app: web.Application, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve ``app`` on ``host:port`` (``port`` 0: any free port); the runner (``await runner.cleanup()``
    to stop) and the bound port."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound = next((int(a[1]) for a in runner.addresses if isinstance(a, tuple)), port)
    return runner, bound
