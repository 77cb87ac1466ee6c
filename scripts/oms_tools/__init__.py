"""What the scripts share: child processes (procs), wrk (wrk), CPU metering (cpu), the generated catalogue
(catalogue). scripts/ is on the path of every script (PYTHONPATH, or the script's own folder)."""
