"""The `oms` command (`main.app`), the course files it reads and writes, and the local development stack
(`devstack`: SecantusDB and Redis as separate processes) that `make run` and the tests start."""
