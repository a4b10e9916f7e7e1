// Offline validation of SynthRay's Kubernetes manifests (the output of `kubectl kustomize infra/k8s`,
// read from a file): each object against the Kubernetes API schema of its kind (kubernetes-models:
// types, formats, required fields), then the cross-references a schema cannot see. Prints one line
// per problem and exits 1 if there is any. Not a substitute for a cluster: docs/deployment.md.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
const problems = [];
const objects = [];
for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
  if (doc.errors.length) { problems.push(`YAML: ${doc.errors[0].message}`); continue; }
  const o = doc.toJSON();
  if (o) objects.push(o);
}

const kinds = {
  "v1/Namespace": "v1/Namespace", "v1/ConfigMap": "v1/ConfigMap", "v1/Secret": "v1/Secret",
  "v1/Service": "v1/Service", "v1/PersistentVolumeClaim": "v1/PersistentVolumeClaim",
  "apps/v1/Deployment": "apps/v1/Deployment", "networking.k8s.io/v1/Ingress": "networking.k8s.io/v1/Ingress",
};
const name = (o) => `${o.kind}/${o.metadata?.name}`;
for (const o of objects) {
  const key = `${o.apiVersion}/${o.kind}`;
  if (!kinds[key]) { problems.push(`${name(o)}: unexpected kind ${key}`); continue; }
  const mod = await import(`kubernetes-models/${kinds[key]}`);
  try {
    new mod[o.kind](o).validate();
  } catch (e) {
    problems.push(`${name(o)}: ${e.message.split("\n").slice(0, 3).join(" ")}`);
  }
}

const find = (kind, n) => objects.find((o) => o.kind === kind && o.metadata?.name === n);
const secretsMadeByOperator = new Set(["synthray-coordinator", "synthray-coordinator-tls", "synthray-console-tls"]);
for (const d of objects.filter((o) => o.kind === "Deployment")) {
  const spec = d.spec ?? {}, pod = spec.template?.spec ?? {}, labels = spec.template?.metadata?.labels ?? {};
  for (const [k, v] of Object.entries(spec.selector?.matchLabels ?? {})) {
    if (labels[k] !== v) problems.push(`${name(d)}: selector ${k}=${v} does not match the pod's labels`);
  }
  if (spec.replicas !== 1 || spec.strategy?.type !== "Recreate") {
    problems.push(`${name(d)}: the coordinator holds run state: replicas 1 and strategy Recreate`);
  }
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name(d)}: not runAsNonRoot`);
  const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
  for (const c of pod.containers ?? []) {
    const ports = new Set((c.ports ?? []).map((p) => p.name));
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const p = c[probe]?.httpGet;
      if (!p) { problems.push(`${name(d)}/${c.name}: no ${probe}`); continue; }
      if (!ports.has(p.port)) problems.push(`${name(d)}/${c.name}: ${probe} port ${p.port} is not a container port`);
      if (!p.path?.startsWith("/q/health/")) problems.push(`${name(d)}/${c.name}: ${probe} is not on /q/health/*`);
    }
    if (!c.resources?.requests?.cpu || !c.resources?.requests?.memory) {
      problems.push(`${name(d)}/${c.name}: no cpu and memory requests`);
    }
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) problems.push(`${name(d)}/${c.name}: mount ${m.name} has no volume`);
    }
    for (const ref of c.envFrom ?? []) {
      if (ref.configMapRef && !find("ConfigMap", ref.configMapRef.name)) {
        problems.push(`${name(d)}: ConfigMap ${ref.configMapRef.name} is not defined`);
      }
      if (ref.secretRef && !secretsMadeByOperator.has(ref.secretRef.name)) {
        problems.push(`${name(d)}: Secret ${ref.secretRef.name} is not documented`);
      }
    }
  }
  for (const v of volumes.values()) {
    if (v.persistentVolumeClaim && !find("PersistentVolumeClaim", v.persistentVolumeClaim.claimName)) {
      problems.push(`${name(d)}: PVC ${v.persistentVolumeClaim.claimName} is not defined`);
    }
  }
  for (const s of objects.filter((o) => o.kind === "Service")) {
    const selects = Object.entries(s.spec?.selector ?? {}).every(([k, v]) => labels[k] === v);
    if (!selects) continue;
    const names = new Set(pod.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));
    for (const p of s.spec.ports ?? []) {
      if (typeof p.targetPort === "string" && !names.has(p.targetPort)) {
        problems.push(`${name(s)}: targetPort ${p.targetPort} is not a port of ${name(d)}`);
      }
    }
  }
}
for (const s of objects.filter((o) => o.kind === "Service")) {
  const selected = objects.some((d) => d.kind === "Deployment" && Object.entries(s.spec?.selector ?? {})
    .every(([k, v]) => d.spec?.template?.metadata?.labels?.[k] === v));
  if (!selected) problems.push(`${name(s)}: selects no Deployment's pods`);
}
for (const i of objects.filter((o) => o.kind === "Ingress")) {
  for (const rule of i.spec?.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      const svc = find("Service", p.backend?.service?.name);
      if (!svc) { problems.push(`${name(i)}: backend service ${p.backend?.service?.name} is not defined`); continue; }
      const port = p.backend.service.port;
      if (!(svc.spec.ports ?? []).some((sp) => sp.name === port.name || sp.port === port.number)) {
        problems.push(`${name(i)}: ${name(svc)} has no port ${port.name ?? port.number}`);
      }
    }
  }
}
for (const o of objects.filter((o) => o.kind === "Secret")) {
  problems.push(`${name(o)}: secrets are created by the operator, not shipped in the manifests`);
}

if (problems.length) {
  for (const p of problems) console.log(`k8s: ${p}`);
  process.exit(1);
}
console.log(`k8s: ${objects.length} objects valid (${[...new Set(objects.map((o) => o.kind))].join(", ")})`);
