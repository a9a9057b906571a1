#!/usr/bin/env python3
"""monai-pod-bot's gate: the pod's public port admits only the lab's secret URL.

Started by the bot's start script as `python gate.py CONFIG.json`. It listens on the port RunPod
exposes and forwards requests under /<token>/ to MONAI Label on loopback, prefix removed, bodies
streamed both ways on kept-alive connections. Anything else gets a bare 404; model upload and
deletion, and the routes the lab turned off, get a 403. Python standard library only.

CONFIG (written by the bot, mode 600): {"listen": [host, port], "upstream": [host, port],
"token": "...", "blocked": ["/proxy/", "POST /train/"], "digest": "..."}
"""

import asyncio
import hmac
import json
import signal
import sys
import time
from urllib.parse import unquote, urlsplit, urlunsplit

CHUNK = 1024 * 1024
HEAD_LIMIT = 64 * 1024
IDLE_SECONDS = 120
MAX_CONNECTIONS = 512
# A refused request's body is read and dropped up to this size, so the refusal arrives intact.
DISCARD_LIMIT = 64 * 1024 * 1024
ALWAYS_BLOCKED = ["PUT /model/", "DELETE /model/"]
NO_BODY_STATUS = {204, 304}


class Refused(Exception):
    """The message cannot be read as HTTP/1.1: the connection is closed."""

    def __init__(self, before_response=False):
        super().__init__()
        self.before_response = before_response


def log(message):
    print(time.strftime("[%Y-%m-%d %H:%M:%S]"), message, flush=True)


def normalise(path):
    """The path as MONAI Label's router sees it (percent-decoded), with dot segments and repeated
    slashes resolved and lower-cased, so that no spelling slips past a rule."""
    for _ in range(3):
        decoded = unquote(path)
        if decoded == path:
            break
        path = decoded
    segments = []
    for segment in path.replace("\\", "/").split("/"):
        if segment in ("", "."):
            continue
        if segment == "..":
            segments = segments[:-1]
        else:
            segments.append(segment)
    return ("/" + "/".join(segments)).lower()


def parse_rule(entry):
    method, _, path = entry.strip().rpartition(" ")
    return (method.strip().upper() or None, normalise(path))


def blocked(rules, method, path):
    for rule_method, prefix in rules:
        if rule_method and rule_method != method:
            continue
        if path == prefix or path.startswith(prefix.rstrip("/") + "/"):
            return True
    return False


def framing(headers):
    """How a message's body is delimited: ("chunked",), ("length", n) or ("none",)."""
    encoding = headers.get("transfer-encoding")
    length = headers.get("content-length")
    if encoding is not None:
        if length is not None or encoding.split(",")[-1].strip().lower() != "chunked":
            raise Refused()  # ambiguous framing is how requests are smuggled
        return ("chunked",)
    if length is not None:
        if not length.strip().isdigit():
            raise Refused()
        return ("length", int(length))
    return ("none",)


async def read_head(reader):
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as error:
        if error.partial:
            raise Refused() from None
        return None
    except asyncio.LimitOverrunError:
        raise Refused() from None
    lines = raw[:-4].decode("latin-1").split("\r\n")
    fields = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not name or name != name.strip():
            raise Refused()
        fields.append((name, value.strip()))
    return lines[0], fields


def as_dict(fields):
    headers = {}
    for name, value in fields:
        key = name.lower()
        if key in headers and key in ("content-length", "transfer-encoding"):
            raise Refused()
        headers[key] = value
    return headers


async def copy_exactly(reader, writer, count):
    while count > 0:
        data = await reader.read(min(CHUNK, count))
        if not data:
            raise Refused()
        count -= len(data)
        if writer is not None:
            writer.write(data)
            await writer.drain()


async def copy_chunked(reader, writer, limit=None):
    total = 0
    while True:
        line = await reader.readuntil(b"\r\n")
        size = int(line.split(b";")[0].strip() or b"x", 16)
        total += size
        if limit is not None and total > limit:
            raise Refused()
        if writer is not None:
            writer.write(line)
        if size == 0:
            while True:  # trailers, then the empty line
                trailer = await reader.readuntil(b"\r\n")
                if writer is not None:
                    writer.write(trailer)
                if trailer == b"\r\n":
                    break
            if writer is not None:
                await writer.drain()
            return
        await copy_exactly(reader, writer, size)
        crlf = await reader.readexactly(2)
        if writer is not None:
            writer.write(crlf)


