"""Accuracy of the disposition classifier's default lexicon on a labelled set of county posts.

    .venv/bin/python bench/disposition/evaluate.py [--lexicon-json FILE]

labelled.jsonl holds 105 posts written for this set after the lexicon, not tuned to it: 23–31 per
disposition class, 21 of them harmful, with hard cases — a complaint that names a harmful word,
a suggestion about fraud, fabrications without any cue word. Prints overall accuracy, per-class
precision and recall, the confusion matrix, and precision/recall of the harmful-information
flag. A tuned lexicon (the JSON body of PUT /api/v1/admin/disposition-lexicon) can be measured
with --lexicon-json before it is saved.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from services.grading.disposition import DEFAULT_LEXICON, Classifier, Lexicon, validate_lexicon  # noqa: E402
from yuqing.core.categories import DISPOSITIONS  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lexicon-json", type=Path)
    args = parser.parse_args()
    lexicon = DEFAULT_LEXICON
    if args.lexicon_json:
        lexicon = validate_lexicon(Lexicon.from_json(0, json.loads(args.lexicon_json.read_text(encoding="utf-8"))))
    classifier = Classifier(lexicon)
    rows = [json.loads(line) for line in (HERE / "labelled.jsonl").read_text(encoding="utf-8").splitlines() if line]
    confusion: Counter[tuple[str, str]] = Counter()
    flag = Counter()
    for row in rows:
        result = classifier.classify(row["text"])
        confusion[(row["disposition"], result.disposition)] += 1
        flag[(bool(row["harmful"]), result.harmful)] += 1
    correct = sum(n for (truth, guess), n in confusion.items() if truth == guess)
    print(f"disposition classifier (lexicon version {lexicon.version}) on {len(rows)} labelled posts")
    print(f"  accuracy: {correct / len(rows):.3f} ({correct}/{len(rows)}); a four-way guess scores 0.25")
    print("  class                      precision  recall  support")
    for name, label in DISPOSITIONS.items():
        guessed = sum(n for (_, g), n in confusion.items() if g == name)
        actual = sum(n for (t, _), n in confusion.items() if t == name)
        hit = confusion[(name, name)]
        print(f"  {name:<12}{label:<14}{hit / guessed if guessed else 0:>9.3f}{hit / actual if actual else 0:>8.3f}{actual:>9}")
    print("  confusion (rows: truth, columns: guess): " + " ".join(DISPOSITIONS))
    for truth in DISPOSITIONS:
        print(f"    {truth:<12}" + " ".join(f"{confusion[(truth, guess)]:>4}" for guess in DISPOSITIONS))
    flagged, harmful = flag[(True, True)] + flag[(False, True)], flag[(True, True)] + flag[(True, False)]
    print(f"  harmful flag: precision {flag[(True, True)] / flagged if flagged else 0:.3f}, "
          f"recall {flag[(True, True)] / harmful if harmful else 0:.3f} ({harmful} harmful posts)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
