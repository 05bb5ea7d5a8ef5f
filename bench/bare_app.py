"""The baseline of bench.api: a bare FastAPI app under the same server (uvicorn, one worker,
the same options `jiandu serve` uses), answering a small JSON document from a plain (sync)
endpoint, as the platform's routes are."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

app = FastAPI()


@app.get("/bare/{code}")
def bare(code: str) -> dict[str, str]:
    return {"code": code, "name": "张伟", "unit": "城关镇"}


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_config=None, log_level="warning")
