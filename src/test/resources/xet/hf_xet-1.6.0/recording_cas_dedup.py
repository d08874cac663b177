import http.server, os, sys, json
OUT = sys.argv[1]; SHARD = open(sys.argv[3],'rb').read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *a): sys.stderr.write("%s %s\n" % (self.command, self.path)); sys.stderr.flush()
    def _body(self):
        n = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(n) if n else b''
    def do_GET(self):
        if '/chunks/' in self.path:
            self.send_response(200); self.send_header('Content-Type','application/octet-stream'); self.send_header('Content-Length', str(len(SHARD))); self.end_headers(); self.wfile.write(SHARD)
        else:
            self.send_response(404); self.send_header('Content-Length','0'); self.end_headers()
    def do_POST(self):
        body = self._body()
        name = self.path.strip('/').replace('/', '_')
        open(os.path.join(OUT, name), 'wb').write(body)
        if '/xorbs/' in self.path: b = json.dumps({"was_inserted": True}).encode()
        else: b = b'{"type":"result"}\n'
        self.send_response(200); self.send_header('Content-Length', str(len(b))); self.end_headers(); self.wfile.write(b)
http.server.ThreadingHTTPServer(('127.0.0.1', int(sys.argv[2])), H).serve_forever()
