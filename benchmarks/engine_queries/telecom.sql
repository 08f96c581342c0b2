-- A telecom brand filter: brands and handsets, case-insensitive, minus job ads.
SELECT interaction.id AS id
FROM (SELECT interaction, language, lower(interaction.content) AS content FROM {posts})
WHERE regexp_matches(content, '(?:^|[^\pL\pN_])(?:vodafone|o2|ee|three\s+uk|t\s*-\s*mobile|verizon|at\s*&\s*t|orange|telefonica|movistar|iphone|pixel|galaxy|android)(?:[^\pL\pN_]|$)')
  AND NOT regexp_matches(content, '(?:^|[^\pL\pN_])(?:job|hiring|sale\s+ad)(?:[^\pL\pN_]|$)')
  AND lower(language.tag) IN ('en', 'de', 'es', 'fr')
