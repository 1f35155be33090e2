"""The Kubernetes manifests: every overlay renders with kustomize and every object validates
against the Kubernetes schemas; every process in the code has its manifest, every setting it
needs is set there (and accepted by its settings class in production mode), probe and metrics
ports match what the servers listen on; containers are locked down, secrets stay out of
ConfigMaps, only the gateway is reachable from outside."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from gateway.app import create_app
from services.dispatch.main import DispatchSettings
from services.grading.main import GradingSettings
from services.ingest.main import IngestSettings
from services.publish.main import PublishSettings
from yuqing.core import service_token
from yuqing.core.settings import SECRET_SETTINGS, SERVICES, GatewaySettings
from yuqing.suite import PROCESSES

ROOT = Path(__file__).parents[2]
K8S = ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.32.0"
SETTINGS = {"ingest": IngestSettings, "grading": GradingSettings, "dispatch": DispatchSettings,
            "publish": PublishSettings, "gateway": GatewaySettings}
pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed (.ci/run installs it)")


@pytest.fixture(scope="module", params=OVERLAYS)
def rendered(request) -> tuple[str, list[dict]]:
    output = subprocess.run(["kubectl", "kustomize", str(K8S / "overlays" / request.param)],
                            capture_output=True, text=True, check=True, timeout=120).stdout
    return request.param, [doc for doc in yaml.safe_load_all(output) if doc]


def find(objects: list[dict], kind: str, name: str) -> dict | None:
    return next((o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name), None)


def pod_specs(objects: list[dict]):
    for obj in objects:
        if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield obj, obj["spec"]["template"]["spec"]


def container_env(objects: list[dict], container: dict, overlay: str) -> dict[str, str]:
    """What the container sees: its ConfigMaps and Secrets (by rendered name), then its env."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env |= find(objects, "ConfigMap", source["configMapRef"]["name"])["data"]
        else:
            secret = find(objects, "Secret", source["secretRef"]["name"])
            if secret is None:           # prod: the operator's Secret, with the documented keys
                assert overlay == "prod" and source["secretRef"]["name"] == "yuqing-secrets"
                env |= {key: "placeholder-" + "x" * 40 for key in SECRET_SETTINGS}
                env["YQ_DATABASE_URL"], env["YQ_REDIS_URL"] = "postgresql://db/yuqing", "redis://redis:6379/0"
            else:
                env |= {k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()}
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", "from-field")
    return env


def test_every_object_is_valid_kubernetes(rendered):
    _, objects = rendered
    for obj in objects:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)


def test_every_process_has_its_manifest(rendered):
    _, objects = rendered
    for name in PROCESSES:
        for kind in ("Deployment", "Service", "ServiceAccount", "ConfigMap"):
            assert find(objects, kind, name), f"{name}: no {kind}"
        deployment = find(objects, "Deployment", name)
        [container] = deployment["spec"]["template"]["spec"]["containers"]
        assert container["args"] == ["serve", name]
        assert deployment["spec"]["template"]["spec"]["serviceAccountName"] == name
        [init] = deployment["spec"]["template"]["spec"]["initContainers"]
        assert init["args"] == ["wait-for-schema", name] and init["image"] == container["image"]
        port_name = "http" if name == "gateway" else "grpc"
        assert port_name in {p["name"] for p in find(objects, "Service", name)["spec"]["ports"]}
    migrate = find(objects, "Job", "migrate")
    assert migrate["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
    images = {c["image"] for _, spec in pod_specs(objects) for c in spec["containers"] + spec.get("initContainers", [])
              if "yuqing" in c["image"]}
    assert len(images) == 1, images                              # one image for every process


def test_every_setting_a_process_needs_is_set_and_ports_match(rendered):
    overlay, objects = rendered
    for name in PROCESSES:
        spec = find(objects, "Deployment", name)["spec"]["template"]["spec"]
        [container] = spec["containers"]
        env = container_env(objects, container, overlay)
        settings_class = SETTINGS[name]
        fields = {f"YQ_{field.upper()}" for field in settings_class.model_fields}
        unknown = {k for k in env if k.startswith("YQ_")} - fields
        assert not unknown, f"{name}: settings its code does not read: {unknown}"
        settings = settings_class(_env_file=None, **{k[3:].lower(): v for k, v in env.items() if k.startswith("YQ_")})
        assert settings.environment == "production"              # and production's checks passed
        for service in SERVICES:                                  # never the loopback defaults
            assert f"YQ_{service.upper()}_ADDRESS" in env and "127.0.0.1" not in settings.address_of(service)
            port = int(settings.address_of(service).rsplit(":", 1)[1])
            target = find(objects, "Service", service)["spec"]["ports"]
            assert port in {p["port"] for p in target if p["name"] == "grpc"}, f"{name} → {service}: port {port}"
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        assert ports["metrics"] == settings.metrics_port
        probes = [container[p] for p in ("startupProbe", "readinessProbe", "livenessProbe")]
        if name == "gateway":
            assert ports["http"] == settings.gateway_port and settings.gateway_host == "0.0.0.0"
            try:
                paths = {getattr(route, "path", None) for route in create_app(settings).routes}
            finally:
                service_token.configure("tests", None)   # create_app signs this process's calls
            for probe in probes:
                assert probe["httpGet"]["port"] in ("http", ports["http"]) and probe["httpGet"]["path"] in paths
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        else:
            listen_port = int(settings.listen_address(name).rsplit(":", 1)[1])
            assert settings.listen_address(name).startswith("0.0.0.0:") and ports["grpc"] == listen_port
            assert all(probe["grpc"]["port"] == listen_port for probe in probes)
        assert {e["name"] for e in container.get("env", [])} >= ({"YQ_CONSUMER_NAME"} if name != "gateway" else set())


def test_containers_are_locked_down(rendered):
    _, objects = rendered
    for obj, spec in pod_specs(objects):
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        assert spec["securityContext"]["runAsNonRoot"] is True, where
        assert spec.get("automountServiceAccountToken") is False, where
        for container in spec["containers"] + spec.get("initContainers", []):
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True and context["allowPrivilegeEscalation"] is False, where
            assert context["capabilities"]["drop"] == ["ALL"], where
            for bound in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container["resources"][bound]), f"{where}: {bound}"


