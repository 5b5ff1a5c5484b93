"""Offline checks of the deployment files: the kustomize base and production overlay
under deploy/k8s/ (rendered here without kubectl, then validated against the
Kubernetes 1.31 and newest bundled schemas in strict mode by kubernetes-validate),
and docker-compose.yml against the Compose specification (compose-spec).

Needs neither a broker nor a database nor a cluster."""
import copy
import json
import pathlib
import re

import pytest
import yaml

from shared.devstack import SERVICES

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = pathlib.Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
BASE = K8S / "base"
PRODUCTION = K8S / "overlays" / "production"
SCHEMA_VERSIONS = ("1.31.0", kubernetes_validate.utils.latest_version())
# Kustomization fields the renderer below understands; anything else fails the test
# rather than being silently ignored.
SUPPORTED = {"apiVersion", "kind", "namespace", "resources", "images", "patches",
             "secretGenerator", "configMapGenerator", "generatorOptions"}
CLUSTER_SCOPED = {"Namespace", "PersistentVolume", "StorageClass", "ClusterRole",
                  "ClusterRoleBinding", "CustomResourceDefinition", "IngressClass"}
# The schemas accept any string for a quantity; the API server does not.
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
PROCESSES = (*SERVICES, "gateway")
SECRET_KEYS = {"LINLI_SECRET", "LINLI_ADMIN_PHONE", "LINLI_ADMIN_PASSWORD",
               "RABBITMQ_DEFAULT_USER", "RABBITMQ_DEFAULT_PASS",
               "MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD", "MONGO_REPLICA_KEY",
               *(f"LINLI_AMQP_PASSWORD_{p.upper()}" for p in PROCESSES)}


# --- a small kustomize ----------------------------------------------------------------

def _load_yaml_docs(path: pathlib.Path) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]


def _read_env_file(path: pathlib.Path) -> dict[str, str]:
    data = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            data[key.strip()] = value
    return data


def _env_source(directory: pathlib.Path, name: str) -> pathlib.Path:
    """secrets.env is git-ignored: render with the committed example when it is absent."""
    path = directory / name
    if not path.exists() and (directory / f"{name}.example").exists():
        return directory / f"{name}.example"
    return path


def _generate(kind: str, spec: dict, directory: pathlib.Path, options: dict) -> dict:
    assert options.get("disableNameSuffixHash"), "the renderer does not rewrite hashed names"
    data = {}
    for env in spec.get("envs", []):
        data.update(_read_env_file(_env_source(directory, env)))
    for literal in spec.get("literals", []):
        key, _, value = literal.partition("=")
        data[key] = value
    for file in spec.get("files", []):
        key, _, rel = file.rpartition("=")
        rel = rel or file
        data[key or pathlib.Path(rel).name] = (directory / rel).read_text(encoding="utf-8")
    obj = {"apiVersion": "v1", "kind": kind,
           "metadata": {"name": spec["name"], "labels": dict(options.get("labels", {}))}}
    if kind == "Secret":
        obj["type"] = spec.get("type", "Opaque")
        obj["stringData"] = data
    else:
        obj["data"] = data
    return obj


def _merge(target, patch):
    """Strategic-merge for what the overlays use: maps merge, lists of named maps
    merge by name (containers, env, ports), any other list is replaced."""
    if isinstance(target, dict) and isinstance(patch, dict):
        for key, value in patch.items():
            if value is None:
                target.pop(key, None)
            elif key in target:
                target[key] = _merge(target[key], value)
            else:
                target[key] = copy.deepcopy(value)
        return target
    if (isinstance(target, list) and isinstance(patch, list) and patch
            and all(isinstance(i, dict) and "name" in i for i in target + patch)):
        by_name = {item["name"]: item for item in target}
        for item in patch:
            if item["name"] in by_name:
                _merge(by_name[item["name"]], item)
            else:
                target.append(copy.deepcopy(item))
        return target
    return copy.deepcopy(patch)


def _key(obj: dict) -> tuple:
    group = obj["apiVersion"].rpartition("/")[0]
    return group, obj["kind"], obj["metadata"]["name"]


