"""Locust users for bench/load.py (run it, not this file): patients who check in once and then
browse, clinicians on the dashboard and a patient's page, and two probes at a fixed pace: the
one-row page (the floor) and /healthz (on the health port when there is one). Accounts and
sessions come from the JSON file bench/load.py writes (LOAD_ACCOUNTS)."""

import json
import os
import random
import re

from locust import HttpUser, between, constant_pacing, task

ACCOUNTS = json.loads(open(os.environ["LOAD_ACCOUNTS"]).read())  # noqa: SIM115
HEALTH_URL = os.environ.get("LOAD_HEALTH_URL", "")
VERSION = re.compile(r'name="version" value="(\d+)"')


class Patient(HttpUser):
    weight = 8
    wait_time = between(1, 3)

    def on_start(self):
        account = random.choice(ACCOUNTS["patients"])
        self.client.cookies.set("sessionid", account["session"])
        form = self.client.get("/checkin/", name="check-in form")
        found = VERSION.search(form.text)
        data = {"version": found.group(1) if found else "0", "mood": str(random.randint(2, 8))}
        for name in ACCOUNTS["scale_fields"]:
            data[name] = "5"
            data[f"{name}_skip"] = "on"
        self.client.post(
            "/checkin/",
            data=data,
            headers={"X-CSRFToken": self.client.cookies.get("csrftoken", "")},
            name="check-in save",
        )

    @task(3)
    def home(self):
        self.client.get("/", name="home")

    @task(3)
    def trends(self):
        self.client.get("/trends/", name="trends")

    @task(2)
    def history(self):
        self.client.get("/history/", name="history")

    @task(1)
    def checkin_form(self):
        self.client.get("/checkin/", name="check-in form")


class Clinician(HttpUser):
    weight = 2
    wait_time = between(2, 4)

    def on_start(self):
        account = random.choice(ACCOUNTS["clinicians"])
        self.client.cookies.set("sessionid", account["session"])

    @task(2)
    def dashboard(self):
        self.client.get("/care/", name="care dashboard")

    @task(1)
    def patient_page(self):
        public_id = random.choice(ACCOUNTS["patients"])["public_id"]
        self.client.get(f"/care/patients/{public_id}/", name="care patient page")


class Floor(HttpUser):
    fixed_count = 1
    wait_time = constant_pacing(0.5)

    @task
    def one_row(self):
        self.client.get("/bench/one-row", name="one-row (floor)")


class Health(HttpUser):
    fixed_count = 1
    wait_time = constant_pacing(0.5)

    @task
    def healthz(self):
        self.client.get(HEALTH_URL or "/healthz", name="/healthz")
