"""Writes metric points one request at a time to FRUGAL_URL as token ADMIN, and kill -9s the server
(pid argv[1]) after 150 acknowledged writes while two more are in flight. Prints how many writes got
a 2xx: after a restart, at least that many must be stored."""
import http.client, json, os, signal, sys, threading, urllib.parse

url = urllib.parse.urlparse(os.environ["FRUGAL_URL"])
token = os.environ["ADMIN"]
pid = int(sys.argv[1])


def post(conn, path, body):
    conn.request("POST", path, body=json.dumps(body), headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"{}")


conn = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
status, run = post(conn, "/api/v1/runs", {"name": "kill9", "team": "vision"})
assert status == 201, run
acked = 0
lock = threading.Lock()


def writer():
    global acked
    c = http.client.HTTPConnection(url.hostname, url.port, timeout=5)
    step = 0
    while True:
        try:
            status, _ = post(c, f"/api/v1/runs/{run['id']}/metrics", {"metrics": [{"key": "kill9", "value": step, "step": step}]})
        except Exception:
            return
        if status != 200:
            return
        step += 1
        with lock:
            acked += 1
            if acked == 150:
                os.kill(pid, signal.SIGKILL)


threads = [threading.Thread(target=writer) for _ in range(3)]
[t.start() for t in threads]
[t.join() for t in threads]
print(acked)
