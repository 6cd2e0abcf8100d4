"""An SMTP sink for the reminder benchmark only (not part of Tideline): a minimal asyncio
responder in its own process that accepts every message and counts messages, Message-IDs,
recipients and connections honestly. It speaks just enough SMTP for smtplib (EHLO/HELO, MAIL,
RCPT, DATA with dot-unstuffing irrelevant to counting, RSET, NOOP, QUIT)."""

import asyncio
import multiprocessing
import re

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


def _serve(port, count, ready, conn):
    message_ids: dict[bytes, int] = {}
    recipients: dict[bytes, int] = {}
    connections = [0]

    async def handle(reader, writer):
        connections[0] += 1
        write = writer.write
        write(b"220 sink ready\r\n")
        rcpts = []
        try:
            while True:
                line = await reader.readline()
                if not line:
                    break
                verb = line[:4].upper()
                if verb == b"DATA":
                    write(b"354 go ahead\r\n")
                    body = await reader.readuntil(b"\r\n.\r\n")
                    headers = body.split(b"\r\n\r\n", 1)[0]
                    match = MESSAGE_ID.search(headers)
                    key = match.group(1) if match else b"(none)"
                    message_ids[key] = message_ids.get(key, 0) + 1
                    for rcpt in rcpts:
                        recipients[rcpt] = recipients.get(rcpt, 0) + 1
                    rcpts = []
                    with count.get_lock():
                        count.value += 1
                    write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    rcpts.append(line[8:].strip().split(b" ", 1)[0].strip(b"<>"))
                    write(b"250 OK\r\n")
                elif verb == b"EHLO":
                    write(b"250-sink\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                elif verb == b"QUIT":
                    write(b"221 bye\r\n")
                    break
                else:  # HELO, MAIL, RSET, NOOP
                    if verb == b"MAIL" or verb == b"RSET":
                        rcpts = []
                    write(b"250 OK\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        ready.set()
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        loop.add_reader(conn.fileno(), stop.set)
        await stop.wait()
        conn.recv()
        server.close()
        conn.send(
            {"message_ids": message_ids, "recipients": recipients, "connections": connections[0]}
        )

    asyncio.run(main())


class SinkProcess:
    def __init__(self, port: int):
        self.port = port
        self.count = multiprocessing.Value("q", 0)
        self._ready = multiprocessing.Event()
        self._conn, child = multiprocessing.Pipe()
        self._proc = multiprocessing.Process(
            target=_serve, args=(port, self.count, self._ready, child), daemon=True
        )

    def start(self):
        self._proc.start()
        if not self._ready.wait(30):
            raise RuntimeError("sink did not start")

    def received(self) -> int:
        return self.count.value

    def stop(self) -> dict:
        self._conn.send("stop")
        stats = self._conn.recv()
        self._proc.join(10)
        return stats