async def copy_body(reader, writer, frame, limit=None):
    if frame[0] == "chunked":
        await copy_chunked(reader, writer, limit)
    elif frame[0] == "length":
        if limit is not None and frame[1] > limit:
            raise Refused()
        await copy_exactly(reader, writer, frame[1])


class Gate:
    def __init__(self, config):
        self.token = config["token"].encode("ascii")
        self.upstream = tuple(config["upstream"])
        self.rules = [parse_rule(entry) for entry in ALWAYS_BLOCKED + list(config.get("blocked", []))]
        self.digest = str(config.get("digest", ""))
        self.connections = 0
        self.counts = {"forwarded": 0, "refused": 0, "blocked": 0}

    def admitted(self, target):
        """The target with the secret prefix removed, or None when it does not carry the prefix."""
        raw = target.encode("latin-1")
        prefix = b"/" + self.token
        head = raw[: len(prefix)]
        rest = raw[len(prefix):]
        matches = hmac.compare_digest(head.ljust(len(prefix), b"\0"), prefix)
        if not matches or not (rest == b"" or rest[:1] in (b"/", b"?")):
            return None
        rest = rest.decode("latin-1")
        return "/" + rest if not rest.startswith("/") else rest

    async def serve(self, reader, writer):
        self.connections += 1
        writer.transport.set_write_buffer_limits(high=4 * CHUNK)
        upstream = None
        try:
            if self.connections > MAX_CONNECTIONS:
                return
            while True:
                try:
                    head = await asyncio.wait_for(read_head(reader), IDLE_SECONDS)
                except asyncio.TimeoutError:
                    return
                if head is None:
                    return
                keep, upstream = await self.exchange(head, reader, writer, upstream)
                if not keep:
                    return
        except (Refused, ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            return
        finally:
            self.connections -= 1
            for stream in (writer, upstream[1] if upstream else None):
                if stream is not None:
                    stream.close()

    async def exchange(self, head, reader, writer, upstream):
        """One request and its response. Returns (keep the connection, the upstream connection)."""
        request_line, fields = head
        parts = request_line.split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise Refused()
        method, target, version = parts
        headers = as_dict(fields)
        frame = framing(headers)
        path = self.admitted(target) if target.startswith("/") else None
        if path is None:
            self.counts["refused"] += 1
            await self.refuse(reader, writer, frame, b"404 Not Found", b"", keep=False)
            return False, upstream
        # Split by hand: urlsplit would read a path starting with // as a host name.
        route = normalise(path.split("?", 1)[0])
        if blocked(self.rules, method.upper(), route):
            self.counts["blocked"] += 1
            body = b'{"detail":"This route is turned off on this pod (MONAI_BLOCKED_ROUTES)."}'
            if method.upper() in ("PUT", "DELETE") and blocked(self.rules[:2], method.upper(), route):
                body = b'{"detail":"Uploading or deleting models is turned off on this pod."}'
            keep = await self.refuse(reader, writer, frame, b"403 Forbidden", body, keep=True)
            return keep, upstream
        client_close = version == "HTTP/1.0" or "close" in headers.get("connection", "").lower()
        if "100-continue" in headers.get("expect", "").lower() and version == "HTTP/1.1":
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        forwarded = [f"{method} {path} {version}"]
        forwarded += [f"{name}: {value}" for name, value in fields if name.lower() != "expect"]
        request_head = ("\r\n".join(forwarded) + "\r\n\r\n").encode("latin-1")
        # MONAI Label closes a kept-alive connection after a few idle seconds: a request without a
        # body that meets such a closed connection is sent once more on a new one.
        for attempt in (1, 2):
            if upstream is not None and (upstream[0].at_eof() or upstream[1].is_closing()):
                upstream[1].close()
                upstream = None
            reused = upstream is not None
            if upstream is None:
                try:
                    upstream = await asyncio.open_connection(*self.upstream, limit=CHUNK)
                except OSError:
                    await self.refuse(reader, writer, frame, b"502 Bad Gateway",
                                      b'{"detail":"MONAI Label is not answering behind the gate."}', keep=False)
                    return False, None
            up_reader, up_writer = upstream
            up_writer.write(request_head)
            pump = asyncio.ensure_future(self.pump(reader, up_writer, frame))
            pump.add_done_callback(lambda task: task.cancelled() or task.exception())
            try:
                keep = await self.relay_response(method, headers, up_reader, writer)
                break
            except Refused as error:
                pump.cancel()
                if not (error.before_response and reused and frame[0] == "none" and attempt == 1):
                    raise
                upstream[1].close()
                upstream = None
            except BaseException:
                pump.cancel()
                raise
        if not pump.done():
            await asyncio.wait({pump}, timeout=1)
        if not pump.done() or pump.cancelled() or pump.exception() is not None:
            pump.cancel()
            keep = False
        self.counts["forwarded"] += 1
        return keep and not client_close, upstream

    async def pump(self, reader, up_writer, frame):
        await copy_body(reader, up_writer, frame)
        await up_writer.drain()

    async def relay_response(self, method, request_headers, up_reader, writer):
        while True:
            try:
                head = await read_head(up_reader)
            except ConnectionError:
                head = None
            if head is None:
                raise Refused(before_response=True)
            status_line, fields = head
            status = int(status_line.split(" ")[1])
            if status >= 200:
                break
            writer.write((status_line + "\r\n" + "".join(f"{n}: {v}\r\n" for n, v in fields) + "\r\n").encode("latin-1"))
        headers = as_dict(fields)
        host = request_headers.get("host", "")
        out = [status_line]
        for name, value in fields:
            if name.lower() == "location":
                value = self.with_prefix(value, host)
            out.append(f"{name}: {value}")
        out.append(f"X-Monai-Pod-Gate: {self.digest}")
        writer.write(("\r\n".join(out) + "\r\n\r\n").encode("latin-1"))
        if method.upper() == "HEAD" or status in NO_BODY_STATUS or status < 200:
            await writer.drain()
            return "close" not in headers.get("connection", "").lower()
        frame = framing(headers)
        if frame[0] == "none":  # delimited by the end of the connection
            while True:
                data = await up_reader.read(CHUNK)
                if not data:
                    break
                writer.write(data)
                await writer.drain()
            return False
        await copy_body(up_reader, writer, frame)
        await writer.drain()
        return "close" not in headers.get("connection", "").lower()

    def with_prefix(self, location, host):
        """MONAI Label's redirects point at its own paths: they keep the secret prefix."""
        parts = urlsplit(location)
        if parts.netloc and parts.netloc != host:
            return location
        if not parts.path.startswith("/"):
            return location
        return urlunsplit(parts._replace(path="/" + self.token.decode("ascii") + parts.path))

    async def refuse(self, reader, writer, frame, status, body, keep):
        """Answers without forwarding. The body is read first (up to a limit) so that the answer is
        not lost to a reset; when it cannot be, the connection closes."""
        try:
            await asyncio.wait_for(copy_body(reader, None, frame, DISCARD_LIMIT), 30)
        except (Refused, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError):
            keep = False
        kind = b"application/json" if body else b"text/plain"
        writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Type: " + kind + b"\r\nContent-Length: "
                     + str(len(body)).encode() + (b"\r\n\r\n" if keep else b"\r\nConnection: close\r\n\r\n") + body)
        await writer.drain()
        return keep

    async def report(self):
        """Every ten minutes, what was refused: scanners show up here, paths never do."""
        while True:
            await asyncio.sleep(600)
            if self.counts["refused"] or self.counts["blocked"]:
                log(f"last 10 min: {self.counts['forwarded']} forwarded, {self.counts['refused']} without the "
                    f"secret refused, {self.counts['blocked']} blocked")
            self.counts = {"forwarded": 0, "refused": 0, "blocked": 0}


async def main(path):
    with open(path, encoding="utf-8") as handle:
        config = json.load(handle)
    gate = Gate(config)
    host, port = config["listen"]
    server = await asyncio.start_server(gate.serve, host, port, limit=HEAD_LIMIT, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for name in ("SIGTERM", "SIGINT"):
        loop.add_signal_handler(getattr(signal, name), stop.set)
    rules = ", ".join(ALWAYS_BLOCKED + list(config.get("blocked", [])))
    log(f"listening on {host}:{port}, forwarding the secret path to {gate.upstream[0]}:{gate.upstream[1]}; blocked: {rules}")
    reporter = asyncio.ensure_future(gate.report())
    await stop.wait()
    reporter.cancel()
    server.close()
    log("stopped")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: gate.py CONFIG.json", file=sys.stderr)
        sys.exit(2)
    try:
        asyncio.run(main(sys.argv[1]))
    except OSError as error:
        log(f"cannot listen: {error}")
        sys.exit(1)
