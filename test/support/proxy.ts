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
  req.pipe(request);
}
