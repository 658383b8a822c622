"""What every benchmark prints first: the machine and libraries it ran on (the one builder of it)."""

from __future__ import annotations

import os
import platform
import re


def environment() -> dict[str, object]:
    """Versions, BLAS libraries, thread counts and load of this process (imports numpy and torch)."""
    import numpy as np
    import torch

    info: dict[str, object] = {
        "python": platform.python_version(), "numpy": np.__version__, "torch": torch.__version__,
        "cpu_count": os.cpu_count(), "torch_threads": torch.get_num_threads(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info["numpy_blas"] = f"{blas.get('name')} {blas.get('version')}"
    except Exception:  # older NumPy: no dict mode
        info["numpy_blas"] = "unknown"
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    info["torch_blas"] = found.group(1) if found else "unknown"
    try:
        from threadpoolctl import threadpool_info

        info["threadpools"] = [{"api": pool.get("internal_api"), "version": pool.get("version"),
                                "threads": pool.get("num_threads"),
                                "library": os.path.basename(str(pool.get("filepath", "")))}
                               for pool in threadpool_info()]
    except ImportError:
        info["threadpools"] = "threadpoolctl not installed"
    return info


def environment_lines(env: dict[str, object]) -> list[str]:
    """:func:`environment` as printed lines: versions, BLAS, threads, load, thread pools."""
    lines = [f"numpy {env['numpy']} ({env['numpy_blas']}), torch {env['torch']} (BLAS {env['torch_blas']}, "
             f"{env['torch_threads']} threads), {env['cpu_count']} CPUs, python {env['python']}, "
             f"load average {env['load_average_1min']}"]
    pools = env["threadpools"]
    if isinstance(pools, list):
        lines += [f"  threadpool: {p['api']} {p['version']}, {p['threads']} threads ({p['library']})" for p in pools]
    else:
        lines.append(f"  threadpools: {pools}")
    return lines
