# expect: flag templated-data
# why: the eval queries are written by a template, not collected from users.
import json

titles = [row["title"] for row in json.load(open("movies.json"))]
queries = [f"What movie is {t}?" for t in titles]  # flagged
evaluate_retrieval(queries)
