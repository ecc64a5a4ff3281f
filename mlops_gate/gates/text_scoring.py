"""The `text` gate's numbers: sacrebleu's, rouge-score's and SQuAD's, as bootstrap statistics.

- bleu, chrf, ter: sacrebleu's corpus scores (0-100; BLEU with `tokenize` 13a by default, TER
  case-insensitive as sacrebleu's default). A corpus score is not a mean of row scores, so the
  bootstrap resamples each row's sufficient statistics (n-gram matches, lengths, edits) and
  recomputes the corpus score from their weighted sums with sacrebleu's own formula; at unit
  weights that is the corpus score itself. Row scores are sacrebleu's sentence scores.
- rouge1, rouge2, rougeL: the mean F1 of rouge-score's `RougeScorer` (Porter stemming on by
  default, `use_stemmer`), reference as target (0-1).
- exact_match, f1: the SQuAD evaluation's definitions (lower-case, drop punctuation, articles
  and extra whitespace; token-overlap F1), averaged over rows (0-1).
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from mlops_gate.metrics.bootstrap import Floats, Statistic

SACREBLEU = ("bleu", "chrf", "ter")
ROUGE = ("rouge1", "rouge2", "rougeL")
SQUAD = ("exact_match", "f1")
LOWER_IS_BETTER = frozenset({"ter"})
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = str.maketrans("", "", string.punctuation)


@dataclass(frozen=True)
class Scored:
    """A metric on every row: the library's value, its row scores, and the bootstrap statistic."""

    value: float
    rows: list[float]
    statistic: Statistic


def score(metric: str, outputs: Sequence[str], references: Sequence[str], options: Any) -> Scored:
    """`metric` of `outputs` against `references` (same rows, same order)."""
    if metric in SACREBLEU:
        return _sacrebleu(metric, list(outputs), list(references), options)
    if metric in ROUGE:
        rows = rouge_rows(metric, outputs, references, use_stemmer=options.use_stemmer)
    else:
        measure = exact_match if metric == "exact_match" else token_f1
        rows = [measure(o, r) for o, r in zip(outputs, references, strict=True)]
    return Scored(float(np.mean(rows)), rows, mean_statistic(rows))


def mean_statistic(rows: Sequence[float]) -> Statistic:
    values = np.asarray(rows, dtype=float)

    def fn(weights: Floats) -> Floats:
        return np.asarray((weights @ values) / weights.sum(axis=1), dtype=float)

    return Statistic(len(values), fn, point_fn=lambda: float(np.mean(values)))


def _sacrebleu(metric: str, outputs: list[str], references: list[str], options: Any) -> Scored:
    corpus, sentence = _sacrebleu_metrics(metric, options)
    value = float(corpus.corpus_score(outputs, [references]).score)
    stats = np.asarray(corpus._extract_corpus_statistics(outputs, [references]), dtype=float)
    rows = [
        float(sentence.sentence_score(o, [r]).score)
        for o, r in zip(outputs, references, strict=True)
    ]

    def fn(weights: Floats) -> Floats:
        sums = weights @ stats
        return np.array([corpus._compute_score_from_stats(list(row)).score for row in sums])

    return Scored(value, rows, Statistic(len(outputs), fn, point_fn=lambda: value))


def _sacrebleu_metrics(metric: str, options: Any) -> tuple[Any, Any]:
    """The corpus metric and the one for row scores (sentence BLEU uses effective order)."""
    from mlops_gate.errors import DependencyError

    try:
        from sacrebleu.metrics.bleu import BLEU
        from sacrebleu.metrics.chrf import CHRF
        from sacrebleu.metrics.ter import TER
    except ImportError:
        raise DependencyError(
            f"the text gate's {metric} needs sacrebleu: pip install 'mlops-gate[llm]'"
        ) from None
    if metric == "bleu":
        kwargs = {"tokenize": options.tokenize, "lowercase": options.lowercase}
        return BLEU(**kwargs), BLEU(effective_order=True, **kwargs)
    if metric == "chrf":
        return CHRF(lowercase=options.lowercase), CHRF(lowercase=options.lowercase)
    return TER(), TER()


def rouge_rows(
    metric: str, outputs: Sequence[str], references: Sequence[str], *, use_stemmer: bool
) -> list[float]:
    """rouge-score's F1 of each row (reference as the target)."""
    from mlops_gate.errors import DependencyError

    try:
        from rouge_score import rouge_scorer
    except ImportError:
        raise DependencyError(
            f"the text gate's {metric} needs rouge-score: pip install 'mlops-gate[llm]'"
        ) from None
    scorer = rouge_scorer.RougeScorer([metric], use_stemmer=use_stemmer)
    return [
        float(scorer.score(reference, output)[metric].fmeasure)
        for output, reference in zip(outputs, references, strict=True)
    ]


def normalize(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation, no articles, single spaces."""
    text = _ARTICLES.sub(" ", text.lower().translate(_PUNCTUATION))
    return " ".join(text.split())


def exact_match(output: str, reference: str) -> float:
    return float(normalize(output) == normalize(reference))


def token_f1(output: str, reference: str) -> float:
    """SQuAD's token F1 (an empty side scores 1 only when both are empty, as in SQuAD 2.0)."""
    predicted, gold = normalize(output).split(), normalize(reference).split()
    if not predicted or not gold:
        return float(predicted == gold)
    common = sum((Counter(predicted) & Counter(gold)).values())
    if common == 0:
        return 0.0
    precision, recall = common / len(predicted), common / len(gold)
    return 2 * precision * recall / (precision + recall)
