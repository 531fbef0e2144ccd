"""A local SMTP sink for the tests: aiosmtpd (Debian's python3-aiosmtpd) on 127.0.0.1, printing
each message it receives as one JSON line on stdout ({"from", "to", "data"}); the first line is
{"port": N} once it listens. Run with /usr/bin/python3 (Debian's, which has the package)."""
import asyncio
import json
import socket
import sys

from aiosmtpd.controller import Controller


class Sink:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({"from": envelope.mail_from, "to": envelope.rcpt_tos,
                          "data": envelope.content.decode("utf-8", "replace")}), flush=True)
        return "250 OK"


def main():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    print(json.dumps({"port": port}), flush=True)
    try:
        sys.stdin.read()   # until the test closes our stdin (or ends)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
