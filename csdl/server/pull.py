"""The queue of a ``pull`` push subscription, with DataSift's cursor semantics.

Items are kept in arrival order with a sequence number. A pull without a cursor returns what
follows the previous pull (so each item is returned once); ``X-DataSift-Cursor-Next`` names the
position after the batch and ``X-DataSift-Cursor-Current`` the position it started at, and a pull
*with* a cursor starts there, so a client that lost an answer can read it again while the items
are still held. The queue is bounded: when it is full, items already read make room first;
otherwise new items are refused (the subscription then records ``lost_data``).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict, deque

from csdl.server.errors import ApiError

#: Cursors remembered per queue (the newest).
MAX_CURSORS = 1000


class PullQueue:
    def __init__(self, name: str, capacity: int):
        self.name = name
        self.capacity = capacity
        self.items: deque = deque()  # (sequence, encoded item)
        self.first = 0  # sequence of items[0]
        self.next = 0  # sequence of the next item added
        self.read_to = 0  # everything before this was returned by a pull
        self.cursors: OrderedDict[str, int] = OrderedDict()
        self.lock = threading.Lock()

    def add(self, encoded: bytes) -> bool:
        with self.lock:
            if len(self.items) >= self.capacity:
                if self.items[0][0] >= self.read_to:
                    return False
                self.items.popleft()
                self.first += 1
            self.items.append((self.next, encoded))
            self.next += 1
            return True

    def __len__(self) -> int:
        with self.lock:
            return max(0, self.next - max(self.read_to, self.first))

    def _cursor(self, position: int) -> str:
        token = hashlib.md5(f"{self.name}:{position}".encode()).hexdigest()
        self.cursors[token] = position
        self.cursors.move_to_end(token)
        while len(self.cursors) > MAX_CURSORS:
            self.cursors.popitem(last=False)
        return token

    def pull(self, size: int, cursor: str | None) -> tuple[list[bytes], str, str]:
        """Up to ``size`` bytes of items (at least one when any): (items, current cursor, next cursor)."""
        with self.lock:
            if cursor:
                start = self.cursors.get(cursor)
                if start is None:
                    raise ApiError(400, f"Invalid cursor: {cursor[:64]}")
            else:
                start = self.read_to
            start = max(start, self.first)
            out, total = [], 0
            for sequence, encoded in self.items:
                if sequence < start:
                    continue
                if out and total + len(encoded) > size:
                    break
                out.append(encoded)
                total += len(encoded) + 1
            end = start + len(out)
            self.read_to = max(self.read_to, end) if not cursor else end
            return out, self._cursor(start), self._cursor(end)
