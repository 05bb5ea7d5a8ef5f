"""The HTTP tests' client asks again while a read with ``min_position`` is answered "not
reached position yet" (503, Retry-After), as the API tells clients to; it returns every other
answer as it came."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException

from tests.support.http import PatientClient


def app_behind_for(times: int) -> tuple[FastAPI, list[int]]:
    app, asked = FastAPI(), []

    @app.get("/fresh")
    def fresh(min_position: int) -> dict[str, int]:
        asked.append(min_position)
        if len(asked) <= times:
            raise HTTPException(503, f"the read models have not reached position "
                                f"{min_position} yet", headers={"Retry-After": "1"})  # fmt: skip
        return {"position": min_position}

    @app.get("/down")
    def down() -> None:
        asked.append(0)
        raise HTTPException(503, "the search engine is unavailable", headers={"Retry-After": "1"})

    return app, asked


def test_a_read_behind_is_asked_again_until_it_is_answered() -> None:
    app, asked = app_behind_for(3)
    with PatientClient(app) as client:
        answer = client.get("/fresh", params={"min_position": 7})
    assert answer.status_code == 200 and answer.json() == {"position": 7}
    assert asked == [7, 7, 7, 7]


def test_any_other_refusal_is_returned_at_once() -> None:
    app, asked = app_behind_for(0)
    with PatientClient(app) as client:
        answer = client.get("/down")
    assert answer.status_code == 503 and asked == [0]


def test_it_gives_up_after_its_bound() -> None:
    app, asked = app_behind_for(10)
    with PatientClient(app) as client:
        client.attempts = 2
        answer = client.get("/fresh", params={"min_position": 1})
    assert answer.status_code == 503 and asked == [1, 1]
