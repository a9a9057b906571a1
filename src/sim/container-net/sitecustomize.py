"""A simulated pod's network, for every Python process started in it (on PYTHONPATH there).

A real pod is a container: the gate binds 0.0.0.0:8000 and MONAI Label 127.0.0.1:8001 inside its
own network namespace. Simulated pods share this machine, so each gets host ports chosen at boot,
named SIMPOD_PORT_<container port>, and stays on loopback. This module moves a bind or connect
to a container port onto its host port; nothing else is touched, and the code that runs on real
pods (gate.py) needs no test switch.
"""

import os
import socket

_PORTS = {
    int(name[len("SIMPOD_PORT_"):]): int(value)
    for name, value in os.environ.items()
    if name.startswith("SIMPOD_PORT_") and name[len("SIMPOD_PORT_"):].isdigit() and value.isdigit()
}


def _host_address(sock, address):
    if sock.family == socket.AF_INET and isinstance(address, tuple) and len(address) == 2 and address[1] in _PORTS:
        return ("127.0.0.1", _PORTS[address[1]])
    return address


if _PORTS:
    _bind, _connect, _connect_ex = socket.socket.bind, socket.socket.connect, socket.socket.connect_ex

    def bind(self, address):
        return _bind(self, _host_address(self, address))

    def connect(self, address):
        return _connect(self, _host_address(self, address))

    def connect_ex(self, address):
        return _connect_ex(self, _host_address(self, address))

    socket.socket.bind = bind
    socket.socket.connect = connect
    socket.socket.connect_ex = connect_ex
