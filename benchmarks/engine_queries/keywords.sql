-- 10,000-keyword contains_any: the text's tokens (and pairs of neighbouring tokens, for the
-- two-word phrases) joined with the keyword table {keywords}(word) that the benchmark fills.
WITH tokens AS (
    SELECT interaction.id AS id,
           regexp_extract_all(lower(interaction.content), '[\pL\pN_]+|[^\pL\pN_\s]') AS t
    FROM {posts}
), grams AS (
    SELECT id, unnest(list_concat(t, list_transform(range(1, len(t)), lambda i: t[i] || ' ' || t[i + 1]))) AS gram
    FROM tokens
)
SELECT DISTINCT id FROM grams SEMI JOIN {keywords} ON gram = word
