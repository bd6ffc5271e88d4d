"""The action server: rasa-sdk's endpoint plus what the project needs around it.

- The engines (FAQ index, recommender, market data) are loaded once, before
  the server accepts requests, by ``actions.services.warm_up``.
- Chart images written by the market actions are served under ``/charts/``.
- rasa-sdk's own 500 handler echoes the request body, which holds the
  customer's messages; ours answers with a generic error and logs only the
  exception.

Run with ``python -m assistant.action_server --port 5055`` (the launcher does).
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request

from assistant import settings

logger = logging.getLogger(__name__)


def build_app(action_package: str = "actions") -> Sanic:
    app = create_app(action_package, cors_origins="*")
    chart_dir = Path(settings.get("CHART_DIR"))
    chart_dir.mkdir(parents=True, exist_ok=True)
    app.static("/charts", str(chart_dir), name="charts")

    async def internal_error(request: Request, exception: Exception) -> response.HTTPResponse:
        if isinstance(exception, SanicException) and exception.status_code < 500:
            return response.json({"error": str(exception)}, status=exception.status_code)
        logger.error("action server error on %s: %s", request.path, type(exception).__name__, exc_info=exception)
        return response.json({"error": "internal error in the action server"}, status=500)

    app.error_handler.add(Exception, internal_error)

    @app.before_server_start
    async def warm_up(_app: Sanic, _loop: object) -> None:
        from actions import services

        services.warm_up()

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=settings.get_int("ACTION_SERVER_PORT"))
    parser.add_argument("--host", default="0.0.0.0")
    args = parser.parse_args()
    logging.basicConfig(level=settings.get("LOG_LEVEL"), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    build_app().run(args.host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
