"""A kubernetes_asyncio leader-election candidate, the Python peer of the interop tests.

It speaks the same line protocol as tools/candidate/candidate.ts: one JSON object per event on stdout,
{"t": epoch ms, "id", "event"}, with event one of ready, started, stopped, exit. "stopped" is printed when
the leader's work task ends (kubernetes_asyncio cancels it when renewal fails).

Environment: KUBECONFIG, LOCK_KIND (lease | configmap), LOCK_NAME, IDENTITY, NAMESPACE (default
"default"), LEASE_DURATION, RENEW_DEADLINE, RETRY_PERIOD in seconds (kubernetes_asyncio wants each >= 1).
SIGTERM or SIGINT ends the program: kubernetes_asyncio has no release, so the others wait out the lease.
"""

import asyncio
import json
import os
import signal
import sys
import time

from kubernetes_asyncio import client, config
from kubernetes_asyncio.leaderelection import electionconfig, leaderelection
from kubernetes_asyncio.leaderelection.resourcelock.configmaplock import ConfigMapLock
from kubernetes_asyncio.leaderelection.resourcelock.leaselock import LeaseLock

IDENTITY = os.environ["IDENTITY"]


def emit(event: str, **extra: object) -> None:
    line = {"t": int(time.time() * 1000), "id": IDENTITY, "event": event, **extra}
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def seconds(name: str, fallback: str) -> float:
    value = float(os.environ.get(name) or fallback)
    return int(value) if value.is_integer() else value


async def campaign() -> None:
    await config.load_kube_config(config_file=os.environ["KUBECONFIG"])
    async with client.ApiClient() as api:
        kind = os.environ["LOCK_KIND"]
        locks = {"lease": LeaseLock, "configmap": ConfigMapLock}
        if kind not in locks:
            raise SystemExit(f"python candidate: LOCK_KIND must be lease or configmap, not {kind}")
        lock = locks[kind](
            os.environ["LOCK_NAME"], os.environ.get("NAMESPACE", "default"), IDENTITY, api
        )

        async def work() -> None:
            emit("started")
            try:
                await asyncio.Event().wait()
            finally:
                emit("stopped")

        async def stopped() -> None:
            pass

        cfg = electionconfig.Config(
            lock,
            lease_duration=seconds("LEASE_DURATION", "4"),
            renew_deadline=seconds("RENEW_DEADLINE", "2.5"),
            retry_period=seconds("RETRY_PERIOD", "1"),
            onstarted_leading=work,
            onstopped_leading=stopped,
        )
        emit("ready")
        # run() returns when leadership is lost; stay a candidate for the life of the process.
        while True:
            await leaderelection.LeaderElection(cfg).run()


async def main() -> None:
    task = asyncio.create_task(campaign())
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        await task
    except asyncio.CancelledError:
        pass
    emit("exit")


if __name__ == "__main__":
    asyncio.run(main())
