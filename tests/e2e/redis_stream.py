#!/usr/bin/env python3
"""A few Redis commands over RESP, for the tests (no client library needed).

  redis_stream.py PORT PASSWORD dump STREAM    every entry, one JSON line each:
                                               {"entry": ID, FIELD: VALUE, ...}
  redis_stream.py PORT PASSWORD cmd ARG...     one command; prints its reply as JSON
  redis_stream.py PORT PASSWORD copy SRC DST N every entry of SRC added to DST again,
                                               N times over (as a sensor that sent
                                               everything N times would have)
"""
import json
import socket
import sys


def encode(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a.encode() if isinstance(a, str) else a
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


class Conn:
    def __init__(self, port, password):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""
        if password:
            reply = self.call("AUTH", password)
            if isinstance(reply, Exception):
                raise reply

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def reply(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return rest.decode()
        if kind == b"-":
            return RuntimeError(rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"$":
            n = int(rest)
            return None if n < 0 else self.exact(n).decode()
        if kind == b"*":
            n = int(rest)
            return None if n < 0 else [self.reply() for _ in range(n)]
        raise ValueError("unexpected reply %r" % line)

    def call(self, *args):
        self.s.sendall(encode(args))
        return self.reply()


def main():
    port, password, what = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    c = Conn(port, password)
    if what == "copy":
        src, dst, times = sys.argv[4], sys.argv[5], int(sys.argv[6])
        entries = c.call("XRANGE", src, "-", "+")
        for _ in range(times):
            for _, fields in entries:
                reply = c.call("XADD", dst, "*", *fields)
                if isinstance(reply, Exception):
                    sys.exit("XADD: %s" % reply)
        return
    if what == "dump":
        start = "-"
        while True:
            entries = c.call("XRANGE", sys.argv[4], start, "+", "COUNT", "1000")
            if isinstance(entries, Exception):
                sys.exit("XRANGE: %s" % entries)
            for entry_id, fields in entries:
                rec = {"entry": entry_id}
                rec.update(zip(fields[0::2], fields[1::2]))
                print(json.dumps(rec))
            if len(entries) < 1000:
                break
            start = "(" + entries[-1][0]
        return
    reply = c.call(*sys.argv[4:])
    if isinstance(reply, Exception):
        print(json.dumps({"error": str(reply)}))
        sys.exit(1)
    print(json.dumps(reply))


if __name__ == "__main__":
    main()
