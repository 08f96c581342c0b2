"""`csdl.compile`: canonical text, DPU, and our hash of the canonical form."""

import hashlib

import pytest

import csdl


def test_compile_result():
    compiled = csdl.compile('twitter.text   CONTAINS "iPad" // a comment\n and twitter.lang exists')
    canonical = 'twitter.text contains "iPad" AND twitter.lang exists\n'
    digest = hashlib.md5(canonical.encode()).hexdigest()
    assert compiled.csdl == canonical
    assert compiled.hash == digest
    assert compiled.to_dict() == {"hash": digest, "dpu": 0.2, "csdl": canonical}


def test_comments_and_layout_keep_the_hash():
    a = csdl.compile('interaction.content any "a, b" OR twitter.text exists')
    b = csdl.compile('/* x */ interaction.content\n\tANY "a, b"   // y\nor\ntwitter.text exists\n')
    assert a.hash == b.hash


def test_meaning_changes_the_hash():
    assert csdl.compile("twitter.text exists").hash != csdl.compile("twitter.lang exists").hash
    assert csdl.compile('twitter.text contains "a"').hash != csdl.compile('twitter.text contains "b"').hash


def test_hash_is_of_the_canonical_text():
    import hashlib

    compiled = csdl.compile('tag "x" { twitter.text exists } return { twitter.lang exists }')
    assert compiled.hash == hashlib.md5(compiled.csdl.encode()).hexdigest()


def test_invalid_filter_raises_with_every_error():
    with pytest.raises(csdl.CSDLError) as caught:
        csdl.compile('twitter.txt exists AND interaction.contnt exists')
    assert [d.code for d in caught.value.diagnostics] == ["E101", "E101"]