def render(directory: pathlib.Path) -> list[dict]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text(encoding="utf-8"))
    unknown = set(kustomization) - SUPPORTED
    assert not unknown, f"{directory}: kustomization fields the test cannot render: {unknown}"
    objects: list[dict] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else _load_yaml_docs(path))
    options = kustomization.get("generatorOptions", {})
    for spec in kustomization.get("secretGenerator", []):
        objects.append(_generate("Secret", spec, directory, options))
    for spec in kustomization.get("configMapGenerator", []):
        objects.append(_generate("ConfigMap", spec, directory, options))
    for entry in kustomization.get("patches", []):
        assert set(entry) == {"path"}, f"only `- path: <strategic merge patch>` is supported: {entry}"
        patches = _load_yaml_docs(directory / entry["path"])
        assert len(patches) == 1, f"{entry['path']}: one object per patch file"
        patch = patches[0]
        matches = [o for o in objects if _key(o) == _key(patch)]
        assert len(matches) == 1, f"{entry['path']} matches {len(matches)} objects"
        _merge(matches[0], patch)
    for image in kustomization.get("images", []):
        for container in _containers_everywhere(objects):
            name, _, _tag = container["image"].partition(":")
            if name == image["name"]:
                container["image"] = f"{image.get('newName', name)}:{image['newTag']}"
    namespace = kustomization.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = namespace
    keys = [_key(o) for o in objects]
    assert len(keys) == len(set(keys)), f"duplicate objects in {directory}"
    return objects


def _pod_spec(obj: dict):
    if obj["kind"] in ("Deployment", "StatefulSet", "Job"):
        return obj["spec"]["template"]["spec"]
    return None


def _containers_everywhere(objects):
    for obj in objects:
        spec = _pod_spec(obj)
        if spec:
            yield from spec.get("initContainers", [])
            yield from spec["containers"]


def of_kind(objects, kind):
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


@pytest.fixture(scope="module", params=["base", "production"])
def rendered(request):
    return request.param, render(BASE if request.param == "base" else PRODUCTION)


# --- schema validation ----------------------------------------------------------------

@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(rendered, version):
    _, objects = rendered
    assert len(objects) > 20
    errors = []
    for obj in objects:
        try:
            kubernetes_validate.validate(obj, version, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message} at {list(exc.path)}")
        except kubernetes_validate.SchemaNotFoundError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: no schema: {exc}")
    assert not errors, "\n".join(errors)


def test_the_validator_rejects_a_broken_manifest():
    """Guard against a validator that accepts anything."""
    deployment = copy.deepcopy(of_kind(render(BASE), "Deployment")["canteen"])
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limts"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, SCHEMA_VERSIONS[0], strict=True)
    deployment = copy.deepcopy(of_kind(render(BASE), "Deployment")["canteen"])
    deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = "30"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, SCHEMA_VERSIONS[0], strict=True)


# --- what the issue asks of every service ---------------------------------------------

def test_every_service_has_a_deployment_pdb_and_hpa(rendered):
    _, objects = rendered
    deployments = of_kind(objects, "Deployment")
    pdbs = of_kind(objects, "PodDisruptionBudget")
    hpas = of_kind(objects, "HorizontalPodAutoscaler")
    for name in (*SERVICES, "gateway"):
        assert name in deployments, f"no Deployment for {name}"
        assert name in pdbs, f"no PodDisruptionBudget for {name}"
        assert name in hpas, f"no HorizontalPodAutoscaler for {name}"
        assert pdbs[name]["spec"]["minAvailable"] == 1
        hpa = hpas[name]
        assert hpa["apiVersion"] == "autoscaling/v2"
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": name}
        # With one replica, minAvailable 1 would block every node drain.
        assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        assert any(m["type"] == "Resource" and m["resource"]["name"] == "cpu"
                   for m in hpa["spec"]["metrics"])
        # The HPA owns the count: a replicas field would reset it on every apply.
        assert "replicas" not in deployments[name]["spec"], name
    for name in SERVICES:
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["nameko", "run", "--config", "deploy/nameko.yml",
                                        f"services.{name}.service"]
        for probe in ("readinessProbe", "livenessProbe"):
            assert container[probe]["exec"]["command"] == ["python", "-m", "shared.healthcheck", name]
        live = container["livenessProbe"]
        assert live["periodSeconds"] * live["failureThreshold"] >= 180, "liveness must be generous"
        assert (ROOT / "services" / name / "service.py").exists()


