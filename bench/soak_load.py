"""Mixed load for bench/soak.sh (run with the huggingface_hub venv's python; not a test).

Clients (threads), each on its own keep-alive connection, for SECONDS:
  * readers (READERS of them): a download's metadata and small files in a loop, as from_pretrained does:
    HEAD of the LFS file, GET config.json, GET /api/models/{id}, /revision/main, /tree/main, POST paths-info,
    a 1 MiB range of the LFS file, and now and then the whole LFS file and a listing (/api/models?search=).
  * fresh: the same HEAD and config.json GET on a new connection each.
  * one uploader: huggingface_hub's upload_file of an LFS file (cycling through POOL payloads generated at start, so
    after the first round the store deduplicates and the disk must stay flat) and a create_commit of a small file.
Every request is appended to LOG as "epoch_seconds kind status milliseconds ok" (ok: 1 when the status was the one
expected); an exception counts as status 0.
Usage: soak_load.py BASE_URL TOKEN REPO SECONDS LOG [READERS]
"""
import http.client
import os as _os

_os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
import io
import os
import random
import sys
import threading
import time
import urllib.parse

base, token, repo, seconds, log_path = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4]), sys.argv[5]
readers = int(sys.argv[6]) if len(sys.argv) > 6 else 4
host = urllib.parse.urlparse(base)
deadline = time.time() + seconds
lock = threading.Lock()
log = open(log_path, "a", buffering=1)
POOL = 8


def record(kind, status, started, ok=None):
    ok = (status == 200) if ok is None else ok
    line = "%.3f %s %d %.3f %d\n" % (time.time(), kind, status, (time.time() - started) * 1000, 1 if ok else 0)
    with lock:
        log.write(line)


def connect():
    return http.client.HTTPConnection(host.hostname, host.port, timeout=60)


def request(conn, kind, method, path, body=None, headers=None, expect=(200,)):
    started = time.time()
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        r.read()
        status = r.status
    except Exception as e:
        status = 0
        conn.close()
        sys.stderr.write("%.3f %s %s %s: no answer: %r\n" % (time.time(), kind, method, path, e))
    if status and status not in expect:
        sys.stderr.write("%.3f %s %s %s: status %d\n" % (time.time(), kind, method, path, status))
    record(kind, status, started, status in expect)
    return status


def reader(fresh):
    conn = connect()
    rnd = random.Random()
    n = 0
    paths_body = "paths=config.json&expand=true"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    while time.time() < deadline:
        if fresh:
            for kind, method, path in (("head", "HEAD", "/%s/resolve/main/model.bin" % repo),
                                       ("small", "GET", "/%s/resolve/main/config.json" % repo)):
                c = connect()
                request(c, "fresh-" + kind, method, path, headers={"Connection": "close"})
                c.close()
            time.sleep(0.01)
            continue
        request(conn, "head", "HEAD", "/%s/resolve/main/model.bin" % repo)
        request(conn, "small", "GET", "/%s/resolve/main/config.json" % repo)
        request(conn, "info", "GET", "/api/models/%s" % repo)
        request(conn, "revision", "GET", "/api/models/%s/revision/main" % repo)
        request(conn, "tree", "GET", "/api/models/%s/tree/main" % repo)
        request(conn, "paths-info", "POST", "/api/models/%s/paths-info/main" % repo, body=paths_body, headers=form)
        mib = rnd.randrange(0, 8)
        request(conn, "range", "GET", "/%s/resolve/main/model.bin" % repo,
                headers={"Range": "bytes=%d-%d" % (mib << 20, (mib << 20) + (1 << 20) - 1)}, expect=(206,))
        n += 1
        if n % 20 == 0:
            request(conn, "download", "GET", "/%s/resolve/main/model.bin" % repo)
            request(conn, "listing", "GET", "/api/models?search=bench&limit=20")


def uploader():
    from huggingface_hub import HfApi, CommitOperationAdd
    api = HfApi(endpoint=base, token=token)
    payloads = [os.urandom(2 << 20) for _ in range(POOL)]
    i = 0
    while time.time() < deadline:
        started = time.time()
        try:
            api.upload_file(path_or_fileobj=io.BytesIO(payloads[i % POOL]), path_in_repo="uploads/weights-%d.bin" % (i % 4),
                            repo_id=repo, commit_message="soak upload %d" % i)
            record("upload", 200, started)
        except Exception as e:
            record("upload", 0, started)
            sys.stderr.write("upload failed: %r\n" % (e,))
        started = time.time()
        try:
            api.create_commit(repo_id=repo, commit_message="soak commit %d" % i, operations=[
                CommitOperationAdd(path_in_repo="notes/run.txt", path_or_fileobj=("round %d\n" % i).encode())])
            record("commit", 200, started)
        except Exception as e:
            record("commit", 0, started)
            sys.stderr.write("commit failed: %r\n" % (e,))
        i += 1
        time.sleep(2)


threads = [threading.Thread(target=reader, args=(False,)) for _ in range(readers)]
threads.append(threading.Thread(target=reader, args=(True,)))
threads.append(threading.Thread(target=uploader))
for t in threads:
    t.start()
for t in threads:
    t.join()
