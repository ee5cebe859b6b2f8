"""The seed's stack, for side-by-side benchmarks: the article's aiohttp API behind Gunicorn (uvloop
worker) on a unix socket, on PyMongo's asyncio client. Same endpoints, validation, JSON shapes and
request tracking as services/api for what the benchmark drives (create, get, list):

  POST /api/v1/documents            201 + Location, 400 on a schema violation
  GET  /api/v1/documents/{id}       200, 400 on a malformed id, 404 on an unknown one
  GET  /api/v1/documents?limit=&cursor=&tag=&author=   newest first, nextCursor
  GET  /healthz, /readyz            probes (not tracked)

Every /api/ request leaves one request_log record (ip from X-Real-IP, method, redacted url, time,
requestId, status, referer, host, durationMs), queued in memory and written in batches with one
unordered insert_many, as the API does. Run:

  gunicorn --chdir bench/peer 'app:create_app()' -k aiohttp.GunicornUVLoopWebWorker \\
      --bind unix:/path/app.sock --workers 1 --keep-alive 75 --umask 0
  with MONGODB_URI, MONGODB_DB (and optionally ANALYTICS_BATCH_SIZE, ANALYTICS_FLUSH_INTERVAL_MS).
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import os
import re
import time
import uuid
from collections import deque
from datetime import datetime, timezone
from urllib.parse import unquote_plus

import orjson
from aiohttp import web
from bson import ObjectId
from pymongo import AsyncMongoClient
from pymongo.errors import BulkWriteError, ConnectionFailure, PyMongoError

# aiohttp's Gunicorn worker opens its site with listen(128), replacing Gunicorn's --backlog (2048).
# On a unix socket a full backlog refuses a connection at once (EAGAIN; NGINX answers 502), so a
# burst of new upstream connections fails instead of queueing. Give the site Gunicorn's default.
web.SockSite.__init__ = functools.partialmethod(web.SockSite.__init__, backlog=2048)  # type: ignore[method-assign]

REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{24}$")
TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,49}$")
REDACTED_KEYS = ("password", "passwd", "secret", "token", "key", "credential", "session", "signature", "code", "email")
MAX_URL = 2048
UNAVAILABLE = "MongoDB is unreachable; retry shortly"
ERROR_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 409: "conflict", 413: "payload_too_large",
               415: "unsupported_media_type", 500: "internal_error", 503: "unavailable"}

app_mongo = web.AppKey("mongo", AsyncMongoClient)
app_db = web.AppKey("db", object)
app_log = web.AppKey("request_log", object)


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_response(data: object, status: int = 200, headers: dict | None = None) -> web.Response:
    return web.Response(body=orjson.dumps(data), status=status, headers=headers, content_type="application/json")


def iso(dt: datetime) -> str:
    # BSON dates are milliseconds; the same text JavaScript's toISOString() gives.
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def to_api(doc: dict) -> dict:
    return {
        "id": str(doc["_id"]),
        "title": doc["title"],
        "body": doc["body"],
        "author": doc["author"],
        "tags": doc["tags"],
        "version": doc["version"],
        "createdAt": iso(doc["createdAt"]),
        "updatedAt": iso(doc["updatedAt"]),
    }


# ── request tracking ─────────────────────────────────────────────────────────────────────────


def redact_url(url: str) -> str:
    url = url.split("#", 1)[0]
    path, sep, query = url.partition("?")
    if not sep:
        return url[:MAX_URL]
    pairs = []
    for pair in query.split("&"):
        raw_key = pair.split("=", 1)[0]
        try:
            key = unquote_plus(raw_key, errors="strict").lower()
        except UnicodeDecodeError:
            key = raw_key.lower()
        pairs.append(f"{raw_key}=REDACTED" if any(word in key for word in REDACTED_KEYS) else pair)
    return f"{path}?{'&'.join(pairs)}"[:MAX_URL]


class RequestLog:
    """Bounded queue of request_log records, flushed by one background task in batches."""

    def __init__(self, db, batch_size: int, flush_interval: float, max_queued: int) -> None:
        self.collection = db["request_log"]
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.queue: deque = deque(maxlen=max_queued)  # keeps the newest when full
        self.batch_ready = asyncio.Event()
        self.task: asyncio.Task | None = None

    def push(self, record: dict) -> None:
        self.queue.append(record)
        if len(self.queue) >= self.batch_size:
            self.batch_ready.set()

    async def run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self.batch_ready.wait(), self.flush_interval)
            except asyncio.TimeoutError:
                pass
            self.batch_ready.clear()
            while self.queue:
                if not await self.flush_one():
                    break
                if len(self.queue) < self.batch_size:
                    break

    async def flush_one(self) -> bool:
        batch = [self.queue.popleft() for _ in range(min(self.batch_size, len(self.queue)))]
        try:
            await self.collection.insert_many(batch, ordered=False)
        except BulkWriteError as err:
            # A batch retried after a lost acknowledgement: duplicates are already stored.
            if any(e.get("code") != 11000 for e in err.details.get("writeErrors", [])):
                self.queue.extendleft(reversed(batch))
                return False
        except PyMongoError:
            self.queue.extendleft(reversed(batch))
            return False
        return True

    async def drain(self) -> None:
        while self.queue and await self.flush_one():
            pass


def client_ip(request: web.Request) -> str | None:
    header = request.headers.get("X-Real-IP")
    if header is None:
        return None
    try:
        ipaddress.ip_address(header)
        return header
    except ValueError:
        return None


@web.middleware
async def track(request: web.Request, handler) -> web.StreamResponse:
    started = time.time()
    started_perf = time.perf_counter()
    header = request.headers.get("X-Request-ID")
    request_id = header if header is not None and REQUEST_ID.match(header) else str(uuid.uuid4())
    request["request_id"] = request_id
    try:
        response = await handler(request)
    except ApiError as err:
        response = json_response({"error": ERROR_CODES.get(err.status, "bad_request"), "message": err.message, "requestId": request_id}, err.status)
    except web.HTTPException as err:
        status = err.status
        message = f"no route for {request.method} {request.path}" if status == 404 else err.reason
        response = json_response({"error": ERROR_CODES.get(status, "bad_request"), "message": message, "requestId": request_id}, status)
    except (ConnectionFailure, OSError):
        response = json_response({"error": "unavailable", "message": UNAVAILABLE, "requestId": request_id}, 503)
    except Exception:
        request.app.logger.exception("request failed")
        response = json_response({"error": "internal_error", "message": "internal error", "requestId": request_id}, 500)
    response.headers["X-Request-ID"] = request_id
    if request.path.startswith("/api/"):
        referer = request.headers.get("Referer")
        host = request.headers.get("Host")
        request.app[app_log].push({
            "_id": ObjectId(),
            "time": datetime.fromtimestamp(started, timezone.utc),
            "ip": client_ip(request),
            "method": request.method,
            "url": redact_url(request.raw_path),
            "status": response.status,
            "requestId": request_id,
            "referer": None if referer is None else redact_url(referer),
            "host": None if host is None else host[:255],
            "durationMs": round((time.perf_counter() - started_perf) * 1000, 3),
        })
    return response


# ── validation ───────────────────────────────────────────────────────────────────────────────


def object_id(value: str, where: str) -> ObjectId:
    if not OBJECT_ID.match(value):
        raise ApiError(400, f'{where} must match pattern "^[0-9a-fA-F]{{24}}$"')
    return ObjectId(value)


def check_string(body: dict, name: str, min_len: int, max_len: int) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise ApiError(400, f"body/{name} must be string")
    if len(value) < min_len:
        raise ApiError(400, f"body/{name} must NOT have fewer than {min_len} characters")
    if len(value) > max_len:
        raise ApiError(400, f"body/{name} must NOT have more than {max_len} characters")
    return value


def check_tags(value: object, where: str) -> list:
    if not isinstance(value, list):
        raise ApiError(400, f"{where} must be array")
    if len(value) > 20:
        raise ApiError(400, f"{where} must NOT have more than 20 items")
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not TAG.match(tag):
            raise ApiError(400, f'{where}/{i} must match pattern "^[a-z0-9][a-z0-9-]{{0,49}}$"')
    seen: dict = {}
    for i in range(len(value) - 1, -1, -1):  # the pair JSON Schema validators (ajv) report first
        if value[i] in seen:
            raise ApiError(400, f"{where} must NOT have duplicate items (items ## {seen[value[i]]} and {i} are identical)")
        seen[value[i]] = i
    return value


async def parse_create(request: web.Request) -> dict:
    if request.content_type != "application/json":
        raise ApiError(415, f"Unsupported Media Type: {request.content_type}")
    try:
        body = orjson.loads(await request.read())
    except orjson.JSONDecodeError:
        raise ApiError(400, "Body is not valid JSON but content-type is set to 'application/json'")
    if not isinstance(body, dict):
        raise ApiError(400, "body must be object")
    for name in ("title", "body", "author"):
        if name not in body:
            raise ApiError(400, f"body/{name} is required")
    for name in body:
        if name not in ("title", "body", "author", "tags"):
            raise ApiError(400, f'body has unknown property "{name}"')
    return {
        "title": check_string(body, "title", 1, 200),
        "body": check_string(body, "body", 0, 1_000_000),
        "author": check_string(body, "author", 1, 100),
        "tags": check_tags(body["tags"], "body/tags") if "tags" in body else [],
    }


def parse_list_query(request: web.Request) -> dict:
    query = request.query
    for name in query:
        if name not in ("limit", "cursor", "tag", "author"):
            raise ApiError(400, f'querystring has unknown property "{name}"')
    limit = 20
    if "limit" in query:
        if not re.fullmatch(r"-?\d+", query["limit"]):
            raise ApiError(400, "querystring/limit must be integer")
        limit = int(query["limit"])
        if not 1 <= limit <= 100:
            raise ApiError(400, f"querystring/limit must be {'>= 1' if limit < 1 else '<= 100'}")
    found: dict = {}
    if "cursor" in query:
        found["_id"] = {"$lt": object_id(query["cursor"], "querystring/cursor")}
    if "tag" in query:
        if not TAG.match(query["tag"]):
            raise ApiError(400, 'querystring/tag must match pattern "^[a-z0-9][a-z0-9-]{0,49}$"')
        found["tags"] = query["tag"]
    if "author" in query:
        author = query["author"]
        if not 1 <= len(author) <= 100:
            raise ApiError(400, "querystring/author must NOT have fewer than 1 characters")
        found["author"] = author
    return {"limit": limit, "filter": found}


# ── handlers ─────────────────────────────────────────────────────────────────────────────────


async def create_document(request: web.Request) -> web.Response:
    fields = await parse_create(request)
    now = datetime.now(timezone.utc)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)  # BSON keeps milliseconds
    doc = {"_id": ObjectId(), **fields, "version": 1, "createdAt": now, "updatedAt": now}
    await request.app[app_db]["documents"].insert_one(doc)
    return json_response(to_api(doc), 201, {"Location": f"/api/v1/documents/{doc['_id']}"})


async def get_document(request: web.Request) -> web.Response:
    raw = request.match_info["id"]
    doc = await request.app[app_db]["documents"].find_one({"_id": object_id(raw, "params/id")})
    if doc is None:
        raise ApiError(404, f"no document with id {raw}")
    return json_response(to_api(doc))


async def list_documents(request: web.Request) -> web.Response:
    query = parse_list_query(request)
    limit = query["limit"]
    cursor = request.app[app_db]["documents"].find(query["filter"]).sort("_id", -1).limit(limit + 1)
    found = await cursor.to_list(None)
    items = found[:limit]
    next_cursor = str(items[-1]["_id"]) if len(found) > limit else None
    return json_response({"items": [to_api(d) for d in items], "nextCursor": next_cursor})


async def healthz(_request: web.Request) -> web.Response:
    return json_response({"status": "ok"})


async def readyz(_request: web.Request) -> web.Response:
    return json_response({"status": "ready"})


# ── lifecycle ────────────────────────────────────────────────────────────────────────────────


async def mongo_context(app: web.Application):
    client = AsyncMongoClient(
        os.environ["MONGODB_URI"],
        appname="isoscribe-peer",
        serverSelectionTimeoutMS=2000,
        connectTimeoutMS=2000,
        tz_aware=False,
    )
    db = client[os.environ.get("MONGODB_DB", "isoscribe")]
    app[app_mongo] = client
    app[app_db] = db
    log = RequestLog(
        db,
        batch_size=int(os.environ.get("ANALYTICS_BATCH_SIZE", "500")),
        flush_interval=int(os.environ.get("ANALYTICS_FLUSH_INTERVAL_MS", "1000")) / 1000,
        max_queued=int(os.environ.get("ANALYTICS_QUEUE_MAX", "10000")),
    )
    app[app_log] = log
    log.task = asyncio.create_task(log.run())
    yield
    log.task.cancel()
    await log.drain()
    await client.close()


def create_app() -> web.Application:
    app = web.Application(middlewares=[track], client_max_size=256 * 1024)
    app.cleanup_ctx.append(mongo_context)
    app.router.add_post("/api/v1/documents", create_document)
    app.router.add_get("/api/v1/documents/{id}", get_document)
    app.router.add_get("/api/v1/documents", list_documents)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    return app
