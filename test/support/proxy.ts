import http from "node:http";

/** Passes one request on to `upstream` and its answer back, as a reverse proxy does. */
export function forward(upstream: URL, req: http.IncomingMessage, res: http.ServerResponse): void {
  const request = http.request(
    { host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  request.on("error", () => res.destroy());
  // A client that went away ends its upstream request too, as a reverse proxy does by default
  // (nginx's proxy_ignore_client_abort off): else an agent's long-poll it dropped stays held at
  // the hub, which may hand a command to a connection nobody reads.
  res.on("close", () => {
    if (!res.writableFinished) request.destroy();
  });
  req.pipe(request);
}
