"""The bench's `fastapi` peer: a fan-out relay as a user following the FastAPI tutorial builds it.

FastAPI + uvicorn + httpx, from Debian's packages (python3-fastapi, python3-uvicorn,
python3-httpx), run by the bench as

    python3 -m uvicorn fastapi_relay:app --app-dir bench/peers --host 127.0.0.1 --port PORT

with LETTA_BASE_URL naming the upstream (the bench's Letta emitter). Two routes:

- ``POST /v1/runs`` (the run request the bench gives ``raw-node``: ``message`` and ``agent_ids``):
  one httpx stream per agent to the upstream, each Letta message ``json.loads``-ed, turned into the
  service's event (API.md §3 shapes), tagged with ``agent_id``, merged through one
  ``asyncio.Queue`` and numbered with a gapless ``seq`` as it leaves the queue, each yielded as
  its own SSE frame (``id: <seq>``, ``event: <type>``, ``data: <json>``).
- ``POST /v1/agents/{agent_id}/messages``: a plain byte passthrough (1 upstream → 1 reader) of
  the Letta stream, for scenario A, read by the bench exactly as it reads the upstream itself.

Nothing is batched, pooled beyond httpx's defaults, or tuned: the point is the cost of the stack
as people use it. BENCH_READY_TOKEN is echoed by ``GET /__bench/ready`` so the bench knows the
server answering on the port is the one it started.
"""

import asyncio
import itertools
import json
import os
import time

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from starlette.background import BackgroundTask

UPSTREAM = os.environ.get("LETTA_BASE_URL", "http://127.0.0.1:8283")
READY_TOKEN = os.environ.get("BENCH_READY_TOKEN", "")
SSE_HEADERS = {"cache-control": "no-cache"}

app = FastAPI()
# No timeout: token streams are long-lived. No pool limit: one connection per agent of a run.
client = httpx.AsyncClient(
    base_url=UPSTREAM,
    timeout=None,
    limits=httpx.Limits(max_connections=None, max_keepalive_connections=100),
)
run_numbers = itertools.count(1)


@app.on_event("shutdown")
async def close_client() -> None:
    await client.aclose()


@app.get("/__bench/ready")
async def ready() -> PlainTextResponse:
    return PlainTextResponse(READY_TOKEN)


def now_ms() -> int:
    return int(time.time() * 1000)


async def read_agent(run_id: str, agent_id: str, message: str, queue: asyncio.Queue) -> None:
    """Streams one agent's answer from Letta and puts each of its events on the run's queue."""
    status, stop_reason, error = "completed", None, None
    started = False
    request = {"input": message, "streaming": True, "stream_tokens": True, "include_pings": True}
    try:
        async with client.stream(
            "POST",
            f"/v1/agents/{agent_id}/messages",
            json=request,
            headers={"accept": "text/event-stream"},
        ) as response:
            if response.status_code != 200:
                await response.aread()
                raise RuntimeError(f"upstream answered {response.status_code}")
            async for line in response.aiter_lines():
                # httpx 0.23 (Debian's) keeps the line ending on each line; later versions drop it.
                line = line.rstrip("\r\n")
                if line == "event: error":
                    status = "failed"
                    continue
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue
                letta = json.loads(line[6:])
                kind = letta.get("message_type")
                base = {"run_id": run_id, "ts": now_ms(), "agent_id": agent_id}
                if kind == "ping":
                    if not started:
                        started = True
                        started_event = {"type": "agent.started", **base, "attempt": 1}
                        await queue.put({**started_event, "letta_run_id": letta.get("run_id")})
                elif kind in ("assistant_message", "reasoning_message"):
                    assistant = kind == "assistant_message"
                    await queue.put(
                        {
                            "type": "agent.delta",
                            **base,
                            "message_id": letta.get("otid"),
                            "kind": "assistant" if assistant else "reasoning",
                            "text": letta.get("content") if assistant else letta.get("reasoning"),
                        }
                    )
                elif kind == "usage_statistics":
                    await queue.put(
                        {
                            "type": "agent.usage",
                            **base,
                            "completion_tokens": letta.get("completion_tokens"),
                            "prompt_tokens": letta.get("prompt_tokens"),
                            "total_tokens": letta.get("total_tokens"),
                            "step_count": letta.get("step_count"),
                        }
                    )
                elif kind == "stop_reason":
                    stop_reason = letta.get("stop_reason")
    except asyncio.CancelledError:
        raise
    except Exception as exc:  # one agent's failure is its own agent.completed, not the run's end
        status, error = "failed", {"code": "upstream_error", "message": str(exc)}
    completed = {"type": "agent.completed", "run_id": run_id, "ts": now_ms(), "agent_id": agent_id}
    completed["status"] = status
    if stop_reason is not None:
        completed["stop_reason"] = stop_reason
    if error is not None:
        completed["error"] = error
    await queue.put(completed)


async def run_events(run_id: str, agent_ids: list, message: str):
    """The merged stream: every agent's events in order of arrival, one SSE frame each."""
    queue: asyncio.Queue = asyncio.Queue()
    started_at = time.monotonic()
    seq = 0

    def frame(event: dict) -> str:
        nonlocal seq
        seq += 1
        event["seq"] = seq
        return f"id: {seq}\nevent: {event['type']}\ndata: {json.dumps(event)}\n\n"

    tasks = [
        asyncio.create_task(read_agent(run_id, agent_id, message, queue)) for agent_id in agent_ids
    ]
    try:
        agents = [{"agent_id": agent_id} for agent_id in agent_ids]
        yield frame({"type": "run.started", "run_id": run_id, "ts": now_ms(), "agents": agents})
        statuses: dict = {}
        while len(statuses) < len(agent_ids):
            event = await queue.get()
            if event["type"] == "agent.completed":
                statuses[event["agent_id"]] = event["status"]
            yield frame(event)
        failed = sum(1 for status in statuses.values() if status != "completed")
        duration_ms = round((time.monotonic() - started_at) * 1000)
        status = "completed" if failed == 0 else "failed" if failed == len(statuses) else "partial"
        yield frame(
            {
                "type": "run.completed",
                "run_id": run_id,
                "ts": now_ms(),
                "status": status,
                "agents": statuses,
                "metrics": {"duration_ms": duration_ms, "events": seq + 1},
            }
        )
    finally:
        # The reader went away (or the run ended): stop every upstream stream still open.
        for task in tasks:
            task.cancel()


@app.post("/v1/runs")
async def create_run(request: Request):
    body = await request.json()
    message, agent_ids = body.get("message"), body.get("agent_ids")
    if not isinstance(message, str) or not isinstance(agent_ids, list) or not agent_ids:
        return JSONResponse({"error": {"code": "validation_failed"}}, status_code=422)
    run_id = f"fa-{next(run_numbers)}"
    return StreamingResponse(
        run_events(run_id, [str(a) for a in agent_ids], message),
        media_type="text/event-stream",
        headers={**SSE_HEADERS, "x-run-id": run_id},
    )


@app.post("/v1/agents/{agent_id}/messages")
async def passthrough(agent_id: str, request: Request):
    """One Letta stream, byte for byte: what a FastAPI proxy in front of Letta does."""
    upstream = client.build_request(
        "POST",
        f"/v1/agents/{agent_id}/messages",
        content=await request.body(),
        headers={"content-type": "application/json", "accept": "text/event-stream"},
    )
    response = await client.send(upstream, stream=True)
    return StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        media_type=response.headers.get("content-type"),
        headers=SSE_HEADERS,
        background=BackgroundTask(response.aclose),
    )
