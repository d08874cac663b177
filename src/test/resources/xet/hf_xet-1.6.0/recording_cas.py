import http.server, os, sys, json, threading
OUT = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): sys.stderr.write("%s %s\n" % (self.command, self.path))
    def _body(self):
        n = int(self.headers.get('Content-Length') or 0)
        if n: return self.rfile.read(n)
        if self.headers.get('Transfer-Encoding') == 'chunked':
            data = b''
            while True:
                l = int(self.rfile.readline().strip(), 16)
                if l == 0: self.rfile.readline(); break
                data += self.rfile.read(l); self.rfile.readline()
            return data
        return b''
    def _send(self, code, obj):
        b = json.dumps(obj).encode()
        self.send_response(code); self.send_header('Content-Type','application/json'); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        self._send(404, {"error": "not found"})
    def do_HEAD(self):
        self.send_response(404); self.send_header('Content-Length','0'); self.end_headers()
    def do_POST(self):
        body = self._body()
        name = self.path.strip('/').replace('/', '_')
        with open(os.path.join(OUT, name), 'wb') as f: f.write(body)
        if '/xorbs/' in self.path: self._send(200, {"was_inserted": True})
        else:
            b = b"{\"type\":\"result\"}\n"; self.send_response(200); self.send_header("Content-Type","application/x-ndjson"); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), H).serve_forever()
