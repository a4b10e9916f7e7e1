#!/usr/bin/env python3
"""Prints the lineage of the first image in a synthetic set's prov.json (W3C PROV-JSON): the image,
the model version that generated it, and for each version back to the first the federated round
that made it and the site updates it averaged, down to the base model's training and data."""
import json
import sys

doc = json.load(open(sys.argv[1]))
entities = doc.get("entity", {})
activities = doc.get("activity", {})

def pairs(relation, a, b):
    return [(r.get(a), r.get(b)) for r in doc.get(relation, {}).values()]

derived = pairs("wasDerivedFrom", "prov:generatedEntity", "prov:usedEntity")
generated = dict(pairs("wasGeneratedBy", "prov:entity", "prov:activity"))
used = pairs("used", "prov:activity", "prov:entity")
attributed = dict(pairs("wasAttributedTo", "prov:entity", "prov:agent"))

def kind(rid, records=entities):
    t = records.get(rid, {}).get("prov:type", "")
    return t.get("$", "") if isinstance(t, dict) else t

def short(rid):
    return rid.split(":", 1)[1][:24] if rid else "?"

images = [k for k in entities if kind(k) == "synthray:SyntheticImage"]
if not images:
    sys.exit("no synthetic image in " + sys.argv[1])
image = images[0]
attrs = entities[image]
print(f"image {attrs.get('synthray:file')} (sha256 {short(image)}…), prompt \"{attrs.get('synthray:prompt')}\", "
      f"seed {attrs.get('synthray:seed')}")
sites = set()
model = next((u for g, u in derived if g == image and kind(u) == "synthray:ModelVersion"), None)
seen = set()
while model and model not in seen:
    seen.add(model)
    activity = generated.get(model)
    updates = [e for a, e in used if a == activity and kind(e) == "synthray:ModelUpdate"]
    if updates:
        parts = []
        for u in updates:
            site = attributed.get(u, "?").rsplit("site-", 1)[-1]
            sites.add(site)
            parts.append(f"{site} ({entities[u].get('synthray:numExamples', '?')} examples)")
        print(f"  ← model {model.rsplit('-', 1)[-1][:12]}… made by {activity.split(':', 1)[1]} from updates of " + ", ".join(parts))
    elif kind(activity, activities) == "synthray:ModelTraining":
        training = activities[activity]
        data = [entities[e].get("synthray:location", "?") for a, e in used if a == activity and kind(e) == "synthray:Dataset"]
        print(f"  ← model {model.rsplit('-', 1)[-1][:12]}… the base model, trained on {', '.join(data) or '?'} "
              f"({training.get('synthray:steps', '?')} steps, seed {training.get('synthray:seed', '?')})")
    else:
        print(f"  ← model {model.rsplit('-', 1)[-1][:12]}… (the run's starting model)")
    model = next((u for g, u in derived if g == model and kind(u) == "synthray:ModelVersion"), None)
print("sites whose updates built this image's model:", ", ".join(sorted(sites)) or "none recorded")
