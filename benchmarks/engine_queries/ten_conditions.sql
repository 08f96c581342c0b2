-- The benchmark's 10-condition filter (benchmarks/bench_run.py FILTER_10), as a person who knows
-- DuckDB would write it for these posts: lower-case the text once, one regular expression per
-- phrase list, plain comparisons, and the URL reduced to host and path.
SELECT interaction.id AS id
FROM (SELECT interaction, language, twitter, links, lower(interaction.content) AS content FROM {posts})
WHERE regexp_matches(content, '(?:^|[^\pL\pN_])(?:coffee|espresso|latte|flat\s+white|cold\s+brew|iphone|pixel|audi|bmw|ramen)(?:[^\pL\pN_]|$)')
  AND lower(language.tag) IN ('en', 'fr', 'de', 'es')
  AND NOT regexp_matches(content, '(?:^|[^\pL\pN_])sale\s+ad(?:[^\pL\pN_]|$)')
  AND twitter.user.followers_count >= 5
  AND lower(interaction.type) = 'twitter'
  AND (interaction.geo IS NOT NULL
       OR contains(lower(twitter.user.description), 'a')
       OR list_contains(list_transform(links.url, lambda u: regexp_replace(regexp_replace(lower(u), '^[a-z]+://(www\.)?', ''), '[?#].*$|/$', '')), 'example.com/coffee'))
  AND coalesce(lower(twitter.retweeted.user.screen_name) NOT IN ('starbucks', 'costa'), true)
  AND regexp_matches(interaction.content, '[a-z]{4}')
  AND interaction.sample < 90
