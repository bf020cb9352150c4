"""Locust users for scenario d: one path, one API key, as fast as the server answers.

``BENCH_PATH`` is the path every user requests, ``BENCH_KEY`` the bearer key.
"""

import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser


class ApiClient(FastHttpUser):
    wait_time = constant(0)

    @task
    def get(self):
        self.client.get(
            os.environ["BENCH_PATH"],
            headers={"Authorization": f"Bearer {os.environ['BENCH_KEY']}"},
            name=os.environ.get("BENCH_NAME", os.environ["BENCH_PATH"]),
        )
