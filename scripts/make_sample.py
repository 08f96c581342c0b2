#!/usr/bin/env python3
"""Write synthetic DataSift-shaped interactions as JSON Lines (``examples/posts.jsonl``).

Every value is invented from a fixed seed: no real user, post or link. The shape follows the
output elements DataSift documented (seed 004: ``interaction``, ``twitter``, ``language``,
``salience``, ``klout``, ``links``, ``demographic``), with ``created_at`` in DataSift's form
``"Mon, 04 Mar 2024 01:07:00 +0000"``, geo as ``{"latitude", "longitude"}`` and arrays for
hashtags, mentions and links. Posts are about 1 KB, like the ones perf-baselines measured.

    python scripts/make_sample.py                      # 1,000 posts to examples/posts.jsonl
    python scripts/make_sample.py -n 100000 -o big.jsonl --seed 3
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import sys

START = datetime.datetime(2024, 3, 4, 0, 0, tzinfo=datetime.timezone.utc)

TOPICS = {
    "coffee": ["coffee", "espresso", "latte", "flat white", "cold brew", "cappuccino", "beans", "barista"],
    "cars": ["Audi", "BMW", "Beemer", "test drive", "want to buy", "considering", "too expensive", "recall", "sale ad"],
    "weather": ["rain", "sunny", "fog", "heatwave", "umbrella", "forecast", "storm"],
    "phones": ["iPhone", "Pixel", "Galaxy", "battery", "camera", "upgrade", "cheap", "android"],
    "food": ["café", "crème brûlée", "ramen", "東京", "sushi", "brunch", "tacos"],
}
FILLER = (
    "honestly today really just about maybe still never always going think love hate the a an of to in "
    "on with for this that my your our their new old best worst great little big quite very so and but"
).split()
EMOJI = ["😀", "☕", "🚗", "🌧️", "📱", "🍣", ""]
LANGS = [("en", 70), ("fr", 8), ("de", 6), ("es", 6), ("ja", 5), ("pt", 5)]
CITIES = [("London", 51.5072, -0.1276), ("Paris", 48.8566, 2.3522), ("New York", 40.7128, -74.0060),
          ("Tokyo", 35.6762, 139.6503), ("Berlin", 52.52, 13.405)]
SOURCES = ["web", "Twitter for iPhone", "Twitter for Android", "TweetDeck"]
DOMAINS = ["example.com", "example.org", "news.example.net", "shop.example.com", "blog.example.io"]


def _created_at(when: datetime.datetime) -> str:
    return when.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _weighted(rng: random.Random, pairs):
    total = sum(w for _, w in pairs)
    pick = rng.uniform(0, total)
    for value, weight in pairs:
        pick -= weight
        if pick <= 0:
            return value
    return pairs[-1][0]


def _text(rng: random.Random, topic: str) -> str:
    words = [rng.choice(FILLER) for _ in range(rng.randint(10, 22))]
    for _ in range(rng.randint(1, 3)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(TOPICS[topic]))
    if rng.random() < 0.15:
        other = rng.choice(sorted(TOPICS))
        words.insert(rng.randrange(len(words) + 1), rng.choice(TOPICS[other]))
    text = " ".join(words)
    text = text[0].upper() + text[1:] + rng.choice([".", "!", "?", "...", " :)"])
    if rng.random() < 0.3:
        text += " " + rng.choice(EMOJI)
    return text


def make_post(rng: random.Random, index: int, when: datetime.datetime) -> dict:
    topic = rng.choice(sorted(TOPICS))
    user_id = rng.randrange(10_000_000, 99_999_999)
    username = f"user{user_id % 100000:05d}"
    tags = sorted({rng.choice(TOPICS[topic]).replace(" ", "").replace("é", "e") for _ in range(rng.randint(0, 3))})
    text = _text(rng, topic)
    if tags:
        text += " " + " ".join("#" + t for t in tags)
    link = None
    if rng.random() < 0.35:
        domain = rng.choice(DOMAINS)
        link = f"https://www.{domain}/{topic}/{rng.randrange(1000, 9999)}"
        if rng.random() < 0.3:
            link += "?utm_source=twitter&utm_medium=social"
        text += f" http://t.co/{rng.randrange(16**6):06x}"
    created = _created_at(when)
    post_id = f"1e{index:06x}{rng.randrange(16**14):014x}"
    tweet_id = str(1_000_000_000_000_000_000 + index * 7919)
    lang = _weighted(rng, LANGS)
    interaction = {
        "id": post_id,
        "type": "twitter",
        "created_at": created,
        "content": text,
        "source": rng.choice(SOURCES),
        "sample": round(rng.uniform(0, 100), 2),
        "author": {
            "id": user_id,
            "username": username,
            "name": f"Sample User {user_id % 1000}",
            "language": lang,
        },
        "schema": {"version": 3},
    }
    twitter = {
        "id": tweet_id,
        "created_at": created,
        "text": text,
        "source": interaction["source"],
        "lang": lang,
        "filter_level": rng.choice(["none", "low", "medium"]),
        "user": {
            "id": user_id,
            "screen_name": username,
            "name": interaction["author"]["name"],
            "followers_count": int(rng.paretovariate(1.2) * 20),
            "friends_count": rng.randrange(0, 2000),
            "statuses_count": rng.randrange(1, 50_000),
            "lang": lang,
            "geo_enabled": rng.random() < 0.3,
            "description": " ".join(rng.choice(FILLER) for _ in range(rng.randint(0, 6))),
        },
    }
    if tags:
        twitter["hashtags"] = tags
        interaction["hashtags"] = tags
    if rng.random() < 0.2:
        mentioned = f"user{rng.randrange(100000):05d}"
        twitter["mentions"] = [mentioned]
        interaction["mentions"] = [mentioned]
    if rng.random() < 0.25:
        city, lat, lon = rng.choice(CITIES)
        geo = {"latitude": round(lat + rng.uniform(-0.2, 0.2), 5), "longitude": round(lon + rng.uniform(-0.2, 0.2), 5)}
        interaction["geo"] = geo
        twitter["geo"] = geo
        twitter["place"] = {"full_name": city, "country_code": "XX"}
    if rng.random() < 0.1:
        twitter["retweeted"] = {"id": str(int(tweet_id) - 17), "user": {"screen_name": rng.choice(["Starbucks", "Costa", username])}}
    post = {"interaction": interaction, "twitter": twitter, "language": {"tag": lang, "confidence": rng.randrange(60, 100)}}
    if lang in ("en", "fr", "es", "pt"):
        post["salience"] = {"content": {"sentiment": rng.randint(-10, 10)}}
    post["klout"] = {"score": rng.randrange(10, 90)}
    if link is not None:
        post["links"] = {
            "url": [link],
            "code": [rng.choice([200, 200, 200, 301, 404])],
            "domain": [link.split("/")[2].removeprefix("www.")],
            "title": [" ".join(rng.choice(FILLER) for _ in range(5)).title()],
        }
    post["demographic"] = {"gender": rng.choice(["male", "female", "unisex", "mostly_male", "mostly_female"])}
    return post


def generate(count: int, seed: int, hours: float = 2.0):
    """``count`` posts spread over ``hours`` hours from 2024-03-04 00:00 UTC, in time order."""
    rng = random.Random(seed)
    step = hours * 3600 / max(1, count)
    for index in range(count):
        when = START + datetime.timedelta(seconds=int(index * step))
        yield make_post(rng, index, when)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--hours", type=float, default=2.0, help="time span of the sample")
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("-o", "--output", default=os.path.join(here, "examples", "posts.jsonl"))
    args = parser.parse_args(argv)
    out = sys.stdout if args.output == "-" else open(args.output, "w", encoding="utf-8", newline="\n")
    try:
        for post in generate(args.count, args.seed, args.hours):
            out.write(json.dumps(post, ensure_ascii=False, separators=(",", ":")) + "\n")
    finally:
        if out is not sys.stdout:
            out.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
