"""systemd's sd_notify protocol: a datagram to $NOTIFY_SOCKET (no library needed)."""

from __future__ import annotations

import os
import socket


class SystemdNotifier:
    """Sends READY/STATUS/WATCHDOG/STOPPING; does nothing when not run by systemd."""

    def __init__(self, address: str | None) -> None:
        self.address = address
        self.watchdog_usec = 0

    @classmethod
    def from_environment(cls) -> SystemdNotifier:
        notifier = cls(os.environ.get("NOTIFY_SOCKET"))
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        if usec.isdigit() and (not pid or pid == str(os.getpid())):
            notifier.watchdog_usec = int(usec)
        return notifier

    @property
    def enabled(self) -> bool:
        return bool(self.address)

    def send(self, **fields: str) -> None:
        if not self.address:
            return
        message = "\n".join(f"{key.upper()}={value}" for key, value in fields.items()).encode()
        address = self.address
        if address.startswith("@"):  # abstract namespace socket
            address = "\0" + address[1:]
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect(address)
                sock.sendall(message)
            except OSError:
                pass  # systemd went away; never let notification break the daemon

    def ready(self, status: str) -> None:
        self.send(ready="1", status=status)

    def status(self, status: str) -> None:
        self.send(status=status)

    def watchdog(self) -> None:
        self.send(watchdog="1")

    def stopping(self) -> None:
        self.send(stopping="1", status="stopping")
