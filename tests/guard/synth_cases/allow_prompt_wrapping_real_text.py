# expect: allow
# why: formatting real questions and articles into a prompt is preprocessing, not invention.
questions = [ex["question"] for ex in load_jsonl("data/dev.jsonl")]
prompts = [f"Question: {q}\nAnswer:" for q in questions]
inputs = [f"Summarize the following article {a}" for a in articles]
texts = [f"{row['title']}. {row['body']}" for row in rows]
queries = ["Find papers about {}".format(q) for q in user_queries]
examples = [f"Review of the film: {r.text}" for r in reviews.itertuples()]
