#!/usr/bin/env python3
"""Random pickles and the globals Python's own unpickler asks for while loading them (PickleScannerDifferentialTest).

    python3 differential.py OUT_DIR SEED COUNT

Writes OUT_DIR/N.pkl and OUT_DIR/N.txt (one "module name" line per find_class call, sorted, unique). The pickles
reference real functions (os.system, eval, ...) by name only; they are loaded by an unpickler whose find_class
records the name and returns a harmless stub, so nothing referenced is ever called.
"""
import collections
import io
import os
import pickle
import pickletools
import random
import sys

GLOBALS = [os.system, eval, exec, getattr, __import__, collections.OrderedDict, pickle.loads, io.BytesIO, random.Random,
           pickletools.genops, os.path.join, sorted, len, collections.namedtuple]


class Reduce:
    """Pickles as a call of `fn` with `args` (a REDUCE over a global)."""
    def __init__(self, fn, args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


class Stub(dict):
    """What the recording unpickler hands out for every global: accepts any call, item, append or state."""
    def __new__(cls, *a, **k):
        return dict.__new__(cls)

    def __init__(self, *a, **k):
        pass

    def __call__(self, *a, **k):
        return Stub()

    def __setstate__(self, state):
        pass

    def append(self, x):
        pass

    def extend(self, xs):
        pass

    def add(self, x):
        pass


class Recorder(pickle._Unpickler):
    def __init__(self, f):
        super().__init__(f)
        self.seen = set()

    def find_class(self, module, name):
        self.seen.add((module, name))
        return Stub


def value(r, depth):
    kinds = ["int", "big", "float", "str", "bytes", "none", "bool", "global", "reduce"]
    if depth < 4:
        kinds += ["list", "tuple", "dict", "set", "frozenset", "od", "shared"] * 2
    k = r.choice(kinds)
    if k == "int":
        return r.randint(-70000, 70000)
    if k == "big":
        return r.randint(-(1 << 200), 1 << 200)
    if k == "float":
        return r.random() * 1e6
    if k == "str":
        return "".join(r.choice("ab\u00e9\u4e2d'\"\\\n ") for _ in range(r.randint(0, 12)))
    if k == "bytes":
        return bytes(r.randint(0, 255) for _ in range(r.randint(0, 10)))
    if k == "none":
        return None
    if k == "bool":
        return r.random() < 0.5
    if k == "global":
        return r.choice(GLOBALS)
    if k == "reduce":
        return Reduce(r.choice(GLOBALS), tuple(value(r, depth + 1) for _ in range(r.randint(0, 2))))
    n = r.randint(0, 4)
    if k == "list":
        return [value(r, depth + 1) for _ in range(n)]
    if k == "tuple":
        return tuple(value(r, depth + 1) for _ in range(n))
    if k == "dict":
        return {r.randint(0, 100): value(r, depth + 1) for _ in range(n)}
    if k == "set":
        return {r.randint(0, 100) for _ in range(n)}
    if k == "frozenset":
        return frozenset(r.randint(0, 100) for _ in range(n))
    if k == "od":
        return collections.OrderedDict((str(i), value(r, depth + 1)) for i in range(n))
    shared = [value(r, depth + 1)]
    return [shared, shared, (shared,)]


def main():
    out, seed, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(seed)
    for i in range(count):
        data = pickle.dumps(value(r, 0), protocol=r.randint(0, 5))
        if r.random() < 0.3:
            data = pickletools.optimize(data)
        rec = Recorder(io.BytesIO(data))
        rec.load()
        with open(os.path.join(out, f"{i}.pkl"), "wb") as f:
            f.write(data)
        with open(os.path.join(out, f"{i}.txt"), "w") as f:
            for m, n in sorted(rec.seen):
                f.write(f"{m} {n}\n")


main()
