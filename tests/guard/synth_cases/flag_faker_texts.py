# expect: flag random-data
# why: Faker writes plausible-looking text that was never observed.
from faker import Faker

fake = Faker()
reviews = [fake.paragraph(nb_sentences=3) for _ in range(5000)]  # flagged