def test_secrets_stay_out_of_config_maps(rendered):
    _, objects = rendered
    for config_map in (o for o in objects if o["kind"] == "ConfigMap"):
        for key, value in config_map.get("data", {}).items():
            assert key not in SECRET_SETTINGS and not re.search(r"PASSWORD|SECRET|TOKEN", key), key
            assert not re.search(r"://[^/\s]*:[^/\s]*@", value), f"credentials in {config_map['metadata']['name']}.{key}"
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not any(secret in dockerfile for secret in SECRET_SETTINGS)


def test_only_the_gateway_is_reachable_from_outside(rendered):
    _, objects = rendered
    policies = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "NetworkPolicy"}
    deny = policies["default-deny"]
    assert deny["podSelector"] == {} and set(deny["policyTypes"]) == {"Ingress", "Egress"}
    admitted = {}
    for policy in policies.values():
        for rule in policy.get("ingress", []):
            for peer in rule.get("from", []):
                if "namespaceSelector" in peer:
                    admitted.setdefault("outside", []).append(policy["podSelector"])
    assert admitted["outside"] == [{"matchLabels": {"app": "gateway"}}]
    services = policies["services-from-gateway-and-services"]
    [peer] = services["ingress"][0]["from"]
    assert set(peer["podSelector"]["matchExpressions"][0]["values"]) == {"gateway", *SERVICES}
    assert all(o["spec"].get("type", "ClusterIP") == "ClusterIP" for o in objects if o["kind"] == "Service")


def test_production_scales_and_survives_drains(rendered):
    overlay, objects = rendered
    data_stores = {o["metadata"]["name"] for o in objects if o["kind"] == "StatefulSet"}
    if overlay == "dev":
        assert data_stores == {"postgres", "redis"}
        return
    assert not data_stores                                        # external PostgreSQL and Redis
    assert {o["spec"]["scaleTargetRef"]["name"] for o in objects if o["kind"] == "HorizontalPodAutoscaler"} == {
        "gateway", "ingest", "grading"}
    assert {o["metadata"]["name"] for o in objects if o["kind"] == "PodDisruptionBudget"} == set(PROCESSES)
    assert all(find(objects, "Deployment", name)["spec"]["replicas"] >= 2 for name in PROCESSES)
    assert find(objects, "Ingress", "gateway")["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]["name"] == "gateway"


def test_the_image_is_multi_stage_and_non_root():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 2
    user = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert user and not user[-1].startswith(("root", "0"))
    assert re.search(r'^ENTRYPOINT \["python", "-m", "yuqing.cli"\]', dockerfile, re.M)
