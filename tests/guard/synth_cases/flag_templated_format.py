# expect: flag templated-data
# why: str.format templates and loops that append filled-in templates invent text the same way f-strings do.
TEMPLATE = "Which company makes the {} and when was it released?"

questions = [TEMPLATE.format(p) for p in products]  # flagged
texts = []
for city in cities:
    texts.append(f"The weather in {city} is lovely today")  # flagged
