"""The real LiteLLM proxy, on loopback, running the config the gateway component rendered.

The config comes from the plan's ConfigMap; the only change is the address of each self-hosted model:
its in-cluster Service URL becomes a fake OpenAI-compatible server here. The primary model always fails,
so answers must come through the fallback; a route limited to 2 requests a minute must answer 429 to
the third. Every wait has a timeout, and the proxy's whole process group is killed at the end.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import BASE_STACK, write_stack
from fake_upstream import FakeUpstream
from gateway_stacks import LOOPBACK, TEST_SECRETS

from components.vllm_server import service_url
from skyweave.pipeline import plan_stack

MASTER_KEY = "sk-loopback-test-1b7e"
STARTUP_TIMEOUT_S = 120
REQUEST_TIMEOUT_S = 60
LITELLM = Path(sys.executable).parent / "litellm"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, body: dict | None = None, key: str | None = MASTER_KEY) -> tuple[int, dict, dict]:
    """(status, JSON body, headers) of a GET, or a POST when there is a body."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")
    request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Authorization", f"Bearer {key}")
    try:
        with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT_S) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


@pytest.fixture(scope="module")
def upstreams():
    with FakeUpstream("fail") as primary, FakeUpstream("ok") as backup:
        yield primary, backup


@pytest.fixture(scope="module")
def proxy(tmp_path_factory, upstreams):
    primary, backup = upstreams
    work = tmp_path_factory.mktemp("litellm")
    plan = plan_stack(write_stack(work, {**BASE_STACK, **LOOPBACK}), TEST_SECRETS)
    (config_map,) = [r for r in plan.resources if r.name == "test-eu-gateway-eu-west-1-config"]
    config = config_map.inputs["data"]["config.yaml"]
    for workload, upstream in (("llama-primary", primary), ("llama-backup", backup)):
        in_cluster = service_url(workload, "skyweave-gateway")
        assert in_cluster in config
        config = config.replace(in_cluster, upstream.base_url)
    (work / "config.yaml").write_text(config, encoding="utf-8")

    port = free_port()
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(work), "LITELLM_MASTER_KEY": MASTER_KEY,
           "LITELLM_LOCAL_MODEL_COST_MAP": "True", "NO_PROXY": "127.0.0.1,localhost"}
    log = (work / "proxy.log").open("w")
    process = subprocess.Popen(
        [str(LITELLM), "--config", str(work / "config.yaml"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process, work / "proxy.log")
        yield base
    finally:
        _stop(process)
        log.close()


def _wait_ready(base: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"LiteLLM exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{base}/health/readiness", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"LiteLLM not ready after {STARTUP_TIMEOUT_S}s:\n{log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    """Stop the proxy and every worker it started: TERM the process group, then KILL what is left."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass


def chat(base: str, model: str) -> tuple[int, dict, dict]:
    return call(f"{base}/v1/chat/completions", {"model": model, "messages": [{"role": "user", "content": "hi"}]})


def test_readiness_endpoint_answers(proxy):
    status, body, _ = call(f"{proxy}/health/readiness", key=None)
    assert status == 200
    assert body["status"] == "healthy"


def test_requests_succeed_through_the_fallback_when_the_primary_model_fails(proxy, upstreams):
    primary, backup = upstreams
    for _ in range(3):
        status, body, headers = chat(proxy, "chat")
        assert status == 200, body
        assert body["choices"][0]["message"]["content"] == f"hello from port {backup.port}"
        assert headers["x-litellm-model-group"] == "chat-backup"
    assert primary.calls >= 1  # tried, failed, then cooled down
    assert backup.calls >= 3


def test_an_enforced_rate_limit_answers_429(proxy):
    statuses = [chat(proxy, "chat-limited")[0] for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_wrong_key_is_rejected(proxy, upstreams):
    _, backup = upstreams
    before = backup.calls
    status, _, _ = call(f"{proxy}/v1/chat/completions",
                        {"model": "chat-backup", "messages": [{"role": "user", "content": "hi"}]}, key="sk-wrong")
    assert status in (400, 401)  # 400 "No connected db." without a database: virtual keys live there
    assert backup.calls == before