def test_every_deployment_has_probes_requests_limits_and_a_grace_period(rendered):
    _, objects = rendered
    for obj in objects:
        spec = _pod_spec(obj)
        if not spec:
            continue
        where = f"{obj['kind']}/{obj['metadata']['name']}"
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container.get("resources", {})
            for field in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources.get(field, {})), f"{where}: {field}"
                for value in resources[field].values():
                    assert QUANTITY.match(str(value)), f"{where}: bad quantity {value!r}"
        if obj["kind"] == "Job":
            continue
        for container in spec["containers"]:
            assert "readinessProbe" in container and "livenessProbe" in container, where
        if obj["kind"] == "Deployment":
            assert spec["terminationGracePeriodSeconds"] == 30, where


def test_gateway_probes_ingress_and_proxy_hops(rendered):
    _, objects = rendered
    gateway = of_kind(objects, "Deployment")["gateway"]
    container = gateway["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["gunicorn", "-c", "deploy/gunicorn.conf.py",
                                    "services.gateway.app:app"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env["LINLI_PROXY_HOPS"] == "1"
    service = of_kind(objects, "Service")["gateway"]
    ingress = of_kind(objects, "Ingress")["gateway"]
    paths = [p for rule in ingress["spec"]["rules"] for p in rule["http"]["paths"]]
    assert paths and all(p["backend"]["service"]["name"] == "gateway" for p in paths)
    assert {p["backend"]["service"]["port"]["name"] for p in paths} <= {
        port["name"] for port in service["spec"]["ports"]}
    assert not any(p["path"] in ("/", "/metrics") for p in paths), "/metrics must stay internal"
    # gunicorn's graceful_timeout plus the preStop sleep fit in the grace period.
    graceful = next(int(line.split("=")[1]) for line in
                    (ROOT / "deploy" / "gunicorn.conf.py").read_text().splitlines()
                    if line.startswith("graceful_timeout"))
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert graceful + pre_stop < gateway["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]


def test_labels_selectors_and_references_are_consistent(rendered):
    variant, objects = rendered
    names = {kind: set(of_kind(objects, kind)) for kind in ("ConfigMap", "Secret", "Service")}
    assert [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"] == ["linli"]
    workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]
    for obj in objects:
        labels = obj["metadata"].get("labels", {})
        assert labels.get("app.kubernetes.io/part-of") == "linli", f"{_key(obj)} unlabelled"
        if obj["kind"] != "Namespace":
            assert obj["metadata"]["namespace"] == "linli", _key(obj)
    for obj in workloads:
        selector = obj["spec"]["selector"]["matchLabels"]
        template_labels = obj["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= template_labels.items(), _key(obj)
        assert selector["app.kubernetes.io/name"] == obj["metadata"]["name"]
    for kind in ("PodDisruptionBudget", "NetworkPolicy", "Service"):
        for obj in of_kind(objects, kind).values():
            selector = (obj["spec"].get("selector", {}).get("matchLabels")
                        or obj["spec"].get("podSelector", {}).get("matchLabels")
                        or obj["spec"].get("selector"))
            assert any(selector.items() <= w["spec"]["template"]["metadata"]["labels"].items()
                       for w in workloads), f"{kind}/{obj['metadata']['name']} selects nothing"
    for obj in of_kind(objects, "StatefulSet").values():
        assert obj["spec"]["serviceName"] in names["Service"]
    if variant == "base":
        return  # the Secret comes from an overlay
    for obj in objects:
        spec = _pod_spec(obj)
        for container in (spec.get("initContainers", []) + spec["containers"]) if spec else []:
            for source in container.get("envFrom", []):
                if "configMapRef" in source:
                    assert source["configMapRef"]["name"] in names["ConfigMap"]
                if "secretRef" in source:
                    assert source["secretRef"]["name"] in names["Secret"]
            for var in container.get("env", []):
                ref = var.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    secret = of_kind(objects, "Secret")[ref["name"]]
                    assert ref["key"] in secret["stringData"], ref


def _secret_refs(container) -> dict[str, str]:
    return {e["name"]: e["valueFrom"]["secretKeyRef"]["key"] for e in container.get("env", [])
            if "secretKeyRef" in e.get("valueFrom", {})}


def test_environment_reaches_every_linli_process(rendered):
    _, objects = rendered
    config = of_kind(objects, "ConfigMap")["linli-config"]["data"]
    assert config["LINLI_ENV"] == "production"
    assert {"LINLI_MONGO_HOSTS", "LINLI_TZ", "LINLI_AMQP_HOST"} <= set(config)
    assert "MONGO_URI" not in config, "assembled with the credentials in each Deployment"
    for name in PROCESSES:
        container = of_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["envFrom"] == [{"configMapRef": {"name": "linli-config"}}], \
            f"{name}: only its own keys of the Secret, never all of them"
        env = {e["name"]: e.get("value", "") for e in container["env"]}
        assert env["AMQP_URI"] == f"amqp://linli-{name}:$(LINLI_AMQP_PASSWORD)@$(LINLI_AMQP_HOST)/"
        assert env["MONGO_URI"] == ("mongodb://$(MONGO_USERNAME):$(MONGO_PASSWORD)@$(LINLI_MONGO_HOSTS)"
                                    "/?replicaSet=rs0&authSource=admin")
        refs = _secret_refs(container)
        assert refs["LINLI_AMQP_PASSWORD"] == f"LINLI_AMQP_PASSWORD_{name.upper()}"
        assert refs["MONGO_USERNAME"] == "MONGO_INITDB_ROOT_USERNAME"
        assert refs["MONGO_PASSWORD"] == "MONGO_INITDB_ROOT_PASSWORD"
        assert refs["LINLI_SECRET"] == "LINLI_SECRET"
        assert "RABBITMQ_DEFAULT_PASS" not in refs.values(), f"{name}: no operators' broker password"
        assert ("LINLI_ADMIN_PASSWORD" in refs.values()) == (name == "residents")
        names = [e["name"] for e in container["env"]]
        for uri in ("AMQP_URI", "MONGO_URI"):  # $(VAR) expands only from earlier entries
            assert all(names.index(v) < names.index(uri) for v in
                       re.findall(r"\$\((\w+)\)", env[uri]) if v in names)
        assert container["image"].split(":")[0].endswith("linli")


def test_every_process_has_its_own_broker_user_in_kubernetes():
    from shared import brokeraccess
    objects = render(PRODUCTION)
    users = {}
    for name in PROCESSES:
        container = of_kind(objects, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        uri = next(e["value"] for e in container["env"] if e["name"] == "AMQP_URI")
        users[name] = re.match(r"amqp://([^:]+):", uri).group(1)
        assert users[name] == brokeraccess.user_name(name)
    assert len(set(users.values())) == len(PROCESSES)
    init = of_kind(objects, "StatefulSet")["rabbitmq"]["spec"]["template"]["spec"]["initContainers"][0]
    assert "shared.brokeraccess users-file" in init["command"][-1]
    assert init["image"].split(":")[0].endswith("linli")
    assert set(_secret_refs(init).values()) >= {brokeraccess.password_variable(p)
                                                for p in brokeraccess.PROCESSES}


def test_kubernetes_mongo_requires_authentication_with_a_keyfile():
    objects = render(PRODUCTION)
    pod = of_kind(objects, "StatefulSet")["mongo"]["spec"]["template"]["spec"]
    mongo = pod["containers"][0]
    assert "command" not in mongo, "the image's entrypoint creates the root user"
    args = mongo["args"]
    assert args[0] == "mongod" and args[args.index("--keyFile") + 1] == "/etc/mongo/keyfile"
    assert _secret_refs(mongo) == {"MONGO_INITDB_ROOT_USERNAME": "MONGO_INITDB_ROOT_USERNAME",
                                   "MONGO_INITDB_ROOT_PASSWORD": "MONGO_INITDB_ROOT_PASSWORD"}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["replica-key"]["secret"]["items"] == [{"key": "MONGO_REPLICA_KEY", "path": "keyfile"}]
    assert "chmod 400" in pod["initContainers"][0]["command"][-1]
    job = of_kind(objects, "Job")["mongo-init-replicaset"]["spec"]["template"]["spec"]["containers"][0]
    assert '-u "$MONGO_INITDB_ROOT_USERNAME"' in job["command"][-1]
    assert set(_secret_refs(job)) == {"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"}


def test_kubernetes_manifests_hold_no_literal_credentials():
    for obj in render(BASE):
        spec = _pod_spec(obj)
        for container in (spec.get("initContainers", []) + spec["containers"]) if spec else []:
            for var in container.get("env", []):
                value = var.get("value", "")
                for userinfo in re.findall(r"//([^@/]*)@", value):
                    assert re.fullmatch(r"(\$\(\w+\)|linli-[a-z]+):\$\(\w+\)", userinfo), \
                        f"{obj['metadata']['name']}: {var['name']} holds a literal credential"
                if re.search(r"PASS|SECRET|KEY", var["name"]):
                    assert "valueFrom" in var, f"{obj['metadata']['name']}: {var['name']} is literal"


def test_production_overlay_changes_what_it_should():
    base, production = render(BASE), render(PRODUCTION)
    for name in (*SERVICES, "gateway"):
        container = of_kind(production, "Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        assert container["image"] != "linli:latest" and not container["image"].endswith(":latest")
        assert container["command"] == of_kind(base, "Deployment")[name]["spec"]["template"][
            "spec"]["containers"][0]["command"], "the patch must not drop the command"
        assert container["readinessProbe"], "the patch must not drop the probes"
    assert of_kind(production, "HorizontalPodAutoscaler")["canteen"]["spec"]["maxReplicas"] > \
        of_kind(base, "HorizontalPodAutoscaler")["canteen"]["spec"]["maxReplicas"]
    ingress = of_kind(production, "Ingress")["gateway"]["spec"]
    assert ingress["tls"][0]["hosts"] == [ingress["rules"][0]["host"]]


def test_secrets_are_generated_from_a_git_ignored_file_with_a_placeholder_example():
    example = _read_env_file(PRODUCTION / "secrets.env.example")
    assert set(example) == SECRET_KEYS
    for key in ("LINLI_SECRET", "LINLI_ADMIN_PASSWORD", "RABBITMQ_DEFAULT_PASS"):
        assert "CHANGE-ME" in example[key], f"{key}: the example holds placeholders only"
    assert "secrets.env" in (PRODUCTION / ".gitignore").read_text().split()
    for path in K8S.rglob("*.yaml"):
        for doc in _load_yaml_docs(path):
            assert doc.get("kind") != "Secret", f"{path}: no Secret objects in git"


def test_rabbitmq_and_mongo_statefulsets():
    objects = render(PRODUCTION)
    rabbit = of_kind(objects, "StatefulSet")["rabbitmq"]
    assert rabbit["spec"]["template"]["spec"]["containers"][0]["image"] == "rabbitmq:3.13-management"
    assert rabbit["spec"]["volumeClaimTemplates"]
    config = of_kind(objects, "ConfigMap")["rabbitmq-config"]["data"]
    assert json.loads(config["definitions.json"]) == json.loads(
        (ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text()), "definitions drifted"
    assert config["rabbitmq.conf"] == (ROOT / "deploy" / "rabbitmq" / "rabbitmq.conf").read_text()
    assert "load_definitions = /etc/rabbitmq/definitions/" in config["rabbitmq.conf"]
    assert "rabbitmq_management" in config["enabled_plugins"]
    mongo = of_kind(objects, "StatefulSet")["mongo"]
    assert mongo["spec"]["replicas"] == 3
    args = mongo["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[args.index("--replSet") + 1] == "rs0"
    job = of_kind(objects, "Job")["mongo-init-replicaset"]
    script = "\n".join(job["spec"]["template"]["spec"]["containers"][0]["command"])
    assert "rs.initiate" in script
    for n in range(3):
        assert f"mongo-{n}.mongo:27017" in script
        assert f"mongo-{n}.mongo:27017" in of_kind(objects, "ConfigMap")["linli-config"]["data"][
            "LINLI_MONGO_HOSTS"]


def test_rabbitmq_definitions_are_minimal_and_free_of_credentials():
    definitions = json.loads((ROOT / "deploy" / "rabbitmq" / "definitions.json").read_text())
    assert set(definitions) <= {"vhosts", "policies", "parameters", "global_parameters"}
    assert {"name": "/"} in definitions["vhosts"]
    for policy in definitions["policies"]:
        assert "ha-mode" not in policy["definition"], "classic mirroring is gone in RabbitMQ 4"
        assert policy["apply-to"] == "queues"
    dead = next(p for p in definitions["policies"] if p["pattern"] == r"\.dead$")
    # A full dead-letter queue must refuse, never drop the oldest letters silently.
    assert dead["definition"].get("overflow") == "reject-publish"
    assert "message-ttl" not in dead["definition"]


def test_the_keda_scaledobjects_are_optional_and_target_real_deployments():
    for kustomization in (BASE, PRODUCTION):
        assert "optional" not in (kustomization / "kustomization.yaml").read_text()
    deployments = of_kind(render(BASE), "Deployment")
    scaled = [d for d in _load_yaml_docs(K8S / "optional" / "keda" / "scaledobjects.yaml")
              if d["kind"] == "ScaledObject"]
    assert scaled
    for obj in scaled:
        assert obj["spec"]["scaleTargetRef"]["name"] in deployments
        assert any(t["type"] == "rabbitmq" for t in obj["spec"]["triggers"])


# --- docker-compose.yml ---------------------------------------------------------------

def test_compose_file_follows_the_compose_specification():
    compose_spec = pytest.importorskip("compose_spec")
    source = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    compose = compose_spec.PyOptions(apply_merge=True).from_yaml(source)
    compose.validate()
    assert set(SERVICES) <= set(compose.service_names())
    # and the parser is strict: an unknown key or a bad value fails
    for broken in (source.replace("stop_grace_period:", "stop_grace_perod:", 1),
                   source.replace("condition: service_healthy", "condition: healthy", 1)):
        with pytest.raises(ValueError):
            compose_spec.PyOptions(apply_merge=True).from_yaml(broken).validate()


def _compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def _published(port) -> str:
    return port if isinstance(port, str) else f"{port.get('host_ip', '')}:{port.get('published')}"


def test_compose_publishes_ports_on_127_0_0_1_only():
    published = [(name, _published(port)) for name, service in _compose()["services"].items()
                 for port in service.get("ports", [])]
    assert published, "the gateway at least is published"
    for name, port in published:
        assert port.startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_compose_mongo_requires_authentication_with_a_keyfile():
    services = _compose()["services"]
    mongo = services["mongo"]
    assert {"MONGO_INITDB_ROOT_USERNAME", "MONGO_INITDB_ROOT_PASSWORD"} <= set(mongo["environment"])
    assert "--keyFile" in mongo["command"] and "--replSet" in mongo["command"]
    assert "-u" in mongo["healthcheck"]["test"][-1], "the healthcheck signs in"
    for name in (*SERVICES, "gateway"):
        uri = services[name]["environment"]["MONGO_URI"]
        assert re.match(r"mongodb://\$\{MONGO_INITDB_ROOT_USERNAME[^}]*\}:\$\{MONGO_INITDB_ROOT_PASSWORD",
                        uri), name
        assert "authSource=admin" in uri and "replicaSet=rs0" in uri


def test_compose_holds_no_literal_credentials():
    secretive = re.compile(r"PASS|SECRET|KEY|_URI|_URL")
    interpolation = re.compile(r"\$\{[^}]*\}")
    for name, service in _compose()["services"].items():
        assert "env_file" not in service, f"{name}: only the settings it needs, not all of .env"
        for key, value in (service.get("environment") or {}).items():
            if not secretive.search(key):
                continue
            literal = interpolation.sub("", str(value))
            userinfo = re.findall(r"//([^@/]*)@", literal)
            if userinfo:  # a URL: a user name may be literal, a password never
                assert all(re.fullmatch(r"(linli-[a-z]+)?:", u) for u in userinfo), \
                    f"{name}: {key} holds a literal password"
            elif not key.endswith(("_URI", "_URL")):
                assert literal == "", f"{name}: {key} holds a literal credential"


def test_compose_gives_every_process_its_own_broker_user():
    from shared import brokeraccess
    services = _compose()["services"]
    users = {}
    for name in (*SERVICES, "gateway"):
        uri = services[name]["environment"]["AMQP_URI"]
        user, password = re.match(r"amqp://([^:]+):([^@]+)@", uri).groups()
        assert user == brokeraccess.user_name(name)
        assert password.startswith("${" + brokeraccess.password_variable(name))
        users[name] = user
        assert "RABBITMQ_MANAGEMENT_URL" not in services[name]["environment"], \
            f"{name} must not hold the operators' broker credentials"
    assert len(set(users.values())) == len(users)
    setup = services["rabbitmq-setup"]["environment"]
    assert {brokeraccess.password_variable(p) for p in brokeraccess.PROCESSES} <= set(setup)
    example = _read_env_file(ROOT / "deploy" / "env.example")
    assert {brokeraccess.password_variable(p) for p in brokeraccess.PROCESSES} <= set(example)


# --- the web frontend ---------------------------------------------------------------------
def test_web_is_served_at_the_root_of_the_apis_host_and_holds_no_credentials():
    for variant in (BASE, PRODUCTION):
        objects = render(variant)
        web = of_kind(objects, "Deployment")["web"]
        container = web["spec"]["template"]["spec"]["containers"][0]
        assert container["command"] == ["gunicorn", "-c", "deploy/gunicorn-web.conf.py",
                                        "services.web.app:app"]
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        assert env["LINLI_API_URL"] == "http://gateway"  # the gateway's Service, like any frontend
        assert not _secret_refs(container), "the web process needs no Secret key"
        assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
        assert "web" in of_kind(objects, "PodDisruptionBudget")
        assert "web" in of_kind(objects, "HorizontalPodAutoscaler")
        web_ingress = of_kind(objects, "Ingress")["web"]["spec"]
        api_ingress = of_kind(objects, "Ingress")["gateway"]["spec"]
        paths = [p for rule in web_ingress["rules"] for p in rule["http"]["paths"]]
        assert [(p["path"], p["backend"]["service"]["name"]) for p in paths] == [("/", "web")]
        assert web_ingress["rules"][0]["host"] == api_ingress["rules"][0]["host"]
        if variant == PRODUCTION:
            assert container["image"] != "linli:latest"
            assert web_ingress["tls"] == api_ingress["tls"]


def test_compose_runs_the_web_pages_against_the_gateway_without_credentials():
    services = _compose()["services"]
    web = services["web"]
    assert web["command"] == ["gunicorn", "-c", "deploy/gunicorn-web.conf.py", "services.web.app:app"]
    assert web["environment"]["LINLI_API_URL"] == "http://gateway:8000"
    assert not {"LINLI_SECRET", "MONGO_URI", "AMQP_URI"} & set(web["environment"])
    assert web["depends_on"]["gateway"]["condition"] == "service_healthy"
    assert [_published(p) for p in web["ports"]] == ["127.0.0.1:8080:8080"]
