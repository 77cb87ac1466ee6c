"""AI features: grounded learning advice and course recommendations, each with an offline path.

Recommendations come in three parts:

- model maths: `model` (the scoring formula, `build` of the item-item model from interactions, batch
  `score`) and `text` (course text as TF-IDF vectors for content similarity); pure functions, no I/O;
- build: `builder` reads MongoDB, runs the maths in a worker thread and stores the neighbour rows under a
  new version (`documents/recommender.py`); `evaluation` scores the same maths offline (`oms
  eval-recommender`);
- serving: `recommendations` answers a request from the stored rows (a lookup, never a model computation),
  with `rewrite` optionally rewording its reasons through the LLM.

Advice: `facts` (what is true of one enrollment) → `offline` with `phrases` (the engine without a model),
or `provider` (an OpenAI-compatible model) checked by `grounding`; `advice` ties them together and caches
the reply; `quota` bounds each user's LLM calls. `runtime` builds what an app holds and schedules rebuilds.
"""
