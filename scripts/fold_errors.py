"""Per-fold figures of the rules over dev + train, and the errors of chosen folds.

Why: `reewatch eval --cv` trains a type model per fold (minutes); when the model is switched
off by its own thresholds, the held-out figures are those of the rules, and this script
gets them from one parse in about a minute. `--show 1 4` lists the false alarms (with the
sentences that produced them), the misses (with the gold note) and the matched events whose
date or parties differ from gold, for error analysis on those folds only.

    uv run python scripts/fold_errors.py            # per-fold figures
    uv run python scripts/fold_errors.py --show 1 4 # plus the errors of folds 1 and 4
"""

from __future__ import annotations

import argparse
from pathlib import Path

from extractors import training
from extractors.crossval import assign_folds, summary
from extractors.evaluate import normalise_actor, score
from extractors.event_data import gold_files, read_gold
from extractors.events import EventExtractor

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "eval"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", type=int, nargs="*", default=[], help="folds whose errors to list")
    ap.add_argument("--folds", type=int, default=5)
    args = ap.parse_args()
    lines = read_gold(gold_files(SHARED))
    ex = EventExtractor(type_model=None)
    prep = training.prepare(lines, ex, for_models=False)  # the rules alone, as `reewatch extract` runs
    sizes: dict[str, int] = {}
    for g in prep.groups.values():
        sizes[g] = sizes.get(g, 0) + 1
    fold_of_group = assign_folds(sizes, args.folds)
    fold_of = [fold_of_group[prep.groups[str(x["id"])]] for x in prep.lines]
    every = list(range(len(prep.lines)))
    for i in every:
        for s in prep.plans[i] or ():
            s.cats = None
    events = ex.decide(prep.articles, prep.plans)
    preds = {a.id: [e.to_format() for e in evs] for a, evs in zip(prep.articles, events, strict=True)}
    print(f"{'':8}{'arts':>6}{'gold':>6}{'pred':>6}{'match':>6}{'P':>7}{'R':>7}{'F1':>7}{'artP':>7}{'actP':>7}{'dateX':>7}")
    for f in range(args.folds):
        held = [i for i in every if fold_of[i] == f]
        r = summary(score([prep.lines[i] for i in held], preds))
        print(f"fold {f:<3}{r['articles']:>6}{r['gold']:>6}{r['predicted']:>6}{r['matched']:>6}"
              f"{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['article_precision']:>7.3f}{r['actor_precision']:>7.3f}{r['exact_date_share']:>7.3f}")
    r = summary(score(prep.lines, preds))
    print(f"{'all':8}{r['articles']:>6}{r['gold']:>6}{r['predicted']:>6}{r['matched']:>6}"
          f"{r['precision']:>7.3f}{r['recall']:>7.3f}{r['f1']:>7.3f}{r['article_precision']:>7.3f}{r['actor_precision']:>7.3f}{r['exact_date_share']:>7.3f}")
    for f in args.show:
        print(f"\n===== fold {f} =====")
        for i in (i for i in every if fold_of[i] == f):
            line, evs = prep.lines[i], events[i]
            golds = line.get("events") or []
            res = score([line], {line["id"]: [e.to_format() for e in evs]})
            head = f"--- {line['id'][:50]} | {line.get('outlet')} | {line.get('published')}"
            out = []
            for m in res["false_alarms"]:
                e = m["event"]
                ev = next(x for x in evs if x.to_format() == e)
                out.append(f"  FA {e['type']} {e['date']} {e['actors']} {e['commodities']}")
                out += [f"       | {mm.trigger} | {mm.sentence[:300]}" for mm in ev.mentions[:2]]
            for m in res["misses"]:
                g = m["event"]
                if g.get("optional"):
                    continue
                near = [e.to_format() for e in evs if e.type == g["type"]]
                out.append(f"  MISS {g['type']} {g['date']} {g['actors']} {g.get('commodities')} :: {g.get('note', '')[:200]}")
                out += [f"       near pred: {p['date']} {p['actors']}" for p in near[:2]]
            for p in res.get("matched_pairs") or []:
                if p["gold"].get("date") != p["predicted"].get("date"):
                    e = p["predicted"]
                    ev = next((x for x in evs if x.to_format() == e), None)
                    out.append(f"  DATE {e['type']} pred {e.get('date')} gold {p['gold'].get('date')}"
                               f" :: {p['gold'].get('note', '')[:160]}")
                    if ev is not None:
                        out += [f"       | {mm.trigger} | {mm.sentence[:300]}" for mm in ev.mentions[:1]]
                ga = {normalise_actor(a) for a in p["gold"].get("actors") or []}
                pa = {normalise_actor(a) for a in p["predicted"].get("actors") or []}
                if ga != pa:
                    e = p["predicted"]
                    ev = next((x for x in evs if x.to_format() == e), None)
                    out.append(f"  ACT {e['type']} pred {sorted(pa)} gold {sorted(ga)}")
                    if ev is not None:
                        out += [f"       | {mm.trigger} | {mm.sentence[:300]}" for mm in ev.mentions[:1]]
            if out or golds:
                print(head)
                print("\n".join(out) if out else "  ok")


if __name__ == "__main__":
    main()
