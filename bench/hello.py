"""The floor for bench/serve.py: a Litestar hello-world route, served by the same command line
(uvicorn, same workers and options) as Procure, so the ratio measures Procure's own cost."""

from litestar import Litestar, get


@get("/hello", sync_to_thread=False)
def hello() -> dict[str, str]:
    return {"hello": "world"}


def create() -> Litestar:
    return Litestar([hello], logging_config=None)
