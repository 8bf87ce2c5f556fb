"""A far-away STS on loopback: moto's server behind a fixed delay.

Every request waits ``delay`` seconds before it is forwarded to the
upstream server (moto on 127.0.0.1), as a request to an STS endpoint in
another region does.  The delay is per request, not per connection, so a
client that sends requests at once waits once, and one that sends them one
after the other waits each time: the difference the benchmarks measure.

Loopback only; it stops with :meth:`FarAway.stop`.
"""
import http.client
import http.server
import threading
import time
import urllib.parse

#: Headers that belong to one hop, not to the request forwarded.
_HOP = {"connection", "keep-alive", "transfer-encoding", "host"}


class FarAway:
    """``with FarAway(upstream, 0.15) as far: far.endpoint``."""

    def __init__(self, upstream, delay):
        parsed = urllib.parse.urlsplit(upstream)
        self.upstream = (parsed.hostname, parsed.port)
        self.delay = delay
        self._server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        daemon=True)

    @property
    def endpoint(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _handler(self):
        far = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                time.sleep(far.delay)
                upstream = http.client.HTTPConnection(*far.upstream,
                                                      timeout=60)
                try:
                    headers = {k: v for k, v in self.headers.items()
                               if k.lower() not in _HOP}
                    headers["Host"] = "%s:%d" % far.upstream
                    upstream.request(self.command, self.path, body, headers)
                    answer = upstream.getresponse()
                    data = answer.read()
                    self.send_response(answer.status)
                    for key, value in answer.getheaders():
                        if key.lower() not in _HOP | {"content-length"}:
                            self.send_header(key, value)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    upstream.close()

            do_GET = do_POST = _forward

            def log_message(self, *args):
                pass

        return Handler
