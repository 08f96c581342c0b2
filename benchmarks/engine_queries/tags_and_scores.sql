-- Tags and scores: the filter first, then one boolean per tag rule on the matching posts only.
SELECT id,
       regexp_matches(content, '(?:^|[^\pL\pN_])(?:coffee|espresso|latte|flat\s+white|cold\s+brew)(?:[^\pL\pN_]|$)') AS coffee,
       regexp_matches(content, '(?:^|[^\pL\pN_])(?:audi|bmw|beemer)(?:[^\pL\pN_]|$)') AS cars,
       regexp_matches(content, '(?:^|[^\pL\pN_])(?:iphone|pixel|galaxy)(?:[^\pL\pN_]|$)') AS phones,
       CASE WHEN regexp_matches(content, '(?:^|[^\pL\pN_])(?:want\s+to\s+buy|considering|test\s+drive)(?:[^\pL\pN_]|$)') THEN 20 ELSE 0 END
     + CASE WHEN regexp_matches(content, '(?:^|[^\pL\pN_])(?:too\s+expensive|recall)(?:[^\pL\pN_]|$)') THEN -5 ELSE 0 END AS purchase,
       followers >= 100 AS large
FROM (SELECT interaction.id AS id, lower(interaction.content) AS content, twitter.user.followers_count AS followers
      FROM {posts}
      WHERE lower(language.tag) IN ('en', 'fr', 'de', 'es') AND interaction.sample < 50)
