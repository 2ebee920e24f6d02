"""Run by `kiln doctor` through the training launcher, in the sd-scripts folder: reports what it finds as one
JSON line. Never raises: every failure is part of the answer."""

import json
import os
import platform
import sys


def module(name):
    try:
        loaded = __import__(name)
        return {"ok": True, "version": getattr(loaded, "__version__", None)}
    except Exception as error:  # noqa: BLE001 - any import failure is the answer
        return {"ok": False, "error": f"{type(error).__name__}: {error}"}


answer = {"python": platform.python_version(), "executable": sys.executable}
for name in ("torch", "accelerate", "diffusers", "transformers"):
    answer[name] = module(name)
if answer["torch"]["ok"]:
    import torch

    cuda = {"available": bool(torch.cuda.is_available())}
    if cuda["available"]:
        device = torch.cuda.get_device_properties(0)
        cuda.update(name=device.name, memory_bytes=device.total_memory, count=torch.cuda.device_count())
    answer["cuda"] = cuda
sys.path.insert(0, os.getcwd())
answer["sd_scripts"] = module("library.train_util")
print("KILN_DOCTOR " + json.dumps(answer), flush=True)
