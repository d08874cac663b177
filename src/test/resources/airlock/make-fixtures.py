#!/usr/bin/env python3
"""Writes the pickle fixtures of the airlock tests (AirlockPickleFixturesTest) into this folder.

Run with a Python that has torch (the torch_* files; e.g. /work/py/hub1/bin/python) from this folder:
    python make-fixtures.py
Nothing here is ever unpickled: the "malicious" objects only *reference* os.system and friends through
__reduce__, which pickling records and never calls.
"""
import collections
import io
import os
import pickle
import subprocess
import zipfile


class Exploit:
    """Unpickling this would call os.system('echo pwned')."""
    def __reduce__(self):
        return (os.system, ("echo pwned",))


class EvalExploit:
    def __reduce__(self):
        return (eval, ("__import__('os').system('echo pwned')",))


class PopenExploit:
    def __reduce__(self):
        return (subprocess.Popen, (["echo", "pwned"],))


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


benign = {"weights": [1.5, 2.5], "name": "tiny", "od": collections.OrderedDict(a=1), "b": b"\x00\x01", "t": (1, None, True)}
for proto in range(0, 6):
    write(f"benign_p{proto}.pkl", pickle.dumps(benign, protocol=proto))
    write(f"os_system_p{proto}.pkl", pickle.dumps({"x": [1, Exploit()]}, protocol=proto))
write("eval_p2.pkl", pickle.dumps(EvalExploit(), protocol=2))
write("popen_p4.pkl", pickle.dumps(PopenExploit(), protocol=4))
# two pickles in one file: a benign one first, the exploit second
write("second_pickle.pkl", pickle.dumps([1, 2], protocol=4) + pickle.dumps(Exploit(), protocol=4))
# an exploit inside a zip under a .pkl name, as a PyTorch checkpoint carries data.pkl
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("archive/data.pkl", pickle.dumps(Exploit(), protocol=2))
    z.writestr("archive/version", "3\n")
write("zip_os_system.pt", buf.getvalue())

try:
    import torch
except ImportError:
    torch = None
if torch is not None:
    torch.manual_seed(0)
    state = torch.nn.Linear(3, 2).state_dict()
    b = io.BytesIO(); torch.save(state, b); write("torch_state_dict.pt", b.getvalue())
    b = io.BytesIO(); torch.save(state, b, _use_new_zipfile_serialization=False); write("torch_legacy_state_dict.bin", b.getvalue())
    b = io.BytesIO(); torch.save({"state": state, "hook": Exploit()}, b); write("torch_os_system.pt", b.getvalue())
    b = io.BytesIO(); torch.save({"state": state, "hook": Exploit()}, b, _use_new_zipfile_serialization=False)
    write("torch_legacy_os_system.bin", b.getvalue())
